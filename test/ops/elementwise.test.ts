// Elementwise ops and activations against the float64 reference, on awkward
// shapes and with NumPy broadcasting.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectTensorClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

const BINARY_SHAPES: [number[], number[]][] = [
  [[], []],
  [[], [7, 13]],
  [[7, 13], []],
  [[7, 13], [7, 13]],
  [[3, 1, 5], [4, 1]],
  [[1], [5]],
  [[2, 3, 4], [4]],
  [[5, 1], [1, 6]],
  [[1, 1, 1], [2, 1, 3]],
  [[1031], [1031]],
];

type BinName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
const BINARY: BinName[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
const COMPARE = ['equal', 'greater', 'greaterEqual', 'less', 'lessEqual'] as const;

describeEachBackend('elementwise ops', () => {
  for (const name of BINARY) {
    test(`${name} with broadcasting`, async () => {
      const rng = new Rng(17);
      for (const [sa, sb] of BINARY_SHAPES) {
        const a = rng.nd(sa, -3, 3);
        const b = name === 'div' ? rng.ndAwayFromZero(sb, -3, 3, 0.25) : rng.nd(sb, -3, 3);
        const out = wg[name](T(a), T(b));
        await expectTensorClose(out, ref[name](a, b), { rtol: 1e-6, atol: 1e-6 }, `${name} [${sa}] vs [${sb}]`);
      }
    });
  }

  test('binary ops accept plain numbers on either side', async () => {
    const rng = new Rng(3);
    const x = rng.nd([3, 4], 0.5, 2);
    await expectTensorClose(wg.add(T(x), 2), ref.add(x, ref.scalarND(2)));
    await expectTensorClose(wg.sub(1, T(x)), ref.sub(ref.scalarND(1), x));
    await expectTensorClose(wg.mul(T(x), -1.5), ref.mul(x, ref.scalarND(-1.5)));
    await expectTensorClose(wg.div(1, T(x)), ref.div(ref.scalarND(1), x));
    await expectTensorClose(wg.maximum(T(x), 1), ref.maximum(x, ref.scalarND(1)));
    await expectTensorClose(wg.minimum(1, T(x)), ref.minimum(ref.scalarND(1), x));
  });

  for (const name of COMPARE) {
    test(`${name} (with ties) returns float 0/1 with broadcasting`, async () => {
      const rng = new Rng(5);
      for (const [sa, sb] of BINARY_SHAPES) {
        // small integers so that ties are common
        const a = ref.map(ref.nd(sa), () => rng.int(-2, 3));
        const b = ref.map(ref.nd(sb), () => rng.int(-2, 3));
        const out = wg[name](T(a), T(b));
        expect(out.dtype).toBe('float32');
        await expectTensorClose(out, ref[name](a, b), { rtol: 0, atol: 0 }, `${name} [${sa}] vs [${sb}]`);
      }
    });
  }

  const UNARY_SHAPES = [[], [1], [7, 13], [2, 3, 5], [1, 1031]];
  const cases: { name: string; fn: (x: wg.Tensor) => wg.Tensor; ref: string; alpha?: number; lo: number; hi: number; gap?: number; tol?: { rtol: number; atol: number } }[] = [
    { name: 'neg', fn: wg.neg, ref: 'neg', lo: -5, hi: 5 },
    { name: 'exp', fn: wg.exp, ref: 'exp', lo: -10, hi: 10 },
    { name: 'log', fn: wg.log, ref: 'log', lo: 1e-3, hi: 100 },
    { name: 'sqrt', fn: wg.sqrt, ref: 'sqrt', lo: 0, hi: 100 },
    { name: 'square', fn: wg.square, ref: 'square', lo: -10, hi: 10 },
    { name: 'abs', fn: wg.abs, ref: 'abs', lo: -5, hi: 5 },
    { name: 'sign', fn: wg.sign, ref: 'sign', lo: -5, hi: 5 },
    { name: 'reciprocal', fn: wg.reciprocal, ref: 'reciprocal', lo: -5, hi: 5, gap: 0.05 },
    { name: 'linear', fn: wg.linear, ref: 'linear', lo: -5, hi: 5 },
    { name: 'sigmoid', fn: wg.sigmoid, ref: 'sigmoid', lo: -30, hi: 30 },
    { name: 'tanh', fn: wg.tanh, ref: 'tanh', lo: -10, hi: 10 },
    { name: 'relu', fn: wg.relu, ref: 'relu', lo: -5, hi: 5 },
    { name: 'leakyRelu (default alpha 0.01)', fn: (x) => wg.leakyRelu(x), ref: 'leakyRelu', alpha: 0.01, lo: -5, hi: 5 },
    { name: 'leakyRelu alpha 0.2', fn: (x) => wg.leakyRelu(x, 0.2), ref: 'leakyRelu', alpha: 0.2, lo: -5, hi: 5 },
    { name: 'swish', fn: wg.swish, ref: 'swish', lo: -20, hi: 20 },
    { name: 'elu (default alpha 1)', fn: (x) => wg.elu(x), ref: 'elu', alpha: 1, lo: -6, hi: 6 },
    { name: 'elu alpha 0.5', fn: (x) => wg.elu(x, 0.5), ref: 'elu', alpha: 0.5, lo: -6, hi: 6 },
    // the library's erf approximation is within 1.5e-7: atol covers x * 0.5 * 1.5e-7 for |x| <= 8
    { name: 'gelu (exact, erf)', fn: wg.gelu, ref: 'gelu', lo: -8, hi: 8, tol: { rtol: 1e-5, atol: 2e-6 } },
  ];
  for (const c of cases) {
    test(`${c.name} on scalars, size-1 dims and odd sizes`, async () => {
      const rng = new Rng(11);
      for (const shape of UNARY_SHAPES) {
        const x = c.gap ? rng.ndAwayFromZero(shape, c.lo, c.hi, c.gap) : rng.nd(shape, c.lo, c.hi);
        const out = c.fn(T(x));
        expect(out.dtype).toBe('float32');
        await expectTensorClose(out, ref.unary(c.ref, x, c.alpha ?? 0), c.tol ?? { rtol: 2e-6, atol: 1e-6 }, `${c.name} [${shape}]`);
      }
    });
  }

  test('activations at special points (0, ±tiny, ±large)', async () => {
    const pts = ref.nd([12], [0, -0, 1e-8, -1e-8, 1, -1, 20, -20, 80, -80, 0.5, -0.5]);
    for (const [fn, name, alpha] of [
      [wg.relu, 'relu', 0], [wg.sigmoid, 'sigmoid', 0], [wg.tanh, 'tanh', 0], [wg.swish, 'swish', 0],
      [(x: wg.Tensor) => wg.elu(x, 0.7), 'elu', 0.7], [(x: wg.Tensor) => wg.leakyRelu(x, 0.3), 'leakyRelu', 0.3],
      [wg.gelu, 'gelu', 0], [wg.abs, 'abs', 0], [wg.sign, 'sign', 0],
    ] as [(x: wg.Tensor) => wg.Tensor, string, number][]) {
      await expectTensorClose(fn(T(pts)), ref.unary(name, pts, alpha), { rtol: 1e-5, atol: 1e-6 }, name);
    }
  });

  test('NaN propagates through maximum, minimum and relu (as IEEE/NumPy and the CPU backend do)', async () => {
    // A NaN must not be silently replaced by the other operand: a NaN
    // pre-activation swallowed by relu hides a diverged model from NaN checks.
    const isNaNs = (d: ArrayLike<number>): boolean[] => Array.from(d, (v) => Number.isNaN(v));
    const a = wg.tensor([NaN, 1, NaN, -2]);
    const b = wg.tensor([0, NaN, NaN, -3]);
    expect(isNaNs(await wg.maximum(a, b).data()), 'maximum').toEqual([true, true, true, false]);
    expect(isNaNs(await wg.minimum(a, b).data()), 'minimum').toEqual([true, true, true, false]);
    expect(isNaNs(await wg.relu(wg.tensor([NaN, -1, 2])).data()), 'relu').toEqual([true, false, false]);
    expect(isNaNs(await wg.leakyRelu(wg.tensor([NaN, -1, 2])).data()), 'leakyRelu').toEqual([true, false, false]);
    expect(isNaNs(await wg.add(wg.tensor([NaN, 1]), 1).data()), 'add').toEqual([true, false]);
  });

  test('clip and clipByValue', async () => {
    const rng = new Rng(23);
    for (const shape of [[], [7, 13], [3, 1, 5]]) {
      const x = rng.nd(shape, -3, 3);
      await expectTensorClose(wg.clip(T(x), -1, 0.5), ref.clip(x, -1, 0.5), { rtol: 0, atol: 0 });
      await expectTensorClose(wg.clipByValue(T(x), 0, 0), ref.clip(x, 0, 0), { rtol: 0, atol: 0 });
    }
  });

  test('chains of elementwise ops (fused kernels) match the reference', async () => {
    const rng = new Rng(29);
    const a = rng.nd([7, 13], -2, 2);
    const b = rng.nd([13], 0.5, 2);
    const c = rng.nd([7, 1], -1, 1);
    const out = wg.tanh(wg.add(wg.div(wg.mul(T(a), T(b)), wg.exp(T(c))), wg.sigmoid(T(a))));
    const expected = ref.unary('tanh', ref.add(ref.div(ref.mul(a, b), ref.unary('exp', c)), ref.unary('sigmoid', a)));
    await expectTensorClose(out, expected, { rtol: 1e-5, atol: 1e-6 });
  });
});
