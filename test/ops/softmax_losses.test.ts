// softmax / logSoftmax and the losses against the float64 reference (Keras
// definitions), plus the hand-computed example from the course notes.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, expectTensorClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);
const I = (labels: number[], shape = [labels.length]): wg.Tensor => wg.tensor(labels, shape, 'int32');

/** Rows of positive values (not normalised: the loss renormalises). */
function probs(rng: Rng, shape: number[], normalise: boolean): ND {
  const x = rng.nd(shape, 0.05, 1);
  if (!normalise) return x;
  const s = ref.sum(x, -1, true);
  return ref.map(ref.div(x, s), Math.fround);
}

function oneHotND(rng: Rng, rows: number, cols: number): { labels: number[]; y: ND } {
  const labels = rng.ints(rows, 0, cols);
  return { labels, y: ref.oneHot(labels, cols) };
}

const readScalar = async (t: wg.Tensor): Promise<number> => {
  expect(t.shape).toEqual([]);
  return (await t.data())[0];
};

describeEachBackend('softmax and logSoftmax', () => {
  const SHAPES = [[1], [5], [1, 1], [7, 13], [3, 1, 5], [2, 3, 4], [4, 1031]];
  for (const op of ['softmax', 'logSoftmax'] as const) {
    test(`${op} over the last axis of awkward shapes`, async () => {
      const rng = new Rng(13);
      for (const shape of SHAPES) {
        const x = rng.nd(shape, -6, 6);
        await expectTensorClose(wg[op](T(x)), ref[op](x), { rtol: 1e-5, atol: 1e-6 }, `${op} [${shape}]`);
        await expectTensorClose(wg[op](T(x), shape.length - 1), ref[op](x), { rtol: 1e-5, atol: 1e-6 }, `${op} dim=${shape.length - 1}`);
      }
    });
  }

  test('softmax is numerically stable on large logits [1000, 1001, 1002]', async () => {
    const x = ref.nd([2, 3], [1000, 1001, 1002, -1000, -1001, -1002]);
    const p = await wg.softmax(T(x)).data();
    for (const v of p) expect(Number.isFinite(v)).toBe(true);
    // x - max is exact here, so a stable float32 kernel is within a few ulps (exp ~ 3 + 2|x| ulp)
    expectAllClose(p, ref.softmax(x).data, { rtol: 3e-6, atol: 1e-7 });
    // the same as softmax([0, 1, 2])
    expectAllClose(Array.from(p).slice(0, 3), ref.softmax(ref.nd([3], [0, 1, 2])).data, { rtol: 3e-6, atol: 1e-7 });
  });

  test('softmax and logSoftmax are shift-invariant at large offsets (logits 1e6 + [0, 1, 2])', async () => {
    // 1e6 + k is exact in float32 and x - max is exact, so the answers must
    // equal those of [0, 1, 2] to float32 accuracy. Subtracting a rounded
    // log-sum-exp (max + log(sum)) instead loses up to ulp(1e6)/2 = 0.03.
    const x = ref.nd([2, 3], [1e6, 1e6 + 1, 1e6 + 2, -1e6, -1e6 + 1, -1e6 + 2]);
    const small = ref.nd([2, 3], [0, 1, 2, 0, 1, 2]);
    expectAllClose(await wg.softmax(T(x)).data(), ref.softmax(small).data, { rtol: 1e-4, atol: 1e-6 }, 'softmax');
    expectAllClose(await wg.logSoftmax(T(x)).data(), ref.logSoftmax(small).data, { rtol: 1e-4, atol: 1e-5 }, 'logSoftmax');
    expectAllClose(await wg.sum(wg.softmax(T(x)), -1).data(), [1, 1], { rtol: 0, atol: 1e-5 }, 'rows sum to 1');
  });

  test('logSoftmax of large logits is finite and exact', async () => {
    const x = ref.nd([3, 3], [1000, 1001, 1002, -1e4, 0, 1e4, 88, 89, -200]);
    const lp = await wg.logSoftmax(T(x)).data();
    for (const v of lp) expect(Number.isFinite(v)).toBe(true);
    expectAllClose(lp, ref.logSoftmax(x).data, { rtol: 1e-5, atol: 1e-4 });
  });

  test('softmax rows sum to 1', async () => {
    const rng = new Rng(14);
    const x = rng.nd([9, 33], -20, 20);
    expectAllClose(await wg.sum(wg.softmax(T(x)), -1).data(), ref.fullND([9], 1).data, { rtol: 0, atol: 1e-5 });
  });
});

