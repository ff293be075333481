// The shape ops slice, split, pad, tile, concat, stack, gather and where on
// both backends, against the float64 reference (test/helpers/layout_reference.ts):
// odd sizes, negative axes, padding on every side, int32 data, empty results.
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend, useBackend } from '../helpers/backends.js';
import { expectAllClose, expectTensorClose, Rng } from '../helpers/allclose.js';
import * as lref from '../helpers/layout_reference.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);
const I = (x: ND): wg.Tensor => wg.tensor(Int32Array.from(x.data), x.shape, 'int32');
const EXACT = { rtol: 0, atol: 0 };

/** Integer-valued data (for int32 tensors). */
function ints(rng: Rng, shape: number[]): ND {
  return ref.map(rng.nd(shape, -1000, 1000), Math.round);
}

describeEachBackend('slice and split', () => {
  test('slice: begin / size as lists, numbers, short lists, -1 = to the end', async () => {
    const rng = new Rng(1);
    // [shape, begin, size, resolved begin, resolved size] (TF.js rules: a number is axis 0; short lists are completed).
    const cases: [number[], number | number[], number | number[] | undefined, number[], number[]][] = [
      [[7], [2], [3], [2], [3]],
      [[7], 6, undefined, [6], [1]],
      [[5, 13], [1, 3], [3, 9], [1, 3], [3, 9]],
      [[5, 13], [0, 12], [-1, 1], [0, 12], [5, 1]],
      [[5, 13], 2, 2, [2, 0], [2, 13]],
      [[5, 13], [4], undefined, [4, 0], [1, 13]],
      [[3, 4, 5], [1, 0, 2], [2, -1, 3], [1, 0, 2], [2, 4, 3]],
      [[3, 4, 5], [0, 1], [3, 2], [0, 1, 0], [3, 2, 5]],
      [[2, 3, 4, 5], [1, 1, 1, 1], [1, 2, 3, 4], [1, 1, 1, 1], [1, 2, 3, 4]],
      [[33, 65], [16, 31], [17, 33], [16, 31], [17, 33]],
    ];
    for (const [shape, begin, size, rb, rs] of cases) {
      const x = rng.nd(shape);
      const y = wg.slice(T(x), begin, size);
      await expectTensorClose(y, lref.slice(x, rb, rs), EXACT, `slice [${shape}] begin ${JSON.stringify(begin)} size ${JSON.stringify(size)}`);
    }
  });

  test('slice of int32 keeps dtype; a whole-tensor slice; an empty slice', async () => {
    const rng = new Rng(2);
    const x = ints(rng, [4, 6]);
    const y = wg.slice(I(x), [1, 2], [2, 3]);
    expect(y.dtype).toBe('int32');
    expectAllClose(await y.data(), lref.slice(x, [1, 2], [2, 3]).data, EXACT);
    await expectTensorClose(wg.slice(T(x), [0, 0], [-1, -1]), x, EXACT, 'whole');
    const empty = wg.slice(T(x), [4, 0], [0, 6]);
    expect(empty.shape).toEqual([0, 6]);
    expect((await empty.data()).length).toBe(0);
  });

  test('split: equal parts and sizes (with -1), negative axis', async () => {
    const rng = new Rng(3);
    const x = rng.nd([6, 5, 7]);
    const parts = wg.split(T(x), 3);
    expect(parts.map((p) => p.shape)).toEqual([[2, 5, 7], [2, 5, 7], [2, 5, 7]]);
    for (let i = 0; i < 3; i++) await expectTensorClose(parts[i], lref.slice(x, [2 * i, 0, 0], [2, 5, 7]), EXACT, `equal part ${i}`);
    const bySize = wg.split(T(x), [2, -1, 1], -1);
    expect(bySize.map((p) => p.shape)).toEqual([[6, 5, 2], [6, 5, 4], [6, 5, 1]]);
    let start = 0;
    for (const [i, n] of [2, 4, 1].entries()) {
      await expectTensorClose(bySize[i], lref.slice(x, [0, 0, start], [6, 5, n]), EXACT, `sized part ${i}`);
      start += n;
    }
    const zeroPart = wg.split(T(x), [5, 0, 0], 1);
    expect(zeroPart.map((p) => p.shape)).toEqual([[6, 5, 7], [6, 0, 7], [6, 0, 7]]);
  });
});

