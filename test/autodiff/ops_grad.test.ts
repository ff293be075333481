// Gradients of every differentiable op against the analytic float64
// reference derivative and against central finite differences of the float64
// reference function, with a random upstream gradient dy.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { checkGradients, Rng, type Tol } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

/** Runs wg.grads(f) with upstream dy and checks every input's gradient. */
async function check(
  rng: Rng,
  label: string,
  inputs: ND[],
  refF: (xs: ND[]) => ND,
  vjp: ((xs: ND[], dy: ND) => (ND | null)[]) | null,
  wgF: (...ts: wg.Tensor[]) => wg.Tensor,
  tol?: Tol,
): Promise<void> {
  const y = refF(inputs);
  const dy = rng.nd(y.shape, -1, 1);
  const gs = wg.grads(wgF)(inputs.map(T), T(dy));
  expect(gs.length).toBe(inputs.length);
  const computed = await Promise.all(gs.map(async (g) => ({ shape: g.shape, values: await g.data() })));
  checkGradients({ label, inputs, f: refF, dy, vjp, computed, tol });
}

const BCAST: [number[], number[]][] = [
  [[], []],
  [[7, 13], []],
  [[], [3, 4]],
  [[3, 4], [3, 4]],
  [[3, 1, 5], [4, 1]],
  [[1], [5]],
  [[2, 3, 4], [4]],
  [[5, 1], [1, 6]],
];

describeEachBackend('gradients of elementwise binary ops (with broadcasting)', () => {
  const ub = ref.unbroadcast;
  const rules = {
    add: (a: ND, b: ND, dy: ND) => [ub(dy, a.shape), ub(dy, b.shape)],
    sub: (a: ND, b: ND, dy: ND) => [ub(dy, a.shape), ub(ref.map(dy, (v) => -v), b.shape)],
    mul: (a: ND, b: ND, dy: ND) => [ub(ref.mul(dy, b), a.shape), ub(ref.mul(dy, a), b.shape)],
    div: (a: ND, b: ND, dy: ND) => [ub(ref.div(dy, b), a.shape), ub(ref.zip(ref.mul(dy, a), ref.mul(b, b), (p, q) => -p / q), b.shape)],
    maximum: (a: ND, b: ND, dy: ND) => [ub(ref.mul(dy, ref.greaterEqual(a, b)), a.shape), ub(ref.mul(dy, ref.less(a, b)), b.shape)],
    minimum: (a: ND, b: ND, dy: ND) => [ub(ref.mul(dy, ref.lessEqual(a, b)), a.shape), ub(ref.mul(dy, ref.greater(a, b)), b.shape)],
  };
  for (const name of Object.keys(rules) as (keyof typeof rules)[]) {
    test(`d ${name}`, async () => {
      const rng = new Rng(101);
      for (const [sa, sb] of BCAST) {
        const a = rng.nd(sa, -2, 2);
        // keep b away from 0 for div, and away from a (no ties) for maximum/minimum
        const b = name === 'div' ? rng.ndAwayFromZero(sb, -2, 2, 0.3) : rng.nd(sb, -2, 2);
        if (name === 'maximum' || name === 'minimum') {
          const s = ref.broadcastShape(sa, sb);
          const diff = ref.sub(ref.broadcastTo(a, s), ref.broadcastTo(b, s));
          if (diff.data.some((v) => Math.abs(v) < 1e-3)) continue;
        }
        await check(rng, `${name} [${sa}] [${sb}]`, [a, b], ([x, z]) => ref[name](x, z), ([x, z], dy) => rules[name](x, z, dy), (x, z) => wg[name](x, z));
      }
    });
  }

  test('d maximum/minimum with a scalar (relu-like), and with a broadcast number', async () => {
    const rng = new Rng(102);
    const x = rng.ndAwayFromZero([7, 13], -2, 2, 0.01);
    await check(rng, 'maximum(x, 0)', [x], ([v]) => ref.maximum(v, ref.scalarND(0)), ([v], dy) => [ref.mul(dy, ref.map(v, (q) => (q >= 0 ? 1 : 0)))], (v) => wg.maximum(v, 0));
    await check(rng, 'minimum(2, x)', [x], ([v]) => ref.minimum(ref.scalarND(0.5), v), ([v], dy) => [ref.mul(dy, ref.map(v, (q) => (q < 0.5 ? 1 : 0)))], (v) => wg.minimum(0.5, v));
  });
});

