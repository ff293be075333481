// Reverse-mode autodiff over the recorded graph: walk from the output back to
// the requested inputs in reverse dependency order, applying the gradient
// table and summing contributions. The result is more graph, computed on the
// backend when read.
import { argError, shapeString, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { topoOrder } from '../graph/build_plan.js';
import { add } from '../ops/elementwise.js';
import { fill } from '../ops/creation.js';
import { gradientOf } from './gradients.js';

/** Gradients of `y` with respect to each of `xs` (zeros where y does not depend on x). */
export function gradients(y: Tensor, xs: readonly Tensor[], dy?: Tensor, name = 'grad'): Tensor[] {
  if (dy !== undefined && !(dy instanceof Tensor)) throw argError(name, 'dy', `a Tensor of shape ${shapeString(y.shape)}`, dy);
  dy?.assertAlive(name, 'dy');
  const seed = dy ?? fill(y.shape, 1);
  if (!shapesEqual(seed.shape, y.shape) || seed.dtype !== 'float32') throw argError(name, 'dy', `a float32 tensor of shape ${shapeString(y.shape)}`, seed);
  const order = topoOrder([y]);
  const wanted = new Set(xs.map((x) => x.id));
  // Only nodes on a path from some x to y need gradients.
  const needs = new Set<number>();
  for (const t of order) {
    if (wanted.has(t.id) || (t.op && t.op.kind !== 'placeholder' && t.inputs.some((i) => needs.has(i.id)))) needs.add(t.id);
  }
  const grads = new Map<number, Tensor>();
  grads.set(y.id, seed);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const g = grads.get(t.id);
    if (!g || !needs.has(t.id) || !t.op || t.op.kind === 'placeholder') continue;
    const inputGrads = gradientOf(t, g);
    t.inputs.forEach((x, j) => {
      const gx = inputGrads[j];
      if (!gx || !needs.has(x.id)) return;
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? add(prev, gx) : gx);
    });
  }
  return xs.map((x) => grads.get(x.id) ?? fill(x.shape, 0));
}

/** Refuses anything but a function where grad & co. expect `f`. */
function checkFunction(name: string, f: unknown): void {
  if (typeof f !== 'function') throw argError(name, 'f', 'a function of tensors returning a Tensor', f);
}

/** The `xs` of grads/valueAndGrads: an array of tensors, not one tensor. */
function checkArray(name: string, xs: unknown): unknown[] {
  if (!Array.isArray(xs)) throw argError(name, 'xs', 'an array of float32 Tensors (wrap a single tensor in [ ])', xs);
  return xs;
}

function checkArgs(name: string, xs: unknown[]): Tensor[] {
  return xs.map((x, i) => {
    if (!(x instanceof Tensor)) throw argError(name, `x[${i}]`, 'a Tensor', x);
    x.assertAlive(name, `x[${i}]`);
    if (x.dtype !== 'float32') throw argError(name, `x[${i}]`, 'a float32 tensor', x);
    return x;
  });
}

function callScoped<T>(name: string, f: () => Tensor, after: (y: Tensor) => T, keep: (r: T) => Tensor[]): T {
  engine.startScope();
  let result: T | undefined;
  try {
    const y = f();
    if (!(y instanceof Tensor)) throw new WebgradError(`${name}: the function must return a Tensor, but returned ${String(y)}.`);
    result = after(y);
  } finally {
    // Intermediates of f lose their handles without being marked disposed:
    // the returned gradient's pending graph still reads them. (A gradient
    // cannot be differentiated again: gradients.ts refuses second order.)
    engine.endScope(new Set(result === undefined ? [] : keep(result)), true);
  }
  return result;
}

/** grad(f)(x, dy?) -> df/dx. f maps one tensor to one tensor. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  checkFunction('grad', f);
  return (x, dy) => {
    const [t] = checkArgs('grad', [x]);
    return callScoped('grad', () => f(t), (y) => gradients(y, [t], dy, 'grad')[0], (g) => [g]);
  };
}

/** grads(f)(xs, dy?) -> [df/dx_i]. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  checkFunction('grads', f);
  return (xs, dy) => {
    const ts = checkArgs('grads', checkArray('grads', xs));
    return callScoped('grads', () => f(...ts), (y) => gradients(y, ts, dy, 'grads'), (g) => g);
  };
}

/** valueAndGrad(f)(x, dy?) -> { value: f(x), grad: df/dx }. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  checkFunction('valueAndGrad', f);
  return (x, dy) => {
    const [t] = checkArgs('valueAndGrad', [x]);
    return callScoped('valueAndGrad', () => f(t), (y) => ({ value: y, grad: gradients(y, [t], dy, 'valueAndGrad')[0] }), (r) => [r.value, r.grad]);
  };
}

/** valueAndGrads(f)(xs, dy?) -> { value, grads }. */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  checkFunction('valueAndGrads', f);
  return (xs, dy) => {
    const ts = checkArgs('valueAndGrads', checkArray('valueAndGrads', xs));
    return callScoped('valueAndGrads', () => f(...ts), (y) => ({ value: y, grads: gradients(y, ts, dy, 'valueAndGrads') }), (r) => [r.value, ...r.grads]);
  };
}
