// Error helpers for the API edge: every message names the op, the argument,
// what was expected and what came.

export class WebgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebgradError';
  }
}

/** Short, readable description of any value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return value.length > 8 ? `an array of length ${value.length}` : `[${value.map(describe).join(', ')}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    const dtype = (value as { dtype?: unknown }).dtype;
    if (Array.isArray(shape)) return typeof dtype === 'string' ? `${article(dtype)} ${dtype} tensor of shape [${shape.join(', ')}]` : `a tensor of shape [${shape.join(', ')}]`;
    const name = value.constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  if (typeof value === 'string') return JSON.stringify(value);
  // A function's String() is its whole source.
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  const primitive = value as number | boolean | bigint | symbol;
  return String(primitive);
}

/**
 * Array.isArray for checking arguments: unlike it, this keeps a declared
 * element type (Array.isArray narrows `readonly number[]` to `any[]`).
 */
export function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** 'a' or 'an' for a word (a float32, an int32). */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

export function argError(op: string, arg: string, expected: string, actual: unknown): WebgradError {
  return new WebgradError(`${op}: argument '${arg}' must be ${expected}, but got ${describe(actual)}.`);
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