describeEachBackend('gradients of unary ops and activations', () => {
  const cases: { name: string; wgF: (x: wg.Tensor) => wg.Tensor; ref: string; alpha?: number; lo: number; hi: number; gap?: number; tol?: Tol }[] = [
    { name: 'neg', wgF: wg.neg, ref: 'neg', lo: -3, hi: 3 },
    { name: 'exp', wgF: wg.exp, ref: 'exp', lo: -4, hi: 4 },
    { name: 'log', wgF: wg.log, ref: 'log', lo: 0.1, hi: 10 },
    { name: 'sqrt', wgF: wg.sqrt, ref: 'sqrt', lo: 0.1, hi: 10 },
    { name: 'square', wgF: wg.square, ref: 'square', lo: -3, hi: 3 },
    { name: 'abs', wgF: wg.abs, ref: 'abs', lo: -3, hi: 3, gap: 0.01 },
    { name: 'reciprocal', wgF: wg.reciprocal, ref: 'reciprocal', lo: -3, hi: 3, gap: 0.3 },
    { name: 'linear', wgF: wg.linear, ref: 'linear', lo: -3, hi: 3 },
    { name: 'sigmoid', wgF: wg.sigmoid, ref: 'sigmoid', lo: -8, hi: 8 },
    { name: 'tanh', wgF: wg.tanh, ref: 'tanh', lo: -4, hi: 4 },
    { name: 'relu', wgF: wg.relu, ref: 'relu', lo: -3, hi: 3, gap: 0.01 },
    { name: 'leakyRelu (0.01)', wgF: (x) => wg.leakyRelu(x), ref: 'leakyRelu', alpha: 0.01, lo: -3, hi: 3, gap: 0.01 },
    { name: 'leakyRelu (0.3)', wgF: (x) => wg.leakyRelu(x, 0.3), ref: 'leakyRelu', alpha: 0.3, lo: -3, hi: 3, gap: 0.01 },
    { name: 'leakyRelu (-0.5, negative alpha)', wgF: (x) => wg.leakyRelu(x, -0.5), ref: 'leakyRelu', alpha: -0.5, lo: -3, hi: 3, gap: 0.01 },
    { name: 'swish', wgF: wg.swish, ref: 'swish', lo: -6, hi: 6 },
    { name: 'elu (1)', wgF: (x) => wg.elu(x), ref: 'elu', alpha: 1, lo: -4, hi: 3, gap: 0.01 },
    { name: 'elu (0.4)', wgF: (x) => wg.elu(x, 0.4), ref: 'elu', alpha: 0.4, lo: -4, hi: 3, gap: 0.01 },
    { name: 'gelu', wgF: wg.gelu, ref: 'gelu', lo: -5, hi: 5, tol: { rtol: 1e-4, atol: 2e-5 } },
  ];
  for (const c of cases) {
    test(`d ${c.name}`, async () => {
      const rng = new Rng(103);
      for (const shape of [[], [1], [7, 13], [3, 1, 5]]) {
        const x = c.gap ? rng.ndAwayFromZero(shape, c.lo, c.hi, c.gap) : rng.nd(shape, c.lo, c.hi);
        const d = ref.UNARY[c.ref];
        await check(
          rng,
          `${c.name} [${shape}]`,
          [x],
          ([v]) => ref.unary(c.ref, v, c.alpha ?? 0),
          ([v], dy) => [ref.mul(dy, ref.map(v, (q) => d.df(q, c.alpha ?? 0)))],
          c.wgF,
          c.tol,
        );
      }
    });
  }

  test('d clip / clipByValue (zero outside [min, max])', async () => {
    const rng = new Rng(104);
    let x = rng.nd([7, 13], -2, 2);
    x = ref.map(x, (v) => (Math.abs(Math.abs(v) - 0.5) < 0.01 ? v + 0.05 : v)); // off the boundaries
    const dclip = (lo: number, hi: number) => ([v]: ND[], dy: ND) => [ref.mul(dy, ref.map(v, (q) => (q >= lo && q <= hi ? 1 : 0)))];
    await check(rng, 'clip', [x], ([v]) => ref.clip(v, -0.5, 0.5), dclip(-0.5, 0.5), (v) => wg.clip(v, -0.5, 0.5));
    await check(rng, 'clipByValue', [x], ([v]) => ref.clip(v, -0.5, 0.5), dclip(-0.5, 0.5), (v) => wg.clipByValue(v, -0.5, 0.5));
  });

  test('composite: d tanh(x * sigmoid(y)) / exp(x) with broadcasting', async () => {
    const rng = new Rng(105);
    const x = rng.nd([4, 5], -1, 1);
    const y = rng.nd([5], -1, 1);
    await check(
      rng,
      'composite',
      [x, y],
      ([a, b]) => ref.div(ref.unary('tanh', ref.mul(a, ref.unary('sigmoid', b))), ref.unary('exp', a)),
      null,
      (a, b) => wg.div(wg.tanh(wg.mul(a, wg.sigmoid(b))), wg.exp(a)),
    );
  });
});

