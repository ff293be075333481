// wg.dropout and wg.batchNorm on both backends: values against float64
// references written here (the dropout mask from an independent BigInt
// Philox-4x32-10, test/helpers/philox_ref.ts), gradients against central
// differences, the same mask on the CPU and WebGPU for the same seed, and
// named errors for bad arguments.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { philox4x32 } from '../../src/kernels/philox.js';
import { checkGradients, expectAllClose, Rng } from '../helpers/allclose.js';
import { describeEachBackend, useBackend } from '../helpers/backends.js';
import { keepRef, philoxRef } from '../helpers/philox_ref.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);

/** float64 dropout: x * keep / (1 - rate), the mask indexed in noiseShape and broadcast. */
function dropoutRef(x: ND, rate: number, seed: number, noiseShape: readonly number[] = x.shape, step = 0): ND {
  return ref.map(x, (v, i) => {
    const idx = ref.unravel(i, x.shape).map((d, k) => (noiseShape[k] === 1 ? 0 : d));
    return v * keepRef(ref.ravel(idx, noiseShape), step, rate, seed) / (1 - rate);
  });
}

/** float64 batch normalization with operands broadcast to x. */
function batchNormRef([x, mean, variance, offset, scale]: ND[], eps: number): ND {
  const b = (t: ND): ND => ref.broadcastTo(t, x.shape);
  let y = ref.zip(ref.sub(x, b(mean)), b(variance), (d, v) => d / Math.sqrt(v + eps));
  if (scale) y = ref.mul(y, b(scale));
  if (offset) y = ref.add(y, b(offset));
  return y;
}

test('Philox-4x32-10 gives the Random123 known answers, in both implementations', () => {
  const cases: [number[], number[], number[]][] = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  for (const [c, k, want] of cases) {
    expect(philoxRef(c, k)).toEqual(want);
    expect(philox4x32(c as [number, number, number, number], k as [number, number])).toEqual(want);
  }
});

test('the same seed gives bit-identical dropout on the CPU and on WebGPU; another seed another mask', async () => {
  const rng = new Rng(5);
  const x = rng.nd([37, 53], -2, 2);
  const run = async (): Promise<Float32Array[]> => [
    await wg.dropout(T(x), 0.35, undefined, 1234).data() as Float32Array,
    await wg.dropout(T(x), 0.35, [37, 1], 99).data() as Float32Array,
  ];
  await useBackend('cpu');
  const cpu = await run();
  await useBackend('webgpu');
  const gpu = await run();
  await useBackend('cpu');
  expect(Array.from(gpu[0])).toEqual(Array.from(cpu[0]));
  expect(Array.from(gpu[1])).toEqual(Array.from(cpu[1]));
  expect(Array.from(cpu[0])).not.toEqual(Array.from(await wg.dropout(T(x), 0.35, undefined, 1235).data()));
});