describeEachBackend('pad and tile', () => {
  test('pad on every side, alone and together, rank 1 to 4, with a constant', async () => {
    const rng = new Rng(4);
    const cases: [number[], [number, number][]][] = [
      [[5], [[2, 0]]],
      [[5], [[0, 3]]],
      [[5], [[1, 1]]],
      [[3, 4], [[1, 0], [0, 0]]],
      [[3, 4], [[0, 2], [0, 0]]],
      [[3, 4], [[0, 0], [3, 0]]],
      [[3, 4], [[0, 0], [0, 1]]],
      [[3, 4], [[2, 1], [1, 3]]],
      [[2, 3, 5], [[1, 1], [0, 2], [3, 0]]],
      [[2, 1, 3, 2], [[0, 1], [2, 2], [0, 0], [1, 0]]],
      [[1, 1], [[2, 2], [2, 2]]],
    ];
    for (const [shape, paddings] of cases) {
      const x = rng.nd(shape);
      await expectTensorClose(wg.pad(T(x), paddings, -2.5), lref.pad(x, paddings, -2.5), EXACT, `pad [${shape}] ${JSON.stringify(paddings)}`);
    }
    // Default constant 0, and a pad of an empty tensor (all constant).
    const x = rng.nd([3, 4]);
    await expectTensorClose(wg.pad(T(x), [[1, 1], [1, 1]]), lref.pad(x, [[1, 1], [1, 1]], 0), EXACT, 'default 0');
    await expectTensorClose(wg.pad(wg.zeros([0, 2]), [[1, 0], [0, 1]], 7), ref.fullND([1, 3], 7), EXACT, 'empty input');
  });

  test('pad with non-finite constants (-inf for max pooling): each its own value', async () => {
    const x = wg.tensor([1, 2]);
    for (const v of [Infinity, NaN, -Infinity, -0]) {
      const y = await wg.pad(x, [[1, 1]], v).data();
      expectAllClose(y, [v, 1, 2, v], EXACT, `pad with ${v}`);
      expect(Object.is(y[0], v), `pad with ${v}: first value ${y[0]}`).toBe(true);
    }
  });

  test('pad of int32 keeps dtype and truncates the constant', async () => {
    const rng = new Rng(5);
    const x = ints(rng, [3, 2]);
    const y = wg.pad(I(x), [[1, 0], [0, 2]], -4.7);
    expect(y.dtype).toBe('int32');
    expectAllClose(await y.data(), lref.pad(x, [[1, 0], [0, 2]], -4).data, EXACT);
  });

  test('tile: odd repeats on every axis, rank 1 to 4, int32', async () => {
    const rng = new Rng(6);
    const cases: [number[], number[]][] = [
      [[5], [3]],
      [[3, 4], [2, 1]],
      [[3, 4], [1, 3]],
      [[3, 4], [3, 2]],
      [[1, 4], [5, 1]],
      [[2, 3, 5], [2, 3, 1]],
      [[2, 1, 3, 2], [1, 4, 1, 3]],
    ];
    for (const [shape, reps] of cases) {
      const x = rng.nd(shape);
      await expectTensorClose(wg.tile(T(x), reps), lref.tile(x, reps), EXACT, `tile [${shape}] x [${reps}]`);
    }
    const xi = ints(rng, [2, 3]);
    const ti = wg.tile(I(xi), [2, 2]);
    expect(ti.dtype).toBe('int32');
    expectAllClose(await ti.data(), lref.tile(xi, [2, 2]).data, EXACT);
    const none = wg.tile(T(rng.nd([2, 3])), [0, 2]);
    expect(none.shape).toEqual([0, 6]);
  });
});

