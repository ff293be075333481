// The Dropout and BatchNormalization layers: a Sequential dense ->
// batchNormalization -> dropout -> dense trains to TensorFlow.js' losses and
// weights (moving statistics included) with SGD and Adam, predicts as TF.js
// in inference, and saves / loads both ways; dropout's masks in compiled
// steps follow (seed, step counter) and change every step, a fixed seed
// makes fit() reproducible, and bad arguments are named errors. Dropout's
// rate is 0 in the TF.js comparison (TF.js' random numbers differ); its
// masks are checked against the float64 Philox reference instead.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import { describeEachBackend } from '../helpers/backends.js';
import { keepRef } from '../helpers/philox_ref.js';

const N = 10;
const F = 4;
const H = 6;
const C = 3;

function data(seed: number): { x: number[]; y: number[] } {
  const rng = new Rng(seed);
  const x = Array.from({ length: N * F }, () => rng.uniform(-2, 3));
  const y = Array.from({ length: N }, (_, i) => i % C).flatMap((l) => Array.from({ length: C }, (_, k) => (k === l ? 1 : 0)));
  return { x, y };
}

function ourModel(dropoutRate = 0): wg.Sequential {
  return wg.sequential({ layers: [
    wg.layers.dense({ units: H, activation: 'relu', inputShape: [F], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) }),
    wg.layers.batchNormalization({ momentum: 0.8 }),
    wg.layers.dropout({ rate: dropoutRate, seed: 4 }),
    wg.layers.dense({ units: C, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
  ] });
}

function theirModel(dropoutRate = 0): tf.Sequential {
  return tf.sequential({ layers: [
    tf.layers.dense({ units: H, activation: 'relu', inputShape: [F] }),
    tf.layers.batchNormalization({ momentum: 0.8 }),
    tf.layers.dropout({ rate: dropoutRate }),
    tf.layers.dense({ units: C, activation: 'softmax' }),
  ] });
}

/** Non-trivial starting values for every weight (variances positive), set on our model. */
function perturb(m: wg.Sequential, seed: number): void {
  const rng = new Rng(seed);
  m.setWeights(m.weights.map((v) => {
    const positive = /gamma|moving_variance/.test(v.name);
    const n = v.shape.reduce((a, b) => a * b, 1);
    return wg.tensor(Float32Array.from({ length: n }, () => (positive ? rng.uniform(0.5, 1.5) : rng.uniform(-0.5, 0.5))), v.shape);
  }));
}

const toTf = async (m: wg.Sequential): Promise<tf.Tensor[]> => Promise.all(m.getWeights().map(async (w) => tf.tensor(await w.data(), w.shape as number[])));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeEachBackend('BatchNormalization and Dropout layers', () => {
  test('weights in TF.js order: trainable first (kernel, bias, gamma, beta, ...), then the moving statistics', () => {
    const m = ourModel();
    const t = theirModel();
    // TF.js suffixes a repeated variable name ('gamma_1').
    const short = (name: string): string => name.split('/')[1].replace(/_\d+$/, '');
    expect(m.weights.map((v) => short(v.name))).toEqual(t.weights.map((v) => short(v.name)));
    expect(m.weights.map((v) => short(v.name))).toEqual(['kernel', 'bias', 'gamma', 'beta', 'kernel', 'bias', 'moving_mean', 'moving_variance']);
    expect(m.trainableWeights).toHaveLength(6);
    expect(m.getWeights().map((w) => w.shape)).toEqual(t.getWeights().map((w) => w.shape));
    m.dispose();
    t.dispose();
  });

  for (const opt of ['sgd', 'adam'] as const) {
    test(`5 ${opt} steps: losses and all weights (moving statistics included) equal TensorFlow.js's within 1e-4; predict too`, async () => {
      const m = ourModel();
      perturb(m, 7);
      const initial = await Promise.all(m.getWeights().map((w) => w.data()));
      m.compile({ optimizer: opt === 'sgd' ? wg.train.sgd(0.1) : wg.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const t = theirModel();
      t.setWeights(await toTf(m));
      t.compile({ optimizer: opt === 'sgd' ? tf.train.sgd(0.1) : tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const { x, y } = data(1);
      const xs = { data: Float32Array.from(x), shape: [N, F] };
      const ys = { data: Float32Array.from(y), shape: [N, C] };
      const losses: number[] = [];
      const theirs: number[] = [];
      for (let s = 0; s < 5; s++) {
        losses.push((await m.trainOnBatch(xs, ys)) as number);
        theirs.push((await t.trainOnBatch(tf.tensor2d(x, [N, F]), tf.tensor2d(y, [N, C]))) as number);
      }
      expectAllClose(losses, theirs, { rtol: 1e-4, atol: 1e-4 }, 'losses');
      expect(losses[4]).toBeLessThan(losses[0]);
      const ours = await Promise.all(m.getWeights().map((w) => w.data()));
      const want = await Promise.all(t.getWeights().map((w) => w.data()));
      expect(ours.length).toBe(want.length);
      ours.forEach((d, i) => expectAllClose(d, want[i], { rtol: 1e-4, atol: 1e-4 }, `weight ${i} (${m.weights[i].name})`));
      // The moving statistics moved.
      expect(Array.from(ours[6])).not.toEqual(Array.from(initial[6]));
      expect(Array.from(ours[7])).not.toEqual(Array.from(initial[7]));
      // Inference uses the moving statistics, as TF.js' predict.
      const p = m.predict(wg.tensor(x, [N, F]));
      expectAllClose(await p.data(), await (t.predict(tf.tensor2d(x, [N, F])) as tf.Tensor).data(), { rtol: 1e-4, atol: 1e-5 }, 'predict');
      p.dispose();
      m.dispose();
      t.dispose();
    });
  }

  test('on images (axis -1 after conv2d): 3 Adam steps as TensorFlow.js', async () => {
    const rng = new Rng(9);
    const shape = [5, 4, 3];
    // No conv bias: batch normalization cancels it, so its gradient is float
    // noise, which Adam's normalized steps would amplify differently in each library.
    const m = wg.sequential({ layers: [
      wg.layers.conv2d({ filters: 4, kernelSize: 2, useBias: false, inputShape: shape, kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) }),
      wg.layers.batchNormalization({ momentum: 0.7 }),
      wg.layers.flatten(),
      wg.layers.dense({ units: C, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 6 }) }),
    ] });
    const t = tf.sequential({ layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 2, useBias: false, inputShape: shape }),
      tf.layers.batchNormalization({ momentum: 0.7 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: C, activation: 'softmax' }),
    ] });
    perturb(m, 10);
    t.setWeights(await toTf(m));
    m.compile({ optimizer: wg.train.adam(0.02), loss: 'categoricalCrossentropy' });
    t.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
    const x = Array.from({ length: N * 60 }, () => rng.uniform(-1, 2));
    const y = data(4).y;
    const losses: number[] = [];
    const theirs: number[] = [];
    for (let s = 0; s < 3; s++) {
      losses.push((await m.trainOnBatch({ data: Float32Array.from(x), shape: [N, ...shape] }, { data: Float32Array.from(y), shape: [N, C] })) as number);
      theirs.push((await t.trainOnBatch(tf.tensor(x, [N, ...shape]), tf.tensor2d(y, [N, C]))) as number);
    }
    expectAllClose(losses, theirs, { rtol: 1e-4, atol: 1e-4 }, 'losses');
    const ours = await Promise.all(m.getWeights().map((w) => w.data()));
    const want = await Promise.all(t.getWeights().map((w) => w.data()));
    ours.forEach((d, i) => expectAllClose(d, want[i], { rtol: 1e-4, atol: 1e-4 }, `weight ${i} (${m.weights[i].name})`));
    const p = m.predict(wg.tensor(x, [N, ...shape]));
    expectAllClose(await p.data(), await (t.predict(tf.tensor(x, [N, ...shape])) as tf.Tensor).data(), { rtol: 1e-4, atol: 1e-5 }, 'predict');
    p.dispose();
    m.dispose();
    t.dispose();
  });

  test('a middle axis (axis 1 of [n, 3, 4]): inference and a training step\'s moving statistics equal a float64 reference', async () => {
    // Checked against float64 rather than TF.js: TF.js' CPU batchNorm kernel
    // cycles through the per-feature values as if they ran along the last
    // axis (gamma [1, 2, 3] on axis 1 of ones([1, 3, 4]) gives rows
    // [1, 2, 3, 1], [2, 3, 1, 2], ...), and its training path fails on a reshape.
    const rng = new Rng(12);
    const eps = 0.01;
    const m = wg.sequential({ layers: [wg.layers.batchNormalization({ axis: 1, momentum: 0.6, epsilon: eps, inputShape: [3, 4] }), wg.layers.flatten()] });
    perturb(m, 11);
    const [gamma, beta, movingMean, movingVar] = await Promise.all(m.getWeights().map((w) => w.data()));
    const x = Array.from({ length: N * 12 }, () => Math.fround(rng.uniform(-1, 2)));
    const feature = (k: number): number => Math.floor(k / 4) % 3;
    const want = x.map((v, k) => {
      const f = feature(k);
      return ((v - movingMean[f]) / Math.sqrt(movingVar[f] + eps)) * gamma[f] + beta[f];
    });
    const p = m.predict(wg.tensor(x, [N, 3, 4]));
    expectAllClose(await p.data(), want, { rtol: 1e-5, atol: 1e-5 }, 'predict');
    m.compile({ optimizer: wg.train.sgd(0.1), loss: 'meanSquaredError' });
    await m.trainOnBatch({ data: Float32Array.from(x), shape: [N, 3, 4] }, { data: new Float32Array(N * 12), shape: [N, 12] });
    const [mean2, var2] = await Promise.all(m.getWeights().slice(2).map((w) => w.data()));
    for (let f = 0; f < 3; f++) {
      const vals = x.filter((_, k) => feature(k) === f);
      const mu = vals.reduce((a, v) => a + v, 0) / vals.length;
      const variance = vals.reduce((a, v) => a + (v - mu) ** 2, 0) / vals.length;
      expectAllClose(mean2[f], movingMean[f] - (movingMean[f] - mu) * 0.4, { rtol: 1e-5, atol: 1e-6 }, `moving mean ${f}`);
      expectAllClose(var2[f], movingVar[f] - (movingVar[f] - variance) * 0.4, { rtol: 1e-5, atol: 1e-6 }, `moving variance ${f}`);
    }
    p.dispose();
    m.dispose();
  });

  test('save and load both ways: webgrad -> TF.js and TF.js (trained, dropout 0.5) -> webgrad predict the same', async () => {
    const { x, y } = data(2);
    const m = ourModel(0.3);
    perturb(m, 8);
    const ours = await m.predict(wg.tensor(x, [N, F])).data();
    let artifacts: wg.io.ModelArtifacts | undefined;
    await m.save(wg.io.withSaveHandler((a) => {
      artifacts = a;
    }));
    const t = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(t.layers.map((l) => l.getClassName())).toEqual(['Dense', 'BatchNormalization', 'Dropout', 'Dense']);
    expect((t.layers[2].getConfig() as { rate: number }).rate).toBe(0.3);
    expectAllClose(await (t.predict(tf.tensor2d(x, [N, F])) as tf.Tensor).data(), ours, { rtol: 1e-4, atol: 1e-5 }, 'TF.js loads ours');
    const reloaded = await wg.loadLayersModel(wg.io.fromMemory(artifacts!));
    expectAllClose(await reloaded.predict(wg.tensor(x, [N, F])).data(), ours, { rtol: 0, atol: 0 }, 'we reload ours');
    expect((reloaded.layers[2] as wg.layers.Dropout).seed).toBe(4);

    const theirs = theirModel(0.5);
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    await theirs.fit(tf.tensor2d(x, [N, F]), tf.tensor2d(y, [N, C]), { epochs: 3, batchSize: 5, verbose: 0 });
    let tfArtifacts: tf.io.ModelArtifacts | undefined;
    await theirs.save(tf.io.withSaveHandler(async (a) => {
      tfArtifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await wg.loadLayersModel(wg.io.fromMemory(tfArtifacts as wg.io.ModelArtifacts));
    expect(loaded.layers.map((l) => l.className)).toEqual(['Dense', 'BatchNormalization', 'Dropout', 'Dense']);
    const movingMean = await loaded.layers[1].getWeights()[2].data();
    expectAllClose(movingMean, await theirs.layers[1].getWeights()[2].data(), { rtol: 0, atol: 0 }, 'moving mean loaded');
    expect(Array.from(movingMean).some((v) => v !== 0)).toBe(true);
    expectAllClose(await loaded.predict(wg.tensor(x, [N, F])).data(), await (theirs.predict(tf.tensor2d(x, [N, F])) as tf.Tensor).data(), { rtol: 1e-4, atol: 1e-5 }, 'we load TF.js');
    for (const model of [m, reloaded, loaded]) model.dispose();
    t.dispose();
    theirs.dispose();
  });

  test('dropout in compiled steps: the mask of (seed, step) and a new one every step; eager apply and predict', async () => {
    const units = 8;
    const batch = 2;
    const m = wg.sequential({ layers: [
      wg.layers.dense({ units, useBias: false, kernelInitializer: 'ones', inputShape: [1] }),
      wg.layers.dropout({ rate: 0.5, seed: 11 }),
    ] });
    // A negligible learning rate: the output stays the mask times 2, the loss 4 * the kept fraction.
    m.compile({ optimizer: wg.train.sgd(1e-9), loss: 'meanSquaredError' });
    const xs = { data: new Float32Array(batch).fill(1), shape: [batch, 1] };
    const ys = { data: new Float32Array(batch * units), shape: [batch, units] };
    const losses: number[] = [];
    for (let s = 0; s < 4; s++) losses.push((await m.trainOnBatch(xs, ys)) as number);
    const want = [0, 1, 2, 3].map((step) => {
      let kept = 0;
      for (let i = 0; i < batch * units; i++) kept += keepRef(i, step, 0.5, 11);
      return (4 * kept) / (batch * units);
    });
    expectAllClose(losses, want, { rtol: 1e-5, atol: 1e-6 }, 'losses of steps 0..3');
    expect(new Set(want).size).toBeGreaterThan(1);
    // Inference: the identity.
    expect(Array.from(await m.predict(wg.ones([batch, 1])).data()).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    // Eager training calls count their own steps from 0.
    const layer = wg.layers.dropout({ rate: 0.5, seed: 11 });
    const x = wg.ones([batch, units]);
    for (const step of [0, 1]) {
      const got = await layer.apply(x, { training: true }).data();
      expect(Array.from(got)).toEqual(Array.from({ length: batch * units }, (_, i) => 2 * keepRef(i, step, 0.5, 11)));
    }
    expect(Array.from(await layer.apply(x).data())).toEqual(Array.from(new Float32Array(batch * units).fill(1)));
    x.dispose();
    m.dispose();
  });

  test('with fixed seeds two fits give identical weights; another dropout seed gives others', async () => {
    const { x, y } = data(3);
    const train = async (dropoutSeed: number): Promise<number[][]> => {
      const m = wg.sequential({ layers: [
        wg.layers.dense({ units: 16, activation: 'tanh', inputShape: [F], kernelInitializer: wg.initializers.glorotUniform({ seed: 5 }) }),
        wg.layers.dropout({ rate: 0.5, seed: dropoutSeed }),
        wg.layers.dense({ units: C, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 6 }) }),
      ] });
      m.compile({ optimizer: wg.train.adam(0.05), loss: 'categoricalCrossentropy' });
      await m.fit(wg.tensor(x, [N, F]), wg.tensor(y, [N, C]), { epochs: 3, batchSize: 5, shuffle: false, verbose: 0 });
      const w = await Promise.all(m.getWeights().map(async (t) => Array.from(await t.data())));
      m.dispose();
      return w;
    };
    const a = await train(21);
    const b = await train(21);
    const c = await train(22);
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
  });

  test('bad rate, noiseShape, axis and momentum are named errors', () => {
    expect(() => wg.layers.dropout({ rate: 1 })).toThrow("dropout: argument 'rate' must be a number in [0, 1), but got 1.");
    expect(() => wg.layers.dropout({ rate: -0.2 })).toThrow("dropout: argument 'rate' must be a number in [0, 1), but got -0.2.");
    expect(() => wg.layers.dropout({ rate: 0.5, noiseShape: [0] })).toThrow(/dropout: argument 'noiseShape' must be an array of positive integers or null/);
    expect(() => wg.sequential({ layers: [wg.layers.dropout({ rate: 0.5, noiseShape: [null, 3], inputShape: [4], name: 'drop' })] }))
      .toThrow(/drop: argument 'noiseShape' must be sizes that broadcast over the input shape \[null,4\]/);
    expect(() => wg.layers.batchNormalization({ axis: 0 })).toThrow(/batchNormalization: argument 'axis' must be a non-zero integer/);
    expect(() => wg.layers.batchNormalization({ axis: 1.5 })).toThrow(/batchNormalization: argument 'axis' must be a non-zero integer/);
    expect(() => wg.layers.batchNormalization({ momentum: 2 })).toThrow("batchNormalization: argument 'momentum' must be a number in [0, 1], but got 2.");
    expect(() => wg.sequential({ layers: [wg.layers.dense({ units: 3, inputShape: [2] }), wg.layers.batchNormalization({ axis: 2, name: 'bn' })] }))
      .toThrow(/bn: argument 'axis' must be a feature axis of inputs of shape \[null,3\] \(in \[1, 1\] or \[-1, -1\]\), but got 2/);
  });
});
