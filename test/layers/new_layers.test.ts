// The Activation, Embedding and LayerNormalization layers against
// TensorFlow.js: for models holding each of them, with the same (random)
// weights and the same batch, predictions and 5 steps of SGD and of Adam
// (losses and every weight) equal TF.js' within 1e-4; models saved by webgrad
// load in TF.js and the reverse, predicting the same; bad arguments are
// named errors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';
import { describeEachBackend } from '../helpers/backends.js';

const N = 8;
const CLASSES = 3;
const VOCAB = 10;
const LEN = 5;

interface Case {
  title: string;
  /** The shape of one sample. */
  sample: number[];
  /** Sample values: integers in [0, VOCAB) for models starting with an Embedding. */
  indices: boolean;
  ours: () => wg.Sequential;
  theirs: () => tf.Sequential;
  /** Class names of the layers, as both libraries write them. */
  classes: string[];
}

const CASES: Case[] = [
  {
    title: 'Activation layers (relu, tanh, softmax) between linear Dense layers',
    sample: [5],
    indices: false,
    ours: () => wg.sequential({ layers: [
      wg.layers.dense({ units: 6, inputShape: [5] }), wg.layers.activation({ activation: 'relu' }),
      wg.layers.dense({ units: 4 }), wg.layers.activation({ activation: 'tanh' }),
      wg.layers.dense({ units: CLASSES }), wg.layers.activation({ activation: 'softmax' }),
    ] }),
    theirs: () => tf.sequential({ layers: [
      tf.layers.dense({ units: 6, inputShape: [5] }), tf.layers.activation({ activation: 'relu' }),
      tf.layers.dense({ units: 4 }), tf.layers.activation({ activation: 'tanh' }),
      tf.layers.dense({ units: CLASSES }), tf.layers.activation({ activation: 'softmax' }),
    ] }),
    classes: ['Dense', 'Activation', 'Dense', 'Activation', 'Dense', 'Activation'],
  },
  {
    title: 'Embedding -> Flatten -> Dense',
    sample: [LEN],
    indices: true,
    ours: () => wg.sequential({ layers: [
      wg.layers.embedding({ inputDim: VOCAB, outputDim: 4, inputLength: LEN }), wg.layers.flatten(),
      wg.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ] }),
    theirs: () => tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: VOCAB, outputDim: 4, inputLength: LEN }), tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ] }),
    classes: ['Embedding', 'Flatten', 'Dense'],
  },
  {
    title: 'Dense -> LayerNormalization (last axis) -> Dense',
    sample: [5],
    indices: false,
    ours: () => wg.sequential({ layers: [
      wg.layers.dense({ units: 6, inputShape: [5] }), wg.layers.layerNormalization(),
      wg.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ] }),
    theirs: () => tf.sequential({ layers: [
      tf.layers.dense({ units: 6, inputShape: [5] }), tf.layers.layerNormalization(),
      tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ] }),
    classes: ['Dense', 'LayerNormalization', 'Dense'],
  },
  {
    title: 'Embedding -> LayerNormalization over axes [1, 2] -> Flatten -> Dense',
    sample: [LEN],
    indices: true,
    ours: () => wg.sequential({ layers: [
      wg.layers.embedding({ inputDim: VOCAB, outputDim: 3, inputShape: [LEN] }),
      wg.layers.layerNormalization({ axis: [1, 2], epsilon: 1e-5 }),
      wg.layers.flatten(), wg.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ] }),
    theirs: () => tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: VOCAB, outputDim: 3, inputShape: [LEN] }),
      tf.layers.layerNormalization({ axis: [1, 2], epsilon: 1e-5 }),
      tf.layers.flatten(), tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ] }),
    classes: ['Embedding', 'LayerNormalization', 'Flatten', 'Dense'],
  },
];

