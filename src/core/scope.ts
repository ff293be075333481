// Memory helpers: tidy() disposes every tensor created inside it except the
// ones it returns; keep() exempts a tensor; dispose() takes tensors or
// containers of them.
import { argError } from './errors.js';
import { engine } from './engine.js';
import { Tensor } from './tensor.js';

export type TensorContainer = Tensor | readonly TensorContainer[] | { readonly [key: string]: TensorContainer } | null | undefined | number | string | boolean;

/** Adds every tensor inside `x` (a tensor, or arrays/objects of tensors) to `out`. */
export function collect(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 32 || x === null || x === undefined) return;
  if (x instanceof Tensor) out.add(x);
  else if (Array.isArray(x)) for (const v of x) collect(v, out, depth + 1);
  else if (typeof x === 'object' && !ArrayBuffer.isView(x)) for (const v of Object.values(x)) collect(v, out, depth + 1);
}

/**
 * Runs `fn` and disposes every tensor it created, except those in its result
 * (a tensor, or arrays/objects of tensors). `fn` must be synchronous: a
 * Promise result is refused, since tensors made after an await would escape.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw argError('tidy', 'fn', 'a function', fn);
  engine.startScope();
  let result: T | undefined;
  try {
    result = fn();
    if (result instanceof Promise) throw argError('tidy', 'fn', 'a synchronous function', 'a function returning a Promise');
  } finally {
    const keep = new Set<Tensor>();
    collect(result, keep);
    engine.endScope(keep);
  }
  return result;
}

/**
 * Runs the body of a composite op (mean, a loss, a number operand turned into
 * a scalar): the intermediates it creates are owned by the graph alone, so
 * they are freed with the result, yet stay usable by gradient rules.
 */
export function composite<T extends Tensor>(fn: () => T): T {
  engine.startScope();
  let result: T | undefined;
  try {
    result = fn();
  } finally {
    engine.endScope(new Set(result ? [result] : []), true);
  }
  return result;
}

/** Exempts a tensor from disposal by the enclosing tidy(). */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) throw argError('keep', 't', 'a Tensor', t);
  t.kept = true;
  return t;
}

/** Disposes a tensor or every tensor inside a container. */
export function dispose(container: TensorContainer): void {
  const all = new Set<Tensor>();
  collect(container, all);
  for (const t of all) t.dispose();
}
