// Models cross between webgrad and TensorFlow.js in both directions and
// predict the same: webgrad saves → tf.loadLayersModel; tf model.save →
// files on disk → webgrad.loadLayersModel('file://...').
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose, inputs, tempDir, tfArtifacts, writeArtifacts } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tfPredict(model: tf.LayersModel, x: Float32Array, rows: number, cols: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(x, [rows, cols])) as tf.Tensor).dataSync() as Float32Array);
}

async function wgPredict(model: wg.Sequential, x: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  const y = model.predict({ data: x, shape: [rows, cols] });
  const v = (await y.data()) as Float32Array;
  y.dispose();
  return v;
}

/** A webgrad model using every activation, with and without bias, with trained (non-initial) weights. */
function webgradModel(): wg.Sequential {
  const model = wg.sequential({
    name: 'every_activation',
    layers: [
      wg.layers.dense({ units: 7, activation: 'relu', inputShape: [5], name: 'd_relu' }),
      wg.layers.dense({ units: 6, activation: 'leakyRelu', name: 'd_leaky' }),
      wg.layers.dense({ units: 6, activation: 'gelu', useBias: false, name: 'd_gelu' }),
      wg.layers.dense({ units: 5, activation: 'swish', name: 'd_swish' }),
      wg.layers.dense({ units: 5, activation: 'elu', useBias: false, name: 'd_elu' }),
      wg.layers.dense({ units: 5, activation: 'tanh', name: 'd_tanh' }),
      wg.layers.dense({ units: 4, activation: 'sigmoid', name: 'd_sigmoid' }),
      wg.layers.dense({ units: 4, activation: 'linear', name: 'd_linear' }),
      wg.layers.dense({ units: 3, activation: 'softmax', name: 'd_softmax' }),
    ],
  });
  // Random biases too (they start at zero), so a wrong bias mapping shows.
  const ws = model.getWeights().map((w, i) => {
    const t = wg.tensor(inputs(w.shape.reduce((a, b) => a * b, 1), 1, 100 + i).map((v) => v * 0.4), w.shape);
    w.dispose();
    return t;
  });
  model.setWeights(ws);
  ws.forEach((t) => t.dispose());
  return model;
}

describeEachBackend('webgrad → TensorFlow.js', () => {
  test('artifacts load in tf.loadLayersModel and predict the same', async () => {
    const model = webgradModel();
    let artifacts: wg.io.ModelArtifacts | null = null;
    await model.save(wg.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts! as tf.io.ModelArtifacts));
    expect(tfModel.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense', 'LeakyReLU', 'Dense', 'Dense', 'Dense', 'Dense', 'Dense', 'Dense', 'Dense']);
    expect(tfModel.name).toBe('every_activation');
    const x = inputs(9, 5, 3);
    expectClose(await wgPredict(model, x, 9, 5), tfPredict(tfModel, x, 9, 5));
    tfModel.dispose();
    model.dispose();
  });

  test("file:// output (model.json + weights.bin) loads in TF.js", async () => {
    const model = webgradModel();
    const dir = join(tempDir('wg2tf'), 'nested', 'model');
    await model.save(`file://${dir}`);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.modelTopology.class_name).toBe('Sequential');
    const first = json.modelTopology.config.layers[0];
    expect(first.class_name).toBe('Dense');
    expect(first.config).toMatchObject({ units: 7, activation: 'relu', use_bias: true, batch_input_shape: [null, 5], dtype: 'float32', name: 'd_relu', trainable: true });
    expect(first.config.kernel_initializer.class_name).toBeTypeOf('string');
    const bin = readFileSync(join(dir, 'weights.bin'));
    const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
    const x = inputs(4, 5, 11);
    expectClose(await wgPredict(model, x, 4, 5), tfPredict(tfModel, x, 4, 5));
    tfModel.dispose();
    model.dispose();
  });
});

/** A TF.js model of Dense layers: several activations, with and without bias. */
function tfModel(): tf.Sequential {
  const m = tf.sequential({ name: 'from_tfjs' });
  m.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }));
  m.add(tf.layers.dense({ units: 8, activation: 'tanh', useBias: false }));
  m.add(tf.layers.dense({ units: 7, activation: 'sigmoid' }));
  m.add(tf.layers.dense({ units: 7, activation: 'elu' }));
  m.add(tf.layers.dense({ units: 6, activation: 'swish', useBias: false }));
  m.add(tf.layers.dense({ units: 6, activation: 'gelu' }));
  m.add(tf.layers.dense({ units: 5 })); // linear
  m.add(tf.layers.dense({ units: 4, activation: 'softmax', biasInitializer: 'randomNormal' }));
  // Non-zero biases everywhere.
  m.setWeights(m.getWeights().map((w, i) => tf.tensor(inputs(w.size, 1, 200 + i).map((v) => v * 0.5), w.shape)));
  return m;
}