describeEachBackend('concat and stack', () => {
  test('concat along every axis (negative too) of odd sizes', async () => {
    const rng = new Rng(7);
    const base = [3, 4, 5];
    for (const axis of [0, 1, 2, -1, -2, -3]) {
      const a = ((axis % 3) + 3) % 3;
      const parts = [2, 1, 3].map((n) => rng.nd(base.map((d, k) => (k === a ? n : d))));
      await expectTensorClose(wg.concat(parts.map(T), axis), lref.concat(parts, a), EXACT, `axis ${axis}`);
    }
  });

  test('concat of 1, 2, 7, 8 and 17 tensors (more than a kernel binds), with empty ones among them', async () => {
    const rng = new Rng(8);
    for (const count of [1, 2, 7, 8, 17]) {
      const parts = Array.from({ length: count }, (_, i) => rng.nd([2, 1 + (i % 3), 3]));
      await expectTensorClose(wg.concat(parts.map(T), 1), lref.concat(parts, 1), EXACT, `${count} tensors`);
    }
    const a = rng.nd([2, 3]);
    const b = rng.nd([2, 2]);
    await expectTensorClose(wg.concat([wg.zeros([2, 0]), T(a), wg.zeros([2, 0]), T(b)], 1), lref.concat([a, b], 1), EXACT, 'with empty');
    expect(wg.concat([wg.zeros([0, 2]), wg.zeros([0, 2])], 0).shape).toEqual([0, 2]);
  });

  test('concat of int32 tensors', async () => {
    const rng = new Rng(9);
    const parts = [ints(rng, [2, 2]), ints(rng, [1, 2]), ints(rng, [3, 2])];
    const y = wg.concat(parts.map(I), 0);
    expect(y.dtype).toBe('int32');
    expectAllClose(await y.data(), lref.concat(parts, 0).data, EXACT);
  });

  test('stack along a new first, middle and last axis; stack of scalars', async () => {
    const rng = new Rng(10);
    const parts = [rng.nd([3, 4]), rng.nd([3, 4]), rng.nd([3, 4])];
    for (const [axis, a] of [[0, 0], [1, 1], [2, 2], [-1, 2], [-3, 0]] as [number, number][]) {
      const expanded = parts.map((p) => ref.reshape(p, [...p.shape.slice(0, a), 1, ...p.shape.slice(a)]));
      await expectTensorClose(wg.stack(parts.map(T), axis), lref.concat(expanded, a), EXACT, `axis ${axis}`);
    }
    await expectTensorClose(wg.stack([wg.scalar(1), wg.scalar(2), wg.scalar(3)]), ref.nd([3], [1, 2, 3]), EXACT, 'scalars');
  });
});

describeEachBackend('gather', () => {
  test('gather along axis 0, a middle axis and -1, with repeated and 2-D indices', async () => {
    const rng = new Rng(11);
    const x = rng.nd([5, 4, 3]);
    const cases: [number, number[], number[]][] = [
      [0, [4, 0, 0, 2], [4]],
      [1, [3, 1], [2]],
      [-1, [2, 2, 0, 1, 0, 2], [2, 3]],
      [0, [1], [1, 1]],
      [2, [0], []],
    ];
    for (const [axis, idx, idxShape] of cases) {
      const a = (axis + 3) % 3;
      const y = wg.gather(T(x), wg.tensor(idx, idxShape, 'int32'), axis);
      await expectTensorClose(y, lref.gather(x, idx, idxShape, a), EXACT, `axis ${axis} indices ${JSON.stringify(idx)}`);
    }
  });

  test('gather: indices as a plain array; int32 data; an embedding lookup of odd size', async () => {
    const rng = new Rng(12);
    const x = rng.nd([7, 3]);
    await expectTensorClose(wg.gather(T(x), [6, 0, 3]), lref.gather(x, [6, 0, 3], [3], 0), EXACT, 'array indices');
    const xi = ints(rng, [4, 5]);
    const yi = wg.gather(I(xi), [3, 1], 1);
    expect(yi.dtype).toBe('int32');
    expectAllClose(await yi.data(), lref.gather(xi, [3, 1], [2], 1).data, EXACT);
    const table = rng.nd([1001, 17]);
    const ids = rng.ints(257, 0, 1001);
    await expectTensorClose(wg.gather(T(table), wg.tensor(ids, [257], 'int32')), lref.gather(table, ids, [257], 0), EXACT, 'embedding');
  });

  test('gather with an empty index list gives an empty result', async () => {
    const y = wg.gather(wg.ones([3, 2]), wg.tensor([], [0], 'int32'), 0);
    expect(y.shape).toEqual([0, 2]);
    expect((await y.data()).length).toBe(0);
  });
});