describeEachBackend('dropout', () => {
  test('values: x * mask / (1 - rate), with the mask of the seed; noiseShape broadcasts it', async () => {
    const rng = new Rng(11);
    const x = rng.nd([6, 10], -1, 1);
    expectAllClose(await wg.dropout(T(x), 0.3, undefined, 42).data(), dropoutRef(x, 0.3, 42), { rtol: 1e-6, atol: 0 }, 'full mask');
    const y = await T(x).dropout(0.5, [6, 1], 7).data();
    expectAllClose(y, dropoutRef(x, 0.5, 7, [6, 1]), { rtol: 1e-6, atol: 0 }, 'noiseShape [6, 1]');
    for (let r = 0; r < 6; r++) {
      const row = Array.from(y.slice(r * 10, r * 10 + 10));
      // A whole row is dropped or kept.
      expect(row.every((v) => v === 0) || row.every((v, j) => v !== 0 || x.data[r * 10 + j] === 0), `row ${r}`).toBe(true);
    }
    const x4 = rng.nd([2, 3, 3, 4], -1, 1);
    expectAllClose(await wg.dropout(T(x4), 0.25, [2, 1, 1, 4], 3).data(), dropoutRef(x4, 0.25, 3, [2, 1, 1, 4]), { rtol: 1e-6, atol: 0 }, 'channels');
    // rate 0 is the identity.
    expect(Array.from(await wg.dropout(T(x), 0).data())).toEqual(Array.from(Float32Array.from(x.data)));
  });

  test('dropout fuses with the ops around it: add -> dropout -> relu is one kernel', async () => {
    const x = wg.tensor(new Float32Array(1000).fill(1), [10, 100]);
    await x.data();
    const before = wg.stats().dispatches;
    const y = wg.relu(wg.dropout(wg.add(x, 1), 0.5, undefined, 3));
    const got = await y.data();
    expect(wg.stats().dispatches - before).toBe(1);
    expect(Array.from(got)).toEqual(Array.from({ length: 1000 }, (_, i) => Math.fround(2 * keepRef(i, 0, 0.5, 3) / 0.5)));
    wg.dispose([x, y]);
  });

  test('the kept fraction is 1 - rate', async () => {
    const n = 40000;
    const y = await wg.dropout(wg.ones([n]), 0.3, undefined, 2026).data();
    const kept = Array.from(y).filter((v) => v !== 0);
    expect(Math.abs(kept.length / n - 0.7)).toBeLessThan(0.01);
    expectAllClose(kept.slice(0, 5), [1 / 0.7, 1 / 0.7, 1 / 0.7, 1 / 0.7, 1 / 0.7], { rtol: 1e-6, atol: 0 });
  });

  test('gradient: dy * mask / (1 - rate), as central differences of the float64 reference', async () => {
    const rng = new Rng(12);
    const x = rng.nd([5, 7], -1, 1);
    const dy = rng.nd([5, 7], -1, 1);
    const [g] = wg.grads((t: wg.Tensor) => wg.dropout(t, 0.4, [5, 7], 77))([T(x)], T(dy));
    checkGradients({
      label: 'dropout', inputs: [x], f: ([a]) => dropoutRef(a, 0.4, 77), dy,
      vjp: (_xs, d) => [dropoutRef(d, 0.4, 77)],
      computed: [{ shape: g.shape, values: await g.data() }],
    });
  });

  test('a bad rate, noiseShape or seed is a named error', () => {
    const x = wg.ones([2, 3]);
    expect(() => wg.dropout(x, 1)).toThrow("dropout: argument 'rate' must be a number in [0, 1), but got 1");
    expect(() => wg.dropout(x, -0.1)).toThrow("dropout: argument 'rate' must be a number in [0, 1), but got -0.1");
    expect(() => wg.dropout(x, NaN)).toThrow(/dropout: argument 'rate' must be a number in \[0, 1\)/);
    expect(() => wg.dropout(x, 0.5, [2, 2])).toThrow(/dropout: argument 'noiseShape' must be an array of 2 sizes, each \[2,3\]'s or 1/);
    expect(() => wg.dropout(x, 0.5, [2])).toThrow(/dropout: argument 'noiseShape'/);
    expect(() => wg.dropout(x, 0.5, undefined, Infinity)).toThrow(/dropout: argument 'seed' must be a finite number or a string/);
    x.dispose();
  });
});

/** The analytic gradients of batchNormRef with offset and scale: x, mean, variance, offset, scale. */
const batchNormVjp = (eps: number) => ([x, mean, variance, , scale]: ND[], dy: ND): ND[] => {
  const b = (t: ND): ND => ref.broadcastTo(t, x.shape);
  const back = (g: ND, like: ND): ND => ref.unbroadcast(g, like.shape);
  const inv = ref.map(b(variance), (v) => 1 / Math.sqrt(v + eps));
  const centered = ref.sub(x, b(mean));
  const dxhat = ref.mul(dy, b(scale));
  const dx = ref.mul(dxhat, inv);
  const dvar = ref.zip(ref.mul(dxhat, centered), b(variance), (p, v) => -0.5 * p * (v + eps) ** -1.5);
  return [dx, back(ref.map(dx, (v) => -v), mean), back(dvar, variance), back(dy, mean), back(ref.mul(dy, ref.mul(centered, inv)), scale)];
};

describeEachBackend('batchNorm', () => {
  const rng = new Rng(21);
  const operands = (shape: number[], c: number): ND[] => [
    rng.nd(shape, -2, 2), rng.nd([c], -1, 1), rng.nd([c], 0.5, 2), rng.nd([c], -1, 1), rng.nd([c], 0.5, 1.5),
  ];

  test('values equal the float64 reference (2-D and 4-D, with and without offset and scale)', async () => {
    const [x, m, v, o, s] = operands([4, 5], 5);
    expectAllClose(await wg.batchNorm(T(x), T(m), T(v), T(o), T(s), 0.01).data(), batchNormRef([x, m, v, o, s], 0.01), { rtol: 1e-5, atol: 1e-6 }, '2-D');
    expectAllClose(await T(x).batchNorm(T(m), T(v)).data(), batchNormRef([x, m, v], 0.001), { rtol: 1e-5, atol: 1e-6 }, 'no offset, no scale');
    const [x4, m4, v4, o4, s4] = operands([2, 3, 4, 3], 3);
    expectAllClose(await wg.batchNorm(T(x4), T(m4), T(v4), T(o4), T(s4)).data(), batchNormRef([x4, m4, v4, o4, s4], 0.001), { rtol: 1e-5, atol: 1e-6 }, '4-D');
  });

  test('gradients w.r.t. x, mean, variance, offset and scale match central differences', async () => {
    const inputs = operands([3, 4], 4);
    const dy = rng.nd([3, 4], -1, 1);
    const gs = wg.grads((x: wg.Tensor, m: wg.Tensor, v: wg.Tensor, o: wg.Tensor, s: wg.Tensor) => wg.batchNorm(x, m, v, o, s, 0.01))(inputs.map(T), T(dy));
    checkGradients({
      label: 'batchNorm', inputs, f: (xs) => batchNormRef(xs, 0.01), dy, vjp: batchNormVjp(0.01),
      computed: await Promise.all(gs.map(async (g) => ({ shape: g.shape, values: await g.data() }))),
      tol: { rtol: 2e-3, atol: 2e-4 },
    });
  });

  test('mismatched mean and variance, operands that do not broadcast, a bad epsilon: named errors', () => {
    const x = wg.ones([4, 5]);
    expect(() => wg.batchNorm(x, wg.zeros([5]), wg.ones([1, 5]))).toThrow("batchNorm: arguments 'mean' and 'variance' must have the same shape, but got [5] and [1, 5].");
    expect(() => wg.batchNorm(x, wg.zeros([3]), wg.ones([3]))).toThrow(/batchNorm: argument 'mean' must be a tensor that broadcasts to x's shape \[4, 5\]/);
    expect(() => wg.batchNorm(x, wg.zeros([5]), wg.ones([5]), wg.zeros([4]))).toThrow(/batchNorm: argument 'offset' must be a tensor that broadcasts/);
    expect(() => wg.batchNorm(x, wg.zeros([5]), wg.ones([5]), undefined, wg.zeros([2, 4, 5]))).toThrow(/batchNorm: argument 'scale' must be a tensor that broadcasts/);
    expect(() => wg.batchNorm(x, wg.zeros([5]), wg.ones([5]), undefined, undefined, -1)).toThrow("batchNorm: argument 'varianceEpsilon' must be a finite number >= 0, but got -1.");
    x.dispose();
  });
});

describeEachBackend('fusion across a reshape', () => {
  test('an elementwise result of a reduction, reshaped and read by another elementwise op, keeps its broadcast inputs right', async () => {
    // BatchNormalization's moving-statistics update: mean(x, 0, keepDims) / n
    // ([1, c]) reshaped to [c], then combined with a [c] vector. The fused
    // kernel must read the [1, c] producer's inputs in the consumer's shape.
    const rng = new Rng(31);
    const x = rng.nd([4, 5], -2, 2);
    const old = rng.nd([5], -1, 1);
    const got = wg.sub(T(old), wg.reshape(wg.div(wg.sum(T(x), [0], true), 4), [5]));
    const colMeans = ref.map(old, (_, c) => [0, 1, 2, 3].reduce((a, r) => a + x.data[r * 5 + c], 0) / 4);
    expectAllClose(await got.data(), ref.sub(old, colMeans), { rtol: 1e-6, atol: 1e-6 });
    const scaled = wg.add(wg.reshape(wg.mul(T(x), wg.tensor([2])), [5, 4]), wg.ones([5, 4]));
    expectAllClose(await scaled.data(), ref.map(x, (v) => 2 * v + 1), { rtol: 1e-6, atol: 1e-6 });
  });
});
