// Guards for walking untrusted model JSON. JSON.parse itself copes with any
// nesting, but webgrad's own walkers (fromPythonic, messages that show a
// value) recurse, so a model.json nested 100,000 deep would end in a raw
// "Maximum call stack size exceeded". checkNesting walks the value once,
// without recursion, and rejects it before anything recursive sees it;
// preview shows any value in an error message without recursing deeply.
import { WebgradError } from '../core/errors.js';

/** Deepest nesting a model file may have; real layers models stay below ~15. */
export const MAX_JSON_DEPTH = 100;

/**
 * Values visited at most (arrays' and objects' members, counted as in a
 * tree). JSON text of this size would be far beyond any Dense model; the cap
 * stops in-memory artifacts whose objects share members from making a walk
 * exponential.
 */
const MAX_JSON_VISITS = 1 << 24;

interface Frame {
  value: object;
  depth: number;
  parent: Frame | null;
  key: string;
}

function pathOf(frame: Frame, root: string): string {
  const keys: string[] = [];
  for (let f: Frame | null = frame; f?.parent; f = f.parent) keys.push(f.key);
  keys.reverse();
  const shown = keys.slice(0, 12).join('');
  return `${root}${shown}${keys.length > 12 ? `… (${keys.length} keys deep)` : ''}`;
}

function keyText(parent: object, key: string): string {
  return Array.isArray(parent) ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Throws a WebgradError naming the key where `value` is nested more than
 * MAX_JSON_DEPTH levels deep (or, for in-memory objects, cycles).
 * `root` names the value in the message, e.g. 'modelTopology'.
 */
export function checkNesting(value: unknown, root: string, source: string): void {
  if (typeof value !== 'object' || value === null) return;
  const stack: Frame[] = [{ value, depth: 1, parent: null, key: '' }];
  let visits = 0;
  while (stack.length) {
    const frame = stack.pop()!;
    if (frame.depth > MAX_JSON_DEPTH) {
      throw new WebgradError(`${source}: '${pathOf(frame, root)}' is nested more than ${MAX_JSON_DEPTH} levels deep; a layers model needs far fewer (a cyclic or hostile file?).`);
    }
    const v = frame.value;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    const keys = Array.isArray(v) ? null : Object.keys(v);
    const n = keys ? keys.length : (v as unknown[]).length;
    visits += n;
    if (visits > MAX_JSON_VISITS) throw new WebgradError(`${source}: '${root}' holds more than ${MAX_JSON_VISITS} values; that is no Dense model.`);
    for (let i = 0; i < n; i++) {
      const key = keys ? keys[i] : String(i);
      const child = (v as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: frame.depth + 1, parent: frame, key: keyText(v, key) });
    }
  }
}

function render(v: unknown, depth: number): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v !== 'object') return typeof v;
  if (v instanceof ArrayBuffer) return `ArrayBuffer(${v.byteLength})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.byteLength} bytes)`;
  if (Array.isArray(v)) {
    if (depth === 0) return v.length ? '[…]' : '[]';
    const items = v.slice(0, 8).map((x) => render(x, depth - 1));
    if (v.length > 8) items.push(`…${v.length - 8} more`);
    return `[${items.join(',')}]`;
  }
  const keys = Object.keys(v);
  if (depth === 0) return keys.length ? '{…}' : '{}';
  const items = keys.slice(0, 8).map((k) => `${JSON.stringify(k)}:${render((v as Record<string, unknown>)[k], depth - 1)}`);
  if (keys.length > 8) items.push(`…${keys.length - 8} more`);
  return `{${items.join(',')}}`;
}

/**
 * A short JSON-like rendering of any value for error messages (JSON.stringify
 * for small values; nesting, lengths and the total are capped, so it never
 * recurses deeply or builds a huge string).
 */
export function preview(value: unknown, maxLength = 80): string {
  let s: string;
  try {
    s = render(value, 3);
  } catch {
    s = '(an unreadable value)';
  }
  return s.length > maxLength ? `${s.slice(0, maxLength - 1)}…` : s;
}