describeEachBackend('where', () => {
  test('where with the condition, a and b broadcast together', async () => {
    const rng = new Rng(13);
    const cases: [number[], number[], number[]][] = [
      [[7], [7], [7]],
      [[3, 4], [3, 4], [3, 4]],
      [[4], [3, 4], [3, 4]],
      [[3, 1], [1, 5], [3, 5]],
      [[2, 3, 4], [], [4]],
      [[], [2, 3], [2, 3]],
      [[1, 3, 1], [2, 1, 4], [3, 1]],
    ];
    for (const [sc, sa, sb] of cases) {
      const c = ref.map(rng.nd(sc), (v) => (v > 0 ? 1 : 0));
      const a = rng.nd(sa);
      const b = rng.nd(sb);
      await expectTensorClose(wg.where(T(c), T(a), T(b)), lref.where(c, a, b), EXACT, `cond [${sc}] a [${sa}] b [${sb}]`);
      await expectTensorClose(wg.where(I(c), T(a), T(b)), lref.where(c, a, b), EXACT, `int32 cond [${sc}]`);
    }
  });

  test('where selects: inf and NaN in the branch not taken never leak; -0 is false, NaN true', async () => {
    const c = wg.tensor([1, 0, 1, 0]);
    const a = wg.tensor([1, Infinity, NaN, 4]);
    const b = wg.tensor([-Infinity, 2, 3, NaN]);
    expectAllClose(await wg.where(c, a, b).data(), [1, 2, NaN, NaN], EXACT);
    const odd = wg.tensor([-0, NaN, 2, -1]);
    expectAllClose(await wg.where(odd, 10, 20).data(), [20, 10, 10, 10], EXACT);
    const ci = wg.tensor([0, 5, -2147483648, 0], [4], 'int32');
    expectAllClose(await wg.where(ci, 10, 20).data(), [20, 10, 10, 20], EXACT);
  });

  test('where of int32 a and b keeps dtype; numbers broadcast', async () => {
    const w = wg.where(wg.tensor([1, 0, 1]), wg.tensor([5, 6, 7], [3], 'int32'), wg.tensor([-1], [1], 'int32'));
    expect(w.dtype).toBe('int32');
    expect(Array.from(await w.data())).toEqual([5, -1, 7]);
    const cond = wg.greater(wg.tensor([[1, -2], [-3, 4]]), 0);
    expect(await wg.where(cond, 1, -1).array()).toEqual([[1, -1], [-1, 1]]);
  });
});

describe('gather of indices computed on the device', () => {
  // Indices that are the result of a computation are not known when gather is
  // called: the CPU kernel refuses them when it runs, a GPU kernel clamps them.
  const computed = (): wg.Tensor => wg.cast(wg.tensor([3, -2, 1, 9]), 'int32');

  test('CPU: an error naming gather and the bad index', async () => {
    await useBackend('cpu');
    const y = wg.gather(wg.tensor([10, 20, 30, 40]), computed());
    await expect(y.data()).rejects.toThrow(/gather: argument 'indices' holds -2 at flat position 1, outside \[0, 3\]/);
  });

  test('WebGPU: clamped into range (never an out-of-bounds read), forward and gradient', async () => {
    await useBackend('webgpu');
    try {
      const y = wg.gather(wg.tensor([10, 20, 30, 40]), computed());
      expect(Array.from(await y.data())).toEqual([40, 10, 20, 40]);
      const g = wg.grad((x) => wg.sum(wg.mul(wg.gather(x, computed()), wg.tensor([1, 2, 3, 4]))))(wg.tensor([0, 0, 0, 0]));
      expect(Array.from(await g.data())).toEqual([2, 3, 0, 5]);
    } finally {
      await useBackend('cpu');
    }
  });
});