function batch(c: Case, seed: number): { x: number[]; y: number[] } {
  const rng = new Rng(seed);
  const size = c.sample.reduce((a, b) => a * b, 1);
  const x = Array.from({ length: N * size }, () => (c.indices ? Math.floor(rng.next() * VOCAB) : rng.uniform(-1, 1)));
  const y = Array.from({ length: N }, (_, i) => i % CLASSES).flatMap((l) => Array.from({ length: CLASSES }, (_, k) => (k === l ? 1 : 0)));
  return { x, y };
}

/** Our model with every weight random (gamma, beta and biases too), so a wrong mapping shows. */
async function randomized(c: Case, seed: number): Promise<wg.Sequential> {
  const m = c.ours();
  const rng = new Rng(seed);
  const ws = m.getWeights();
  m.setWeights(ws.map((w) => wg.tensor(Array.from({ length: w.size }, () => rng.uniform(-0.8, 0.8)), w.shape)));
  wg.dispose(ws);
  return m;
}

async function copyTo(m: wg.Sequential, t: tf.LayersModel): Promise<void> {
  t.setWeights(await Promise.all(m.getWeights().map(async (w) => tf.tensor(await w.data(), w.shape as number[]))));
}

const xShape = (c: Case): number[] => [N, ...c.sample];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeEachBackend('Activation, Embedding and LayerNormalization layers vs TensorFlow.js', (backend) => {
  CASES.forEach((c, k) => {
    for (const opt of ['sgd', 'adam'] as const) {
      test(`${c.title}: predictions, then 5 ${opt} steps (losses and weights) equal TF.js' within 1e-4`, async () => {
        const m = await randomized(c, 10 + k);
        const t = c.theirs();
        await copyTo(m, t);
        const { x, y } = batch(c, 20 + k);
        const ours = await m.predict(wg.tensor(x, xShape(c))).data();
        expectAllClose(ours, await (t.predict(tf.tensor(x, xShape(c))) as tf.Tensor).data(), { rtol: 1e-4, atol: 1e-5 }, 'predict');

        m.compile({ optimizer: opt === 'sgd' ? wg.train.sgd(0.1) : wg.train.adam(0.01), loss: 'categoricalCrossentropy' });
        t.compile({ optimizer: opt === 'sgd' ? tf.train.sgd(0.1) : tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
        const xs = { data: Float32Array.from(x), shape: xShape(c) };
        const ys = { data: Float32Array.from(y), shape: [N, CLASSES] };
        const losses: number[] = [];
        const theirs: number[] = [];
        for (let s = 0; s < 5; s++) {
          losses.push((await m.trainOnBatch(xs, ys)) as number);
          theirs.push((await t.trainOnBatch(tf.tensor(x, xShape(c)), tf.tensor2d(y, [N, CLASSES]))) as number);
        }
        expectAllClose(losses, theirs, { rtol: 1e-4, atol: 1e-4 }, 'losses');
        expect(losses[4]).toBeLessThan(losses[0]);
        const got = await Promise.all(m.getWeights().map((w) => w.data()));
        const want = await Promise.all(t.getWeights().map((w) => w.data()));
        expect(got.length).toBe(want.length);
        got.forEach((d, i) => expectAllClose(d, want[i], { rtol: 1e-4, atol: 1e-4 }, `weight ${i} (${m.weights[i].name})`));
        m.dispose();
        t.dispose();
      });
    }

    test(`${c.title}: saved by webgrad, loads in TF.js; saved by TF.js, loads in webgrad; same predictions`, async () => {
      const m = await randomized(c, 30 + k);
      const { x } = batch(c, 40 + k);
      const ours = await m.predict(wg.tensor(x, xShape(c))).data();
      let saved: wg.io.ModelArtifacts | undefined;
      await m.save(wg.io.withSaveHandler((a) => {
        saved = a;
      }));
      const inTf = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      expect(inTf.layers.map((l) => l.getClassName())).toEqual(c.classes);
      expectAllClose(await (inTf.predict(tf.tensor(x, xShape(c))) as tf.Tensor).data(), ours, { rtol: 1e-4, atol: 1e-5 }, 'webgrad -> TF.js');

      // The reverse: a TF.js model with these weights, saved in its format.
      const t = c.theirs();
      await copyTo(m, t);
      let fromTf: tf.io.ModelArtifacts | undefined;
      await t.save(tf.io.withSaveHandler(async (a) => {
        fromTf = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      const back = await wg.loadLayersModel(wg.io.fromMemory(fromTf as wg.io.ModelArtifacts));
      expect(back.layers.map((l) => l.className)).toEqual(c.classes);
      expectAllClose(await back.predict(wg.tensor(x, xShape(c))).data(), ours, { rtol: 1e-5, atol: 1e-6 }, 'TF.js -> webgrad');
      m.dispose();
      back.dispose();
      inTf.dispose();
      t.dispose();
    });
  });

  test('LayerNormalization without beta or without gamma predicts as TF.js', async () => {
    const x = batch(CASES[2], 50).x;
    for (const opts of [{ center: false }, { scale: false }, { center: false, scale: false }]) {
      const m = wg.sequential({ layers: [wg.layers.dense({ units: 6, inputShape: [5] }), wg.layers.layerNormalization(opts)] });
      const t = tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [5] }), tf.layers.layerNormalization(opts)] });
      const rng = new Rng(51);
      const ws = m.getWeights();
      m.setWeights(ws.map((w) => wg.tensor(Array.from({ length: w.size }, () => rng.uniform(-0.8, 0.8)), w.shape)));
      expect(m.weights.map((w) => w.name.split('/')[1])).toEqual(['kernel', 'bias', ...(opts.scale === false ? [] : ['gamma']), ...(opts.center === false ? [] : ['beta'])]);
      await copyTo(m, t);
      const want = await (t.predict(tf.tensor2d(x, [N, 5])) as tf.Tensor).data();
      expectAllClose(await m.predict(wg.tensor(x, [N, 5])).data(), want, { rtol: 1e-4, atol: 1e-5 }, JSON.stringify(opts));
      wg.dispose(ws);
      m.dispose();
      t.dispose();
    }
  });

  test('a TF.js Embedding without inputLength (input shape [null, null]) is refused with a named error; with inputLength it loads', async () => {
    const t = tf.sequential({ layers: [tf.layers.embedding({ inputDim: VOCAB, outputDim: 3 }), tf.layers.layerNormalization()] });
    t.build([null, LEN]);
    t.setWeights(t.getWeights().map((w, i) => tf.randomUniform(w.shape, -1, 1, 'float32', 60 + i)));
    let fromTf: tf.io.ModelArtifacts | undefined;
    await t.save(tf.io.withSaveHandler(async (a) => {
      fromTf = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    await expect(wg.loadLayersModel(wg.io.fromMemory(fromTf as wg.io.ModelArtifacts)))
      .rejects.toThrow(/layer 0 \('embedding_\w+', Embedding\): input shape \[null,null\] is not supported.*make it with inputLength/);
    // The same TF.js model given its sequence length.
    const topology = fromTf!.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
    topology.config.layers[0].config.batch_input_shape = [null, LEN];
    topology.config.layers[0].config.input_length = LEN;
    const m = await wg.loadLayersModel(wg.io.fromMemory(fromTf as wg.io.ModelArtifacts));
    const { x } = batch(CASES[1], 61);
    const got = m.predict(wg.tensor(x, [N, LEN]));
    expect(got.shape).toEqual([N, LEN, 3]);
    expectAllClose(await got.data(), await (t.predict(tf.tensor2d(x, [N, LEN])) as tf.Tensor).data(), { rtol: 1e-4, atol: 1e-5 }, 'TF.js -> webgrad');
    m.dispose();
    t.dispose();
  });

  test('configs round-trip: Embedding and LayerNormalization keep their arguments through save and load', async () => {
    const m = wg.sequential({ layers: [
      wg.layers.embedding({ inputDim: 7, outputDim: 2, inputLength: 3, embeddingsInitializer: 'glorotNormal', name: 'emb' }),
      wg.layers.layerNormalization({ axis: -2, epsilon: 0.01, scale: false, name: 'ln' }),
    ] });
    let saved: wg.io.ModelArtifacts | undefined;
    await m.save(wg.io.withSaveHandler((a) => {
      saved = a;
    }));
    const back = await wg.loadLayersModel(wg.io.fromMemory(saved!));
    const [emb, ln] = back.layers as [wg.layers.Embedding, wg.layers.LayerNormalization];
    expect([emb.inputDim, emb.outputDim, emb.inputLength, emb.embeddingsInitializerObj.className]).toEqual([7, 2, 3, 'VarianceScaling']);
    expect([ln.axis, ln.epsilon, ln.scale, ln.center, ln.weights.map((w) => w.shape)]).toEqual([-2, 0.01, false, true, [[3]]]);
    expect(back.outputShape).toEqual([null, 3, 2]);
    m.dispose();
    back.dispose();
  });

  test('Embedding: int32 indices work as well; an index outside [0, inputDim) is an error on the CPU and clamped on WebGPU', async () => {
    const layer = wg.layers.embedding({ inputDim: 4, outputDim: 2, embeddingsInitializer: 'randomNormal' });
    const rows = await layer.apply(wg.tensor([[3, 0]], [1, 2], 'int32')).data();
    const [w] = layer.getWeights();
    const table = await w.data();
    expect(Array.from(rows)).toEqual([table[6], table[7], table[0], table[1]]);
    const m = wg.sequential({ layers: [layer] });
    const bad = wg.tensor([[1, 5]], [1, 2]);
    if (backend !== 'webgpu') {
      let error: unknown = null;
      try {
        await m.predict(bad).data();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(wg.WebgradError);
      expect(String(error)).toMatch(/gather: argument 'indices' holds 5 .*outside \[0, 3\]/);
    } else {
      expect(Array.from(await m.predict(bad).data())).toEqual([table[2], table[3], table[6], table[7]]);
    }
    m.dispose();
  });
});

test('bad arguments are named errors', () => {
  expect(() => wg.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true })).toThrow(/embedding: argument 'maskZero' must be false \(webgrad layers do not propagate masks/);
  expect(() => wg.layers.embedding({ inputDim: 0, outputDim: 4 })).toThrow(/embedding: argument 'inputDim' must be a positive integer, but got 0/);
  expect(() => wg.layers.embedding({ inputDim: 3, outputDim: 2.5 })).toThrow(/embedding: argument 'outputDim' must be a positive integer/);
  expect(() => wg.layers.embedding({ inputDim: 3, outputDim: 2, inputLength: -1 })).toThrow(/embedding: argument 'inputLength' must be a positive integer/);
  expect(() => wg.sequential({ layers: [wg.layers.embedding({ inputDim: 3, outputDim: 2, inputLength: 4, inputShape: [5] })] })).toThrow(/inputLength is 4, but the input has sequences of length 5/);
  expect(() => wg.layers.layerNormalization({ epsilon: -1 })).toThrow(/layerNormalization: argument 'epsilon' must be a positive finite number/);
  expect(() => wg.layers.layerNormalization({ axis: [1, 1] })).toThrow(/layerNormalization: argument 'axis' must be an integer or a non-empty array of distinct integers/);
  expect(() => wg.sequential({ layers: [wg.layers.layerNormalization({ axis: 0, inputShape: [4] })] })).toThrow(/axis 0 does not name distinct axes of a sample of input shape \[null,4\] \(the batch axis 0/);
  expect(() => wg.sequential({ layers: [wg.layers.layerNormalization({ axis: 2, inputShape: [4] })] })).toThrow(/axis 2 does not name/);
  expect(() => wg.layers.activation({ activation: 'nope' as 'relu' })).toThrow(/activation: unknown activation "nope"; valid activations are 'linear'/);
  expect(() => wg.layers.activation({} as { activation: 'relu' })).toThrow(/activation: argument 'activation' must be an activation name/);
});
