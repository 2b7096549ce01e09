/**
 * Names the generated k6 script declares or uses in a journey function. A
 * capture becomes a local of the same name, so it may not be one of these.
 */
const SCRIPT_NAMES = [
  'check', 'sleep', 'SharedArray', 'exec', 'http', 'open', '__ENV', '__VU', '__ITER', 'BASE_URL', 'DATA_DIR', 'options',
  'index', 'row', 'rowOfThisVu', 'rowsOfThisVu', 'response', 'captured', 'captureJson', 'captureHeader', 'captureCookie', 'captureRegex',
  'String', 'JSON', 'Math', 'Object', 'Array', 'Number', 'RegExp', 'encodeURIComponent', 'console',
];

// JavaScript's reserved words and the globals that cannot be shadowed usefully.
const RESERVED_WORDS = [
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in', 'instanceof',
  'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static', 'super', 'switch',
  'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'undefined', 'NaN', 'Infinity',
  'arguments', 'eval',
];

const RESERVED = new Set([...SCRIPT_NAMES, ...RESERVED_WORDS]);
const GENERATED_PREFIXES = ['data_', 'journey_', 'expect_'];

/** True when `name` cannot be a capture's local in the generated script. */
export function isReservedInScript(name: string): boolean {
  return RESERVED.has(name) || GENERATED_PREFIXES.some((prefix) => name.startsWith(prefix));
}
