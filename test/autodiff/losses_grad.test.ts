// Gradients of every loss (with respect to predictions, and where it is
// differentiable also to targets) against the analytic float64 derivative and
// finite differences of the float64 reference loss.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { checkGradients, expectAllClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);
const I = (labels: number[]): wg.Tensor => wg.tensor(labels, [labels.length], 'int32');

/** d(dy * loss)/d(yPred) from the library, with a random scalar upstream gradient. */
async function lossGrad(rng: Rng, f: (p: wg.Tensor) => wg.Tensor, pred: ND): Promise<{ dy: ND; shape: readonly number[]; values: ArrayLike<number> }> {
  const dy = ref.scalarND(Math.fround(rng.uniform(0.5, 2)));
  const g = wg.grad(f)(T(pred), T(dy));
  return { dy, shape: g.shape, values: await g.data() };
}

const scaled = (g: ND, dy: ND): ND => ref.map(g, (v) => v * dy.data[0]);

describeEachBackend('loss gradients', () => {
  test('d meanSquaredError / d meanAbsoluteError (both arguments)', async () => {
    const rng = new Rng(201);
    for (const shape of [[1], [7], [7, 13], [3, 1, 5]]) {
      const t = rng.nd(shape, -2, 2);
      const p = ref.map(rng.nd(shape, -2, 2), (v, i) => (Math.abs(v - t.data[i]) < 1e-2 ? v + 0.1 : v));
      for (const [name, refF, refG] of [
        ['meanSquaredError', ref.meanSquaredError, ref.meanSquaredErrorGrad],
        ['meanAbsoluteError', ref.meanAbsoluteError, ref.meanAbsoluteErrorGrad],
      ] as const) {
        const dy = ref.scalarND(Math.fround(rng.uniform(0.5, 2)));
        const gs = wg.grads((a, b) => wg[name](a, b))([T(t), T(p)], T(dy));
        const computed = await Promise.all(gs.map(async (g) => ({ shape: g.shape, values: await g.data() })));
        checkGradients({
          label: `${name} [${shape}]`,
          inputs: [t, p],
          f: ([a, b]) => ref.scalarND(refF(a, b)),
          dy,
          vjp: ([a, b], d) => [ref.map(scaled(refG(a, b), d), (v) => -v), scaled(refG(a, b), d)],
          computed,
        });
      }
    }
  });

  test('d binaryCrossentropy from probabilities (inside the clip range)', async () => {
    const rng = new Rng(202);
    for (const shape of [[1], [9], [7, 13], [3, 1, 5]]) {
      const y = ref.map(rng.nd(shape), () => rng.int(0, 2));
      const p = rng.nd(shape, 0.05, 0.95);
      const g = await lossGrad(rng, (q) => wg.binaryCrossentropy(T(y), q), p);
      checkGradients({
        label: `bce [${shape}]`,
        inputs: [p],
        f: ([q]) => ref.scalarND(ref.binaryCrossentropy(y, q)),
        dy: g.dy,
        vjp: ([q], d) => [scaled(ref.binaryCrossentropyGrad(y, q), d)],
        computed: [g],
      });
    }
  });

  test('d binaryCrossentropy from probabilities is zero where the clip is active', async () => {
    const y = ref.nd([4], [1, 0, 1, 0]);
    const p = ref.nd([4], [0, 1, 0.5, 0.25]);
    const g = wg.grad((q) => wg.binaryCrossentropy(T(y), q))(T(p));
    expectAllClose(await g.data(), ref.binaryCrossentropyGrad(y, p).data, { rtol: 1e-4, atol: 1e-6 });
  });

  test('d binaryCrossentropy from logits (soft labels, and labels as an input)', async () => {
    const rng = new Rng(203);
    for (const shape of [[1], [9], [7, 13], [3, 1, 5]]) {
      const y = rng.nd(shape, 0, 1);
      const x = rng.nd(shape, -6, 6);
      const dy = ref.scalarND(Math.fround(rng.uniform(0.5, 2)));
      const gs = wg.grads((a, b) => wg.binaryCrossentropy(a, b, { fromLogits: true }))([T(y), T(x)], T(dy));
      const computed = await Promise.all(gs.map(async (g) => ({ shape: g.shape, values: await g.data() })));
      checkGradients({
        label: `bce logits [${shape}]`,
        inputs: [y, x],
        f: ([a, b]) => ref.scalarND(ref.binaryCrossentropy(a, b, true)),
        dy,
        // d/dy = -x / n
        vjp: ([a, b], d) => [ref.map(b, (v) => (-v * d.data[0]) / a.data.length), scaled(ref.binaryCrossentropyGrad(a, b, true), d)],
        computed,
      });
    }
  });

  test('d categoricalCrossentropy from (unnormalised) probabilities', async () => {
    const rng = new Rng(204);
    for (const [rows, cols] of [[1, 3], [7, 13], [5, 2], [2, 1]]) {
      const y = ref.oneHot(rng.ints(rows, 0, cols), cols);
      const p = rng.nd([rows, cols], 0.05, 1);
      const g = await lossGrad(rng, (q) => wg.categoricalCrossentropy(T(y), q), p);
      checkGradients({
        label: `cce probs ${rows}x${cols}`,
        inputs: [p],
        f: ([q]) => ref.scalarND(ref.categoricalCrossentropy(y, q)),
        dy: g.dy,
        vjp: ([q], d) => [scaled(ref.categoricalCrossentropyGrad(y, q), d)],
        computed: [g],
      });
    }
  });

  test('d categoricalCrossentropy with soft labels', async () => {
    const rng = new Rng(205);
    const y = ref.map(rng.nd([4, 6], 0.1, 1), Math.fround);
    const ysum = ref.sum(y, -1, true);
    const yn = ref.map(ref.div(y, ysum), Math.fround);
    const p = rng.nd([4, 6], 0.05, 1);
    const x = rng.nd([4, 6], -3, 3);
    const g1 = await lossGrad(rng, (q) => wg.categoricalCrossentropy(T(yn), q), p);
    checkGradients({ label: 'cce soft probs', inputs: [p], f: ([q]) => ref.scalarND(ref.categoricalCrossentropy(yn, q)), dy: g1.dy, vjp: ([q], d) => [scaled(ref.categoricalCrossentropyGrad(yn, q), d)], computed: [g1] });
    const g2 = await lossGrad(rng, (q) => wg.categoricalCrossentropy(T(yn), q, { fromLogits: true }), x);
    checkGradients({ label: 'cce soft logits', inputs: [x], f: ([q]) => ref.scalarND(ref.categoricalCrossentropy(yn, q, true)), dy: g2.dy, vjp: ([q], d) => [scaled(ref.categoricalCrossentropyGrad(yn, q, true), d)], computed: [g2] });
  });

  test('d categoricalCrossentropy from logits, and through softmax (fused kernel)', async () => {
    const rng = new Rng(206);
    for (const [rows, cols] of [[1, 3], [7, 13], [5, 2], [3, 1], [2, 257]]) {
      const y = ref.oneHot(rng.ints(rows, 0, cols), cols);
      const x = rng.nd([rows, cols], -4, 4);
      const g = await lossGrad(rng, (q) => wg.categoricalCrossentropy(T(y), q, { fromLogits: true }), x);
      checkGradients({
        label: `cce logits ${rows}x${cols}`,
        inputs: [x],
        f: ([q]) => ref.scalarND(ref.categoricalCrossentropy(y, q, true)),
        dy: g.dy,
        vjp: ([q], d) => [scaled(ref.categoricalCrossentropyGrad(y, q, true), d)],
        computed: [g],
      });
      const gs = await lossGrad(rng, (q) => wg.categoricalCrossentropy(T(y), wg.softmax(q)), x);
      checkGradients({
        label: `cce(softmax) ${rows}x${cols}`,
        inputs: [x],
        f: ([q]) => ref.scalarND(ref.categoricalCrossentropy(y, ref.softmax(q))),
        dy: gs.dy,
        vjp: ([q], d) => [scaled(ref.categoricalCrossentropyGrad(y, q, true), d)],
        computed: [gs],
      });
    }
  });

  test('d categoricalCrossentropy of softmax at large logit offsets (1e4 + x) equals that at x', async () => {
    const rng = new Rng(207);
    const y = ref.oneHot([0, 2, 1], 3);
    const x = ref.map(rng.nd([3, 3], -2, 2), (v) => Math.fround(Math.round(v * 64) / 64)); // exactly representable after + 1e4
    const big = ref.map(x, (v) => v + 1e4);
    const expected = ref.categoricalCrossentropyGrad(y, x, true);
    for (const [label, f] of [
      ['fromLogits', (q: wg.Tensor) => wg.categoricalCrossentropy(T(y), q, { fromLogits: true })],
      ['softmax', (q: wg.Tensor) => wg.categoricalCrossentropy(T(y), wg.softmax(q))],
    ] as const) {
      const g = wg.grad(f)(T(big));
      expectAllClose(await g.data(), expected.data, { rtol: 1e-4, atol: 1e-5 }, label);
    }
  });

  test('d sparseCategoricalCrossentropy (probabilities and logits)', async () => {
    const rng = new Rng(208);
    for (const [rows, cols] of [[1, 3], [7, 13], [5, 2]]) {
      const labels = rng.ints(rows, 0, cols);
      const y = ref.oneHot(labels, cols);
      const p = rng.nd([rows, cols], 0.05, 1);
      const x = rng.nd([rows, cols], -4, 4);
      const g1 = await lossGrad(rng, (q) => wg.sparseCategoricalCrossentropy(I(labels), q), p);
      checkGradients({ label: `scce probs ${rows}x${cols}`, inputs: [p], f: ([q]) => ref.scalarND(ref.sparseCategoricalCrossentropy(labels, q)), dy: g1.dy, vjp: ([q], d) => [scaled(ref.categoricalCrossentropyGrad(y, q), d)], computed: [g1] });
      const g2 = await lossGrad(rng, (q) => wg.sparseCategoricalCrossentropy(I(labels), q, { fromLogits: true }), x);
      checkGradients({ label: `scce logits ${rows}x${cols}`, inputs: [x], f: ([q]) => ref.scalarND(ref.sparseCategoricalCrossentropy(labels, q, true)), dy: g2.dy, vjp: ([q], d) => [scaled(ref.categoricalCrossentropyGrad(y, q, true), d)], computed: [g2] });
    }
  });

  test('loss gradients have the shape of the predictions', async () => {
    const p = wg.tensor([[0.2, 0.3, 0.5]]);
    const y = wg.tensor([[0, 1, 0]]);
    for (const f of [wg.meanSquaredError, wg.meanAbsoluteError, wg.binaryCrossentropy, wg.categoricalCrossentropy]) {
      expect(wg.grad((q) => f(y, q))(p).shape).toEqual([1, 3]);
    }
  });
});
