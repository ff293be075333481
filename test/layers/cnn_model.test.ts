// A small CNN as a Sequential model, trained with the Keras workflow on image
// data [n, height, width, channels]: the same losses and weights as
// TensorFlow.js after 5 steps of SGD and of Adam (same initial weights, same
// batches), fit/evaluate/predict on 4-D data, save and load through the TF.js
// format, and named errors for data of the wrong shape.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import { describeEachBackend } from '../helpers/backends.js';

const N = 12;
const H = 7;
const W = 6;
const C = 2;
const CLASSES = 3;

function data(seed: number): { x: number[]; y: number[]; labels: number[] } {
  const rng = new Rng(seed);
  const x = Array.from({ length: N * H * W * C }, () => rng.uniform(-1, 1));
  const labels = Array.from({ length: N }, (_, i) => i % CLASSES);
  const y = labels.flatMap((l) => Array.from({ length: CLASSES }, (_, k) => (k === l ? 1 : 0)));
  return { x, y, labels };
}

function ourModel(): wg.Sequential {
  return wg.sequential({ layers: [
    wg.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [H, W, C], kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) }),
    wg.layers.maxPooling2d({ poolSize: 2 }),
    wg.layers.conv2d({ filters: 5, kernelSize: 2, strides: 1, activation: 'tanh', kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) }),
    wg.layers.flatten(),
    wg.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 5 }) }),
  ] });
}

