/** `name=value; Path=/; HttpOnly` → `["name", "value"]`; undefined when the line names no cookie. */
export function parseSetCookie(line: string): [string, string] | undefined {
  const [pair = ''] = line.split(';');
  const eq = pair.indexOf('=');
  return eq > 0 ? [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()] : undefined;
}