describeEachBackend('TensorFlow.js → webgrad', () => {
  test("tf model.save artifacts written to disk load with loadLayersModel('file://...')", async () => {
    const m = tfModel();
    const a = await tfArtifacts(m);
    const path = writeArtifacts(tempDir('tf2wg'), a);
    const model = await wg.loadLayersModel(`file://${path}`);
    expect(model.name).toBe('from_tfjs');
    expect((model.layers as wg.Dense[]).map((l) => l.activation)).toEqual(['relu', 'tanh', 'sigmoid', 'elu', 'swish', 'gelu', 'linear', 'softmax']);
    expect((model.layers as wg.Dense[]).map((l) => l.useBias)).toEqual([true, false, true, true, false, true, true, true]);
    expect(model.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    const x = inputs(10, 6, 5);
    expectClose(await wgPredict(model, x, 10, 6), tfPredict(m, x, 10, 6));
    // The loaded weights are TF.js' exactly.
    const mine = model.getWeights();
    const theirs = m.getWeights();
    for (let i = 0; i < theirs.length; i++) {
      expect(mine[i].shape).toEqual(theirs[i].shape);
      expect(Array.from(await mine[i].data())).toEqual(Array.from(theirs[i].dataSync()));
      mine[i].dispose();
    }
    model.dispose();
    m.dispose();
  });

  test('a folder path finds its model.json; fromMemory loads the artifacts directly', async () => {
    const m = tfModel();
    const a = await tfArtifacts(m);
    const dir = tempDir('tf2wg-dir');
    writeArtifacts(dir, a);
    const x = inputs(3, 6, 9);
    const expected = tfPredict(m, x, 3, 6);
    const fromDir = await wg.loadLayersModel(`file://${dir}`);
    expectClose(await wgPredict(fromDir, x, 3, 6), expected);
    const fromMem = await wg.loadLayersModel(wg.io.fromMemory(a as wg.io.ModelArtifacts));
    expectClose(await wgPredict(fromMem, x, 3, 6), expected);
    fromDir.dispose();
    fromMem.dispose();
    m.dispose();
  });

  test('TF.js LeakyReLU(alpha 0.01), ReLU and Softmax layers after a linear Dense fold into it; an Activation layer stays a layer', async () => {
    const m = tf.sequential();
    m.add(tf.layers.inputLayer({ inputShape: [4] }));
    m.add(tf.layers.dense({ units: 5 }));
    m.add(tf.layers.leakyReLU({ alpha: 0.01 }));
    m.add(tf.layers.dense({ units: 5 }));
    m.add(tf.layers.activation({ activation: 'tanh' }));
    m.add(tf.layers.dense({ units: 4 }));
    m.add(tf.layers.reLU());
    m.add(tf.layers.dense({ units: 3 }));
    m.add(tf.layers.softmax());
    m.setWeights(m.getWeights().map((w, i) => tf.tensor(inputs(w.size, 1, 300 + i), w.shape)));
    const a = await tfArtifacts(m);
    const model = await wg.loadLayersModel(wg.io.fromMemory(a as wg.io.ModelArtifacts));
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'Dense', 'Activation', 'Dense', 'Dense']);
    expect((model.layers as (wg.Dense | wg.layers.Activation)[]).map((l) => l.activation)).toEqual(['leakyRelu', 'linear', 'tanh', 'relu', 'softmax']);
    const x = inputs(6, 4, 13);
    expectClose(await wgPredict(model, x, 6, 4), tfPredict(m, x, 6, 4));
    model.dispose();
    m.dispose();
  });

  test('a loaded TF.js model trains in webgrad and goes back to TF.js', async () => {
    const m = tfModel();
    const model = await wg.loadLayersModel(wg.io.fromMemory((await tfArtifacts(m)) as wg.io.ModelArtifacts));
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const x = inputs(32, 6, 17);
    const y = new Float32Array(32 * 4);
    for (let i = 0; i < 32; i++) y[i * 4 + (i % 4)] = 1;
    await model.fit({ data: x, shape: [32, 6] }, { data: y, shape: [32, 4] }, { epochs: 2, batchSize: 8, verbose: 0 });
    let saved: wg.io.ModelArtifacts | null = null;
    await model.save(wg.io.withSaveHandler((a) => {
      saved = a;
    }));
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved! as tf.io.ModelArtifacts));
    expectClose(await wgPredict(model, x, 32, 6), tfPredict(back, x, 32, 6));
    expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    back.dispose();
    model.dispose();
    m.dispose();
  });
});