describeEachBackend('gradients of reductions, shape ops, softmax and matMul', () => {
  const RED: { shape: number[]; axis: number | number[] | undefined; keep: boolean }[] = [
    { shape: [7], axis: undefined, keep: false },
    { shape: [7, 13], axis: 0, keep: false },
    { shape: [7, 13], axis: -1, keep: true },
    { shape: [2, 3, 4, 5], axis: [1, 2], keep: false },
    { shape: [2, 3, 4, 5], axis: [0, 2], keep: true },
    { shape: [2, 3, 4, 5], axis: [-1, 0], keep: false },
    { shape: [3, 1, 5], axis: 1, keep: false },
    { shape: [], axis: undefined, keep: false },
  ];
  for (const op of ['sum', 'mean', 'max'] as const) {
    test(`d ${op} over axes`, async () => {
      const rng = new Rng(106);
      for (const c of RED) {
        const x = rng.nd(c.shape, -2, 2); // continuous values: no ties for max
        await check(rng, `${op} [${c.shape}] axis ${JSON.stringify(c.axis)} keep ${c.keep}`, [x], ([v]) => ref[op](v, c.axis, c.keep), ([v], dy) => [ref.reduceVjp(op, v, c.axis, c.keep, dy)], (v) => wg[op](v, c.axis, c.keep));
      }
    });
  }

  test('d reshape, expandDims, transpose, broadcastTo', async () => {
    const rng = new Rng(107);
    const x = rng.nd([2, 3, 4]);
    await check(rng, 'reshape', [x], ([v]) => ref.reshape(v, [4, -1]), ([v], dy) => [ref.reshape(dy, v.shape)], (v) => wg.reshape(v, [4, -1]));
    await check(rng, 'expandDims', [x], ([v]) => ref.reshape(v, [2, 1, 3, 4]), ([v], dy) => [ref.reshape(dy, v.shape)], (v) => wg.expandDims(v, 1));
    for (const perm of [undefined, [1, 0, 2], [2, 0, 1], [0, 2, 1]]) {
      await check(rng, `transpose ${perm}`, [x], ([v]) => ref.transpose(v, perm), (_xs, dy) => [ref.transpose(dy, ref.inversePerm(perm ?? [2, 1, 0]))], (v) => wg.transpose(v, perm));
    }
    for (const [from, to] of [[[], [3, 2]], [[3, 1], [3, 4]], [[4], [2, 3, 4]], [[3, 1, 5], [2, 3, 4, 5]]] as [number[], number[]][]) {
      const y = rng.nd(from);
      await check(rng, `broadcastTo [${from}] -> [${to}]`, [y], ([v]) => ref.broadcastTo(v, to), ([v], dy) => [ref.unbroadcast(dy, v.shape)], (v) => wg.broadcastTo(v, to));
    }
  });

  test('d softmax and logSoftmax', async () => {
    const rng = new Rng(108);
    for (const shape of [[1], [5], [7, 13], [3, 1, 5], [2, 3, 4]]) {
      const x = rng.nd(shape, -3, 3);
      await check(rng, `softmax [${shape}]`, [x], ([v]) => ref.softmax(v), ([v], dy) => [ref.softmaxVjp(v, dy)], (v) => wg.softmax(v));
      await check(rng, `logSoftmax [${shape}]`, [x], ([v]) => ref.logSoftmax(v), ([v], dy) => [ref.logSoftmaxVjp(v, dy)], (v) => wg.logSoftmax(v));
    }
  });

  test('d matMul, all four transpose combinations and odd sizes', async () => {
    const rng = new Rng(109);
    for (const [m, k, n] of [[1, 1, 1], [7, 13, 5], [1, 9, 4], [6, 1, 3], [33, 17, 9]]) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const a = rng.nd(ta ? [k, m] : [m, k]);
        const b = rng.nd(tb ? [n, k] : [k, n]);
        await check(
          rng,
          `matMul ${m}x${k}x${n} ta=${ta} tb=${tb}`,
          [a, b],
          ([p, q]) => ref.matMul(p, q, ta, tb),
          ([p, q], dy) => ref.matMulVjp(p, q, ta, tb, dy),
          (p, q) => wg.matMul(p, q, ta, tb),
          { rtol: 1e-4, atol: 1e-5 * Math.sqrt(Math.max(m, n, k)) },
        );
      }
    }
  });

  test('d matMul with the same tensor as both operands (x^T x)', async () => {
    const rng = new Rng(110);
    const x = rng.nd([5, 3]);
    await check(rng, 'x^T x', [x], ([v]) => ref.matMul(v, v, true, false), ([v], dy) => {
      const [ga, gb] = ref.matMulVjp(v, v, true, false, dy);
      return [ref.add(ga, gb)];
    }, (v) => wg.matMul(v, v, true, false));
  });

  test('d cast: no gradient flows through int32', async () => {
    const x = wg.tensor([1.5, -2.5, 3.2]);
    const g = wg.grad((v) => wg.mul(wg.cast(wg.cast(v, 'int32'), 'float32'), v))(x);
    // d/dx [trunc(x) * x] = trunc(x) (the truncation itself has no gradient)
    expect(Array.from(await g.data())).toEqual([1, -2, 3]);
  });
});
