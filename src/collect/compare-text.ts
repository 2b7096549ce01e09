/** Code-unit order: the same on every machine, unlike localeCompare, so records and reports sort identically everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