describeEachBackend('losses', () => {
  test('course-notes example: label 2 of depth 3, predictions [0.08, 0.11, 0.81] -> -ln(0.81) ≈ 0.2107', async () => {
    const onehot = wg.oneHot(I([2]), 3);
    expect(await onehot.array()).toEqual([[0, 0, 1]]);
    const pred = wg.tensor([[0.08, 0.11, 0.81]]);
    const cce = await readScalar(wg.categoricalCrossentropy(onehot, pred));
    expect(cce).toBeCloseTo(0.2107, 4);
    expect(cce).toBeCloseTo(-Math.log(0.81), 5);
    const scce = await readScalar(wg.sparseCategoricalCrossentropy(I([2]), pred));
    expect(scce).toBeCloseTo(0.2107, 4);
    expect(scce).toBeCloseTo(-Math.log(0.81), 5);
    // labels given as [n, 1] are accepted as well
    expect(await readScalar(wg.sparseCategoricalCrossentropy(I([2], [1, 1]), pred))).toBeCloseTo(-Math.log(0.81), 5);
  });

  test('hand-computed mse and binary cross-entropy', async () => {
    // mse([1, 2], [1.5, 1]) = (0.25 + 1) / 2
    expect(await readScalar(wg.meanSquaredError(wg.tensor([1, 2]), wg.tensor([1.5, 1])))).toBeCloseTo(0.625, 6);
    // bce(y=[1, 0], p=[0.9, 0.2]) = -(ln 0.9 + ln 0.8) / 2
    expect(await readScalar(wg.binaryCrossentropy(wg.tensor([1, 0]), wg.tensor([0.9, 0.2])))).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 5);
  });

  test('meanSquaredError and meanAbsoluteError', async () => {
    const rng = new Rng(51);
    for (const shape of [[1], [7], [7, 13], [3, 1, 5]]) {
      const t = rng.nd(shape, -2, 2);
      const p = rng.nd(shape, -2, 2);
      expectAllClose(await readScalar(wg.meanSquaredError(T(t), T(p))), ref.meanSquaredError(t, p), { rtol: 1e-5, atol: 1e-6 }, `mse [${shape}]`);
      expectAllClose(await readScalar(wg.meanAbsoluteError(T(t), T(p))), ref.meanAbsoluteError(t, p), { rtol: 1e-5, atol: 1e-6 }, `mae [${shape}]`);
      expectAllClose(await readScalar(wg.losses.meanSquaredError(T(t), T(p))), ref.meanSquaredError(t, p), { rtol: 1e-5, atol: 1e-6 });
    }
  });

  test('binaryCrossentropy from probabilities (with values clipped at 0 and 1)', async () => {
    const rng = new Rng(52);
    for (const shape of [[1], [9], [7, 13], [3, 1, 5]]) {
      const y = ref.map(rng.nd(shape), () => rng.int(0, 2));
      const p = rng.nd(shape, 0.01, 0.99);
      expectAllClose(await readScalar(wg.binaryCrossentropy(T(y), T(p))), ref.binaryCrossentropy(y, p), { rtol: 1e-4, atol: 1e-6 }, `[${shape}]`);
    }
    // exact 0 and 1 predictions: clipped to [1e-7, 1 - 1e-7], so finite
    const y = ref.nd([4], [1, 0, 0, 1]);
    const p = ref.nd([4], [0, 1, 0, 1]);
    const v = await readScalar(wg.binaryCrossentropy(T(y), T(p)));
    expect(Number.isFinite(v)).toBe(true);
    // float32 cannot hold 1 - 1e-7 exactly (it rounds to 1 - 1.19e-7), so compare loosely
    expectAllClose(v, ref.binaryCrossentropy(y, p), { rtol: 0.05, atol: 0 });
  });

  test('binaryCrossentropy from logits (soft labels, large logits stay finite)', async () => {
    const rng = new Rng(53);
    for (const shape of [[1], [9], [7, 13], [3, 1, 5]]) {
      const y = rng.nd(shape, 0, 1);
      const x = rng.nd(shape, -8, 8);
      expectAllClose(await readScalar(wg.binaryCrossentropy(T(y), T(x), { fromLogits: true })), ref.binaryCrossentropy(y, x, true), { rtol: 1e-5, atol: 1e-6 }, `[${shape}]`);
    }
    const y = ref.nd([4], [1, 0, 1, 0]);
    const x = ref.nd([4], [200, -200, -150, 150]);
    expectAllClose(await readScalar(wg.binaryCrossentropy(T(y), T(x), { fromLogits: true })), ref.binaryCrossentropy(y, x, true), { rtol: 1e-5, atol: 1e-5 });
  });

  test('categoricalCrossentropy from (unnormalised) probabilities renormalises rows', async () => {
    const rng = new Rng(54);
    for (const [rows, cols] of [[1, 1], [1, 3], [7, 13], [5, 2], [3, 257]]) {
      const { y } = oneHotND(rng, rows, cols);
      for (const normalise of [true, false]) {
        const p = probs(rng, [rows, cols], normalise);
        expectAllClose(await readScalar(wg.categoricalCrossentropy(T(y), T(p))), ref.categoricalCrossentropy(y, p), { rtol: 1e-4, atol: 1e-6 }, `${rows}x${cols} normalised=${normalise}`);
      }
    }
    // 3-D: classes on the last axis, averaged over the others
    const p3 = probs(rng, [2, 3, 4], false);
    const y3 = ref.reshape(ref.oneHot(rng.ints(6, 0, 4), 4), [2, 3, 4]);
    expectAllClose(await readScalar(wg.categoricalCrossentropy(T(y3), T(p3))), ref.categoricalCrossentropy(y3, p3), { rtol: 1e-4, atol: 1e-6 }, '3-D');
  });

  test('categoricalCrossentropy with soft labels and with a zero probability (clipped)', async () => {
    const rng = new Rng(55);
    const y = probs(rng, [4, 6], true);
    const p = probs(rng, [4, 6], false);
    expectAllClose(await readScalar(wg.categoricalCrossentropy(T(y), T(p))), ref.categoricalCrossentropy(y, p), { rtol: 1e-4, atol: 1e-6 }, 'soft labels');
    const y0 = ref.nd([1, 3], [1, 0, 0]);
    const p0 = ref.nd([1, 3], [0, 0.5, 0.5]);
    const v = await readScalar(wg.categoricalCrossentropy(T(y0), T(p0)));
    expectAllClose(v, -Math.log(1e-7), { rtol: 1e-3, atol: 0 }, 'log(1e-7) clip');
  });

  test('categoricalCrossentropy from logits, and of softmax outputs (fused path)', async () => {
    const rng = new Rng(56);
    for (const [rows, cols] of [[1, 1], [1, 3], [7, 13], [5, 2], [3, 257]]) {
      const { y } = oneHotND(rng, rows, cols);
      const x = rng.nd([rows, cols], -5, 5);
      const expected = ref.categoricalCrossentropy(y, x, true);
      expectAllClose(await readScalar(wg.categoricalCrossentropy(T(y), T(x), { fromLogits: true })), expected, { rtol: 1e-4, atol: 1e-6 }, `logits ${rows}x${cols}`);
      expectAllClose(await readScalar(wg.categoricalCrossentropy(T(y), wg.softmax(T(x)))), ref.categoricalCrossentropy(y, ref.softmax(x)), { rtol: 1e-4, atol: 1e-6 }, `softmax ${rows}x${cols}`);
    }
    // huge logits: finite
    const y = ref.nd([2, 3], [0, 0, 1, 1, 0, 0]);
    const x = ref.nd([2, 3], [1000, 1001, 1002, 1000, -1000, 0]);
    expectAllClose(await readScalar(wg.categoricalCrossentropy(T(y), T(x), { fromLogits: true })), ref.categoricalCrossentropy(y, x, true), { rtol: 1e-5, atol: 1e-5 });
  });

  test('sparseCategoricalCrossentropy = one-hot then categorical (probabilities and logits)', async () => {
    const rng = new Rng(57);
    for (const [rows, cols] of [[1, 1], [1, 3], [7, 13], [5, 2], [3, 257]]) {
      const labels = rng.ints(rows, 0, cols);
      const p = probs(rng, [rows, cols], false);
      const x = rng.nd([rows, cols], -5, 5);
      expectAllClose(await readScalar(wg.sparseCategoricalCrossentropy(I(labels), T(p))), ref.sparseCategoricalCrossentropy(labels, p), { rtol: 1e-4, atol: 1e-6 }, `probs ${rows}x${cols}`);
      expectAllClose(await readScalar(wg.sparseCategoricalCrossentropy(I(labels), T(x), { fromLogits: true })), ref.sparseCategoricalCrossentropy(labels, x, true), { rtol: 1e-4, atol: 1e-6 }, `logits ${rows}x${cols}`);
    }
  });
});
