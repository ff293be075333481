// Model inputs at the API edge: a 1-D x is one feature per sample (never
// guessed into rows), and evaluate() checks class labels given as a tensor
// as fit() does (integers in range), whether their values are on the host
// (checked at the call) or only on the device (checked when read).
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

function classifier(): wg.Sequential {
  const m = wg.sequential({
    layers: [wg.layers.dense({ units: 3, inputShape: [2], activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) })],
  });
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const X = [[0.1, 0.9], [0.8, -0.3], [-0.5, 0.4]];

/** Sparse cross-entropy and accuracy in float64, from the model's own probabilities. */
function reference(probs: number[][], labels: number[]): [number, number] {
  const loss = labels.reduce((acc, l, i) => acc - Math.log(probs[i][l]), 0) / labels.length;
  const acc = labels.filter((l, i) => probs[i].indexOf(Math.max(...probs[i])) === l).length / labels.length;
  return [loss, acc];
}

describeEachBackend('model inputs', () => {
  test('a 1-D x with inputShape [2] is refused by fit, evaluate and predict, naming the shapes', async () => {
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const msg = /argument 'x' must have shape \[n, 2\] .*got shape \[4\]/;
    await expect(m.fit([1, 2, 3, 4], [[1], [2]], { verbose: 0 })).rejects.toThrow(msg);
    await expect(m.fit(new Float32Array([1, 2, 3, 4]), [[1], [2]], { verbose: 0 })).rejects.toThrow(msg);
    await expect(m.fit(wg.tensor([1, 2, 3, 4]), [[1], [2]], { verbose: 0 })).rejects.toThrow(msg);
    expect(() => m.predict([1, 2, 3, 4])).toThrow(msg);
    expect(() => m.predict(wg.tensor([1, 2, 3, 4]))).toThrow(msg);
    expect(() => m.evaluate([1, 2, 3, 4], [[1], [2]])).toThrow(msg);
    expect(() => m.predict(new Float32Array([1, 2, 3, 4]), { batchSize: 1 })).toThrow(msg);
    // Rows, or { data, shape }, are taken.
    expect(Array.from(await m.predict({ data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }).data())).toEqual(Array.from(await m.predict([[1, 2], [3, 4]]).data()));
  });

  test('a 1-D y for 2 outputs is refused too (no rows guessed from it)', async () => {
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [1] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const msg = /argument 'y' must have shape \[samples, 2\].*got shape \[4\]/;
    await expect(m.fit([[1], [2]], [1, 2, 3, 4], { verbose: 0 })).rejects.toThrow(msg);
    expect(() => m.evaluate([[1], [2]], new Float32Array([1, 2, 3, 4]))).toThrow(msg);
    // A 1-D x is still one feature per sample for a model with one input.
    const p = m.predict([1, 2]);
    expect(p.shape).toEqual([2, 2]);
  });

  test('evaluate(x, labelsTensor) checks labels held on the host at the call, as fit does', async () => {
    const m = classifier();
    const fitMsg = async (labels: wg.Tensor): Promise<string> => {
      try {
        await m.fit(X, labels, { verbose: 0 });
      } catch (e) {
        return (e as Error).message.replace(/^[^:]*\.fit:/, '');
      }
      return 'no error';
    };
    for (const [labels, msg] of [
      [wg.tensor([0, 3, 1], [3], 'int32'), /class label 3 at sample 1 is out of range; the model has 3 outputs, so labels must be in \[0, 2\]/],
      [wg.tensor([0, -1, 1], [3, 1], 'int32'), /class label -1 at sample 1 is out of range/],
      [wg.tensor([0, 1.5, 1]), /sample 1 is 1.5, not an integer/],
      [wg.tensor([0, NaN, 1]), /argument 'y' contains NaN at sample 1/],
    ] as const) {
      expect(() => m.evaluate(X, labels)).toThrow(msg);
      expect(() => m.evaluate(X, labels, { batchSize: 2 })).toThrow(msg);
      // The very message fit gives (after the method name).
      let evalMsg = '';
      try {
        m.evaluate(X, labels);
      } catch (e) {
        evalMsg = (e as Error).message.replace(/^[^:]*\.evaluate:/, '');
      }
      expect(evalMsg).toBe(await fitMsg(labels));
    }
  });

  test('labels only on the device (computed) are checked when the result is read', async () => {
    const m = classifier();
    const computed = (v: number[]): wg.Tensor => wg.mul(wg.tensor(v), 1); // pending: no host values
    for (const [labels, msg] of [
      [computed([0, 7, 1]), /class label 7 at sample 1 is out of range/],
      [computed([0, 0.5, 1]), /sample 1 is 0.5, not an integer/],
    ] as const) {
      for (const args of [{}, { batchSize: 2 }]) {
        const [loss, acc] = m.evaluate(X, labels, args) as wg.Tensor[];
        await expect(loss.data()).rejects.toThrow(msg);
        await expect(acc.data()).rejects.toThrow(msg);
      }
    }
    // Valid labels on the device give the reference values.
    const labels = [2, 0, 1];
    const probs = (await m.predict(X).array()) as number[][];
    const [refLoss, refAcc] = reference(probs, labels);
    for (const args of [{}, { batchSize: 2 }]) {
      const [loss, acc] = m.evaluate(X, computed(labels), args) as wg.Tensor[];
      expect((await loss.data())[0]).toBeCloseTo(refLoss, 5);
      expect((await acc.data())[0]).toBeCloseTo(refAcc, 6);
      const [hl, ha] = m.evaluate(X, wg.tensor(labels, [3], 'int32'), args) as wg.Tensor[];
      expect((await hl.data())[0]).toBeCloseTo(refLoss, 5);
      expect((await ha.data())[0]).toBeCloseTo(refAcc, 6);
    }
  });
});