function theirModel(): tf.Sequential {
  return tf.sequential({ layers: [
    tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [H, W, C] }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 5, kernelSize: 2, strides: 1, activation: 'tanh' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
  ] });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeEachBackend('a CNN Sequential model', () => {
  for (const opt of ['sgd', 'adam'] as const) {
    test(`5 ${opt} steps: losses and weights equal TensorFlow.js's within 1e-4`, async () => {
      const m = ourModel();
      m.compile({ optimizer: opt === 'sgd' ? wg.train.sgd(0.1) : wg.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const t = theirModel();
      t.setWeights(await Promise.all(m.getWeights().map(async (w) => tf.tensor(await w.data(), w.shape as number[]))));
      t.compile({ optimizer: opt === 'sgd' ? tf.train.sgd(0.1) : tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const { x, y } = data(1);
      const xs = { data: Float32Array.from(x), shape: [N, H, W, C] };
      const ys = { data: Float32Array.from(y), shape: [N, CLASSES] };
      const losses: number[] = [];
      const theirs: number[] = [];
      for (let s = 0; s < 5; s++) {
        losses.push((await m.trainOnBatch(xs, ys)) as number);
        theirs.push((await t.trainOnBatch(tf.tensor4d(x, [N, H, W, C]), tf.tensor2d(y, [N, CLASSES]))) as number);
      }
      expectAllClose(losses, theirs, { rtol: 1e-4, atol: 1e-4 }, 'losses');
      expect(losses[4]).toBeLessThan(losses[0]);
      const ours = await Promise.all(m.getWeights().map((w) => w.data()));
      const want = await Promise.all(t.getWeights().map((w) => w.data()));
      expect(ours.length).toBe(want.length);
      ours.forEach((d, i) => expectAllClose(d, want[i], { rtol: 1e-4, atol: 1e-4 }, `weight ${i}`));
      m.dispose();
      t.dispose();
    });
  }

  test('fit, evaluate and predict take [n, height, width, channels]; save and load keep the predictions', async () => {
    const m = ourModel();
    m.compile({ optimizer: wg.train.adam(0.02), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const { x, labels } = data(2);
    const xt = wg.tensor(x, [N, H, W, C]);
    const history = await m.fit(xt, labels, { epochs: 8, batchSize: 5, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    const [evalLoss] = m.evaluate(xt, labels, { batchSize: 5 }) as wg.Tensor[];
    expect(Number.isFinite((await evalLoss.data())[0])).toBe(true);
    const p = m.predict(xt, { batchSize: 4 });
    expect(p.shape).toEqual([N, CLASSES]);
    const probs = await p.data();
    let artifacts: wg.io.ModelArtifacts | undefined;
    await m.save(wg.io.withSaveHandler((a) => {
      artifacts = a;
    }));
    const reloaded = await wg.loadLayersModel(wg.io.fromMemory(artifacts!));
    expectAllClose(await reloaded.predict(xt).data(), probs, { rtol: 1e-5, atol: 1e-6 }, 'reloaded');
    const t = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expectAllClose(await (t.predict(tf.tensor4d(x, [N, H, W, C])) as tf.Tensor).data(), probs, { rtol: 1e-4, atol: 1e-5 }, 'TF.js');
    t.dispose();
    wg.dispose([xt, p, evalLoss]);
    m.dispose();
    reloaded.dispose();
  });

  test('data of the wrong shape is a named error, and the weights are intact', async () => {
    const m = ourModel();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const before = await Promise.all(m.getWeights().map((w) => w.data()));
    const { y } = data(3);
    const ys = { data: Float32Array.from(y), shape: [N, CLASSES] };
    await expect(m.fit({ data: new Float32Array(N * H * W), shape: [N, H, W] }, ys, { epochs: 1, verbose: 0 }))
      .rejects.toThrow(`argument 'x' must have shape [n, ${H}, ${W}, ${C}] (samples, then the model's inputShape [${H}, ${W}, ${C}]), got shape [${N}, ${H}, ${W}]`);
    expect(() => m.predict(wg.zeros([2, W, H, C]))).toThrow(/must have shape \[n, 7, 6, 2\].*got shape \[2, 6, 7, 2\]/);
    const after = await Promise.all(m.getWeights().map((w) => w.data()));
    after.forEach((d, i) => expect(Array.from(d)).toEqual(Array.from(before[i])));
    m.dispose();
  });

  test('a Reshape layer turns flat rows into images: TF.js gives the same predictions, the model loads in TF.js', async () => {
    const m = wg.sequential({ layers: [
      wg.layers.reshape({ targetShape: [H, W, C], inputShape: [H * W * C] }),
      wg.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu', kernelInitializer: wg.initializers.glorotUniform({ seed: 8 }) }),
      wg.layers.flatten(),
      wg.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 9 }) }),
    ] });
    expect(m.outputShape).toEqual([null, CLASSES]);
    const { x } = data(4);
    const rows = { data: Float32Array.from(x), shape: [N, H * W * C] };
    const ours = await m.predict(rows).data();
    let artifacts: wg.io.ModelArtifacts | undefined;
    await m.save(wg.io.withSaveHandler((a) => {
      artifacts = a;
    }));
    const t = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(t.layers[0].getClassName()).toBe('Reshape');
    expectAllClose(ours, await (t.predict(tf.tensor2d(x, [N, H * W * C])) as tf.Tensor).data(), { rtol: 1e-4, atol: 1e-5 }, 'TF.js');
    const reloaded = await wg.loadLayersModel(wg.io.fromMemory(artifacts!));
    expectAllClose(await reloaded.predict(rows).data(), ours, { rtol: 0, atol: 0 }, 'reloaded');
    // -1 is inferred (TF.js' own layer cannot carry it into a following conv's shape).
    expect(wg.sequential({ layers: [wg.layers.reshape({ targetShape: [H, -1, C], inputShape: [H * W * C] })] }).outputShape).toEqual([null, H, W, C]);
    expect(() => wg.sequential({ layers: [wg.layers.reshape({ targetShape: [5, -1], inputShape: [H * W * C] })] }))
      .toThrow(`cannot reshape a sample of shape [${H * W * C}] (${H * W * C} values) to targetShape [5, -1]`);
    expect(() => wg.layers.reshape({ targetShape: [-1, -1] })).toThrow(/reshape: argument 'targetShape' must be a non-empty array of positive integers with at most one -1/);
    t.dispose();
    m.dispose();
    reloaded.dispose();
  });
});
