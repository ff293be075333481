// Creating tensors and moving data: tensor/fill/zeros/ones/scalar, random
// creation, reshape/transpose/broadcastTo/cast/expandDims/oneHot.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, expectTensorClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);
const EXACT = { rtol: 0, atol: 0 };

describeEachBackend('creation', () => {
  test('tensor() from nested arrays, typed arrays, numbers; array() round-trips', async () => {
    const rng = new Rng(1);
    for (const shape of [[], [1], [5], [2, 3], [3, 1, 5], [2, 1, 2, 3]]) {
      const x = rng.nd(shape, -5, 5);
      const nested = ref.toNested(x) as wg.TensorLike;
      const t = wg.tensor(nested);
      expect(t.shape).toEqual(shape);
      expect(t.dtype).toBe('float32');
      await expectTensorClose(t, x, EXACT, `nested [${shape}]`);
      expect(await t.array()).toEqual(nested);
    }
    const s = wg.tensor(2.5);
    expect(s.shape).toEqual([]);
    expect(Array.from(await s.data())).toEqual([2.5]);
    const f = wg.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(await f.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  test('int32 tensors keep integer values (and truncate float input toward zero)', async () => {
    const t = wg.tensor([[1, -2, 3], [2147483647, -2147483648, 0]], undefined, 'int32');
    expect(t.dtype).toBe('int32');
    const d = await t.data();
    expect(d).toBeInstanceOf(Int32Array);
    expect(Array.from(d)).toEqual([1, -2, 3, 2147483647, -2147483648, 0]);
    expect(Array.from(await wg.tensor([1.9, -1.9], [2], 'int32').data())).toEqual([1, -1]);
  });

  test('fill, zeros, ones, scalar (float32 and int32)', async () => {
    for (const shape of [[], [1], [7, 13], [2, 0, 3]]) {
      await expectTensorClose(wg.zeros(shape), ref.fullND(shape, 0), EXACT);
      await expectTensorClose(wg.ones(shape), ref.fullND(shape, 1), EXACT);
      await expectTensorClose(wg.fill(shape, -3.25), ref.fullND(shape, -3.25), EXACT);
    }
    const zi = wg.zeros([3], 'int32');
    expect(zi.dtype).toBe('int32');
    expect(Array.from(await wg.ones([2, 2], 'int32').data())).toEqual([1, 1, 1, 1]);
    const sc = wg.scalar(4);
    expect(sc.shape).toEqual([]);
    expect(Array.from(await sc.data())).toEqual([4]);
  });

  test('randomUniform: range, seed determinism, moments', async () => {
    const a = await wg.randomUniform([4000], -2, 3, 123).data();
    const b = await wg.randomUniform([4000], -2, 3, 123).data();
    const c = await wg.randomUniform([4000], -2, 3, 124).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    let m = 0;
    for (const v of a) {
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThanOrEqual(3);
      m += v / a.length;
    }
    expect(Math.abs(m - 0.5)).toBeLessThan(0.1); // sd of the mean ~ 5/sqrt(12*4000) = 0.023
  });

  test('randomNormal and truncatedNormal: moments and truncation at 2 sd', async () => {
    const n = Array.from(await wg.randomNormal([8000], 1, 2, 7).data());
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.1);
    expect(Math.abs(sd - 2)).toBeLessThan(0.1);
    expect(Array.from(await wg.randomNormal([10], 0, 1, 7).data())).toEqual(Array.from(await wg.randomNormal([10], 0, 1, 7).data()));
    const t = Array.from(await wg.truncatedNormal([8000], -1, 0.5, 9).data());
    for (const v of t) expect(Math.abs(v + 1)).toBeLessThanOrEqual(1 + 1e-6);
    const tm = t.reduce((s, v) => s + v, 0) / t.length;
    expect(Math.abs(tm + 1)).toBeLessThan(0.05);
  });
});

describeEachBackend('shape ops', () => {
  test('reshape (with -1, to and from scalars)', async () => {
    const rng = new Rng(2);
    const x = rng.nd([2, 3, 4]);
    for (const s of [[24], [4, 6], [2, -1], [-1, 3, 2], [1, 24, 1], [2, 3, 4]]) {
      await expectTensorClose(wg.reshape(T(x), s), ref.reshape(x, s), EXACT, `reshape to [${s}]`);
    }
    const one = rng.nd([1, 1]);
    await expectTensorClose(wg.reshape(T(one), []), ref.reshape(one, []), EXACT);
    await expectTensorClose(wg.reshape(wg.reshape(T(one), []), [1, 1, 1]), ref.reshape(one, [1, 1, 1]), EXACT);
  });

  test('transpose: default reversal and explicit permutations', async () => {
    const rng = new Rng(3);
    const cases: [number[], number[] | undefined][] = [
      [[7, 13], undefined],
      [[7, 13], [1, 0]],
      [[7, 13], [0, 1]],
      [[1, 5], undefined],
      [[2, 3, 4], undefined],
      [[2, 3, 4], [1, 0, 2]],
      [[2, 3, 4], [2, 0, 1]],
      [[2, 3, 4, 5], [3, 1, 0, 2]],
      [[33, 65], [1, 0]],
    ];
    for (const [shape, perm] of cases) {
      const x = rng.nd(shape);
      await expectTensorClose(wg.transpose(T(x), perm), ref.transpose(x, perm), EXACT, `transpose [${shape}] perm ${perm}`);
    }
  });

  test('transpose of an int32 tensor keeps dtype and values', async () => {
    const x = wg.tensor([[1, 2, 3], [4, 5, 6]], undefined, 'int32');
    const t = wg.transpose(x);
    expect(t.dtype).toBe('int32');
    expect(await t.array()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  test('broadcastTo', async () => {
    const rng = new Rng(4);
    for (const [from, to] of [
      [[], [3, 2]],
      [[1], [5]],
      [[3, 1], [3, 4]],
      [[4], [2, 3, 4]],
      [[3, 1, 5], [2, 3, 4, 5]],
      [[7, 13], [7, 13]],
    ] as [number[], number[]][]) {
      const x = rng.nd(from);
      await expectTensorClose(wg.broadcastTo(T(x), to), ref.broadcastTo(x, to), EXACT, `[${from}] -> [${to}]`);
    }
  });

  test('cast float32 <-> int32 (truncation toward zero)', async () => {
    const x = ref.nd([8], [-2.7, -1.5, -0.5, 0, 0.5, 1.5, 2.7, 1000.9]);
    const i = wg.cast(T(x), 'int32');
    expect(i.dtype).toBe('int32');
    expectAllClose(await i.data(), ref.map(x, Math.trunc).data, EXACT);
    const f = wg.cast(i, 'float32');
    expect(f.dtype).toBe('float32');
    expect((await f.data()) instanceof Float32Array).toBe(true);
    expectAllClose(await f.data(), ref.map(x, Math.trunc).data, EXACT);
    // cast + arithmetic
    await expectTensorClose(wg.mul(wg.cast(wg.tensor([1, 2, 3], [3], 'int32'), 'float32'), 0.5), ref.nd([3], [0.5, 1, 1.5]), EXACT);
  });

  test('expandDims at every position, negative included', async () => {
    const rng = new Rng(5);
    const x = rng.nd([3, 4]);
    for (const [axis, shape] of [[0, [1, 3, 4]], [1, [3, 1, 4]], [2, [3, 4, 1]], [-1, [3, 4, 1]], [-3, [1, 3, 4]]] as [number, number[]][]) {
      await expectTensorClose(wg.expandDims(T(x), axis), ref.reshape(x, shape), EXACT, `axis ${axis}`);
    }
    const s = wg.expandDims(wg.scalar(3));
    expect(s.shape).toEqual([1]);
  });

  test('oneHot: course-notes example, odd depths, out-of-range labels give zero rows', async () => {
    // integer label 2 with depth 3 -> [0, 0, 1]
    const ex = wg.oneHot(wg.tensor([2], [1], 'int32'), 3);
    expect(ex.shape).toEqual([1, 3]);
    expect(ex.dtype).toBe('float32');
    expect(await ex.array()).toEqual([[0, 0, 1]]);
    const rng = new Rng(6);
    for (const depth of [1, 2, 3, 10, 257]) {
      const labels = rng.ints(13, 0, depth);
      await expectTensorClose(wg.oneHot(wg.tensor(labels, [13], 'int32'), depth), ref.oneHot(labels, depth), EXACT, `depth ${depth}`);
    }
    const odd = [-1, 0, 3, 4, 2];
    await expectTensorClose(wg.oneHot(wg.tensor(odd, [5], 'int32'), 4), ref.oneHot(odd, 4), EXACT, 'out of range');
  });

  test('oneHot of a 2-D label tensor appends the depth axis', async () => {
    const labels = [0, 2, 1, 1, 0, 2];
    const out = wg.oneHot(wg.tensor(labels, [2, 3], 'int32'), 3);
    expect(out.shape).toEqual([2, 3, 3]);
    expectAllClose(await out.data(), ref.oneHot(labels, 3).data, EXACT);
  });
});