describe('shape op errors: a WebgradError naming the op and the argument', () => {
  const x = (): wg.Tensor => wg.zeros([2, 3]);
  const cases: [string, () => unknown, RegExp[]][] = [
    ['slice begin outside', () => wg.slice(x(), [0, 4]), [/^slice: argument 'begin'/, /begin\[1\] is 4/, /0\.\.3/]],
    ['slice begin negative', () => wg.slice(x(), [-1, 0]), [/^slice: argument 'begin'/]],
    ['slice size too large', () => wg.slice(x(), [1, 1], [2, 1]), [/^slice: argument 'size'/, /along axis 0/, /exceeds 2/]],
    ['slice size below -1', () => wg.slice(x(), [0, 0], [-2, 1]), [/^slice: argument 'size'/]],
    ['slice begin too long', () => wg.slice(x(), [0, 0, 0]), [/^slice: argument 'begin'/, /at most 2/]],
    ['slice of a scalar', () => wg.slice(wg.scalar(1), []), [/^slice: argument 'x'/, /rank >= 1/]],
    ['concat mismatched shapes', () => wg.concat([x(), wg.zeros([3, 3])], 1), [/^concat: 'tensors\[1\]' has shape \[3, 3\]/, /axis 1/]],
    ['concat mismatched ranks', () => wg.concat([x(), wg.zeros([2, 3, 1])]), [/^concat: 'tensors\[1\]'/]],
    ['concat mismatched dtypes', () => wg.concat([x(), wg.zeros([2, 3], 'int32')]), [/^concat: argument 'tensors\[1\]' must be a float32 tensor/]],
    ['concat axis out of range', () => wg.concat([x(), x()], 2), [/^concat: argument 'axis' must be an integer axis in \[-2, 1\], but got 2/]],
    ['concat of nothing', () => wg.concat([]), [/^concat: argument 'tensors' must be a non-empty array/]],
    ['concat of scalars', () => wg.concat([wg.scalar(1), wg.scalar(2)]), [/^concat: argument 'tensors\[0\]'/, /use stack/]],
    ['stack mismatched shapes', () => wg.stack([x(), wg.zeros([3, 2])]), [/^stack: 'tensors\[1\]' has shape \[3, 2\], but 'tensors\[0\]' has \[2, 3\]/]],
    ['stack axis out of range', () => wg.stack([x(), x()], 3), [/^stack: argument 'axis'/, /\[-3, 2\]/]],
    ['split not dividing', () => wg.split(wg.zeros([5, 2]), 2), [/^split: argument 'numOrSizeSplits'/, /divides axis 0/]],
    ['split sizes not summing', () => wg.split(wg.zeros([5, 2]), [2, 2]), [/^split: the sizes \[2, 2\]/, /add up to 5/, /but add up to 4/]],
    ['split two -1', () => wg.split(wg.zeros([5, 2]), [-1, -1]), [/^split: argument 'numOrSizeSplits'/, /at most one -1/]],
    ['split axis out of range', () => wg.split(x(), 1, -3), [/^split: argument 'axis'/]],
    ['gather indices out of range', () => wg.gather(x(), [0, 3], 1), [/^gather: argument 'indices' holds 3 at flat position 1, outside \[0, 2\]/]],
    ['gather negative index', () => wg.gather(x(), wg.tensor([-1], [1], 'int32')), [/^gather: argument 'indices' holds -1/]],
    ['gather float indices', () => wg.gather(x(), wg.tensor([0, 1])), [/^gather: argument 'indices' must be an int32 tensor/]],
    ['gather axis out of range', () => wg.gather(x(), [0], 2), [/^gather: argument 'axis'/]],
    ['gather from an empty axis', () => wg.gather(wg.zeros([0, 3]), [0]), [/^gather: argument 'x'/, /elements along axis 0/]],
    ['pad negative', () => wg.pad(x(), [[0, 0], [-1, 2]]), [/^pad: argument 'paddings\[1\]' must be a pair of non-negative integers/, /\[-1, 2\]/]],
    ['pad wrong length', () => wg.pad(x(), [[1, 1]]), [/^pad: argument 'paddings' must be a list of 2 \[before, after\] pairs/]],
    ['pad not pairs', () => wg.pad(x(), [[1, 1], [1]] as unknown as [number, number][]), [/^pad: argument 'paddings'/]],
    ['tile reps of wrong length', () => wg.tile(x(), [2]), [/^tile: argument 'reps' must be a list of 2 non-negative integers/, /got \[2\]/]],
    ['tile negative reps', () => wg.tile(x(), [1, -1]), [/^tile: argument 'reps'/]],
    ['where mismatched shapes', () => wg.where(wg.ones([4]), x(), x()), [/^where: arguments 'condition' \(shape \[4\]\) and 'a and b' \(shape \[2, 3\]\) cannot be broadcast/]],
    ['where a and b of different dtypes', () => wg.where(wg.ones([3]), wg.zeros([3]), wg.zeros([3], 'int32')), [/^where: arguments 'a' \(float32/, /'b' \(int32/, /same dtype/]],
    ['matMul batch dims not broadcasting', () => wg.matMul(wg.zeros([2, 3, 4]), wg.zeros([3, 4, 5])), [/^matMul: the batch dimensions of 'a' \[2, 3, 4\] and 'b' \[3, 4, 5\]/, /\[2\] vs \[3\]/]],
    ['matMul inner dims', () => wg.matMul(wg.zeros([2, 3, 4]), wg.zeros([2, 5, 4])), [/^matMul: inner dimensions must agree/]],
    ['matMul rank 1', () => wg.matMul(wg.zeros([4]), wg.zeros([4, 2])), [/^matMul: argument 'a' must be a tensor of rank >= 2/]],
  ];
  for (const [name, f, patterns] of cases) {
    test(name, () => {
      let err: unknown = null;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, 'expected an error').toBeInstanceOf(wg.WebgradError);
      for (const p of patterns) expect((err as Error).message).toMatch(p);
    });
  }
});
