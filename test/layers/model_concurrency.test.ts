// A model during fit(): a second fit() is refused while the first runs (as
// TensorFlow.js does), trainOnBatch too; evaluate and predict are allowed
// and see the weights of that moment; setWeights from a callback takes
// effect at the next step.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose } from '../helpers/allclose.js';

const LR = 0.1;

/** y = x·w + b, one unit, plain SGD: its steps are easy to compute by hand. */
function linear(): wg.Sequential {
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [2], kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) })] });
  m.compile({ optimizer: wg.train.sgd(LR), loss: 'meanSquaredError' });
  return m;
}

const X = [[1, 2], [-1, 0.5], [0.3, -2], [2, 1], [0.5, 0.5], [-1.5, 1]];
const Y = [[1], [-2], [0.5], [3], [0], [-1]];

/** MSE of a linear model on rows [from, to), and the SGD step from it, in float64. */
function sgdStep(w: number[], b: number, from: number, to: number): { loss: number; w: number[]; b: number } {
  const n = to - from;
  let loss = 0;
  const gw = [0, 0];
  let gb = 0;
  for (let i = from; i < to; i++) {
    const err = X[i][0] * w[0] + X[i][1] * w[1] + b - Y[i][0];
    loss += (err * err) / n;
    gw[0] += (2 * err * X[i][0]) / n;
    gw[1] += (2 * err * X[i][1]) / n;
    gb += (2 * err) / n;
  }
  return { loss, w: [w[0] - LR * gw[0], w[1] - LR * gw[1]], b: b - LR * gb };
}

async function weightsOf(m: wg.Sequential): Promise<number[][]> {
  const ws = m.getWeights();
  const out = await Promise.all(ws.map(async (t) => Array.from(await t.data())));
  wg.dispose(ws);
  return out;
}

describeEachBackend('model during fit', () => {
  test('a second fit() while one runs is refused; the first trains alone', async () => {
    const m = linear();
    const first = m.fit(X, Y, { epochs: 3, batchSize: 2, verbose: 0 });
    const second = m.fit(X, Y, { epochs: 3, batchSize: 2, verbose: 0 });
    await expect(second).rejects.toThrow(/\.fit: another fit\(\) on this model is still running; .*Await the first fit\(\) before starting the next/);
    const h = await first;
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.history.loss).toHaveLength(3);
    // Once it is done, training again is fine; a fit refused for bad input does not block the model either.
    await expect(m.fit([[1]], Y, { verbose: 0 })).rejects.toThrow(/features per sample/);
    expect((await m.fit(X, Y, { epochs: 1, batchSize: 2, verbose: 0 })).history.loss).toHaveLength(1);
  });

  test('trainOnBatch during fit is refused; evaluate and predict see the weights of that moment', async () => {
    const m = linear();
    const seen: { weights: number[][]; pred: number[]; loss: number }[] = [];
    let refused: unknown = null;
    await m.fit(X, Y, {
      epochs: 1, batchSize: 2, shuffle: false, verbose: 0,
      callbacks: {
        onBatchEnd: async () => {
          await m.trainOnBatch(X, Y).catch((e) => (refused = e));
          const pred = m.predict(X);
          const loss = m.evaluate(X, Y, { batchSize: 4 }) as wg.Tensor;
          seen.push({ weights: await weightsOf(m), pred: Array.from(await pred.data()), loss: (await loss.data())[0] });
          wg.dispose([pred, loss]);
        },
      },
    });
    expect(String(refused)).toMatch(/trainOnBatch: fit\(\) is running on this model.*await fit\(\) first/);
    expect(seen).toHaveLength(3);
    for (const s of seen) {
      const [w, b] = s.weights;
      const ref = X.map((r) => r[0] * w[0] + r[1] * w[1] + b[0]);
      expectAllClose(s.pred, ref, { rtol: 1e-5, atol: 1e-6 });
      expect(s.loss).toBeCloseTo(ref.reduce((a, p, i) => a + (p - Y[i][0]) ** 2, 0) / X.length, 5);
    }
    // Each batch moved the weights.
    expect(seen[1].weights).not.toEqual(seen[0].weights);
  });

  test('setWeights from onBatchEnd / onBatchBegin: the next step starts from the new weights', async () => {
    for (const hook of ['onBatchEnd', 'onBatchBegin'] as const) {
      const m = linear();
      const W = [0.25, -0.5];
      const B = 0.125;
      const batchLoss: number[] = [];
      const after: number[][][] = [];
      const set = (): void => m.setWeights([wg.tensor([W[0], W[1]], [2, 1]), wg.tensor([B])]);
      await m.fit(X, Y, {
        epochs: 1, batchSize: 2, shuffle: false, verbose: 0,
        callbacks: {
          // Between batch 0 and batch 1, from either side.
          onBatchBegin: (batch) => void (hook === 'onBatchBegin' && batch === 1 && set()),
          onBatchEnd: async (batch, logs) => {
            batchLoss.push(logs!.loss);
            if (hook === 'onBatchEnd' && batch === 0) set();
            if (batch > 0) after.push(await weightsOf(m));
          },
        },
      });
      const s1 = sgdStep(W, B, 2, 4);
      const s2 = sgdStep(s1.w, s1.b, 4, 6);
      expect(batchLoss[1]).toBeCloseTo(s1.loss, 5);
      expectAllClose(after[0].flat(), [...s1.w, s1.b], { rtol: 1e-5, atol: 1e-6 });
      expect(batchLoss[2]).toBeCloseTo(s2.loss, 5);
      expectAllClose((await weightsOf(m)).flat(), [...s2.w, s2.b], { rtol: 1e-5, atol: 1e-6 });
    }
  });
});
