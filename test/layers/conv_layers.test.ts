// Conv2D, MaxPooling2D, AveragePooling2D and GlobalAveragePooling2D compute
// what TensorFlow.js' layers compute with the same weights, and CNNs cross
// between the libraries in the TensorFlow.js Layers format both ways.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';

const IN: [number, number, number] = [9, 8, 3];

function tfModel(): tf.Sequential {
  return tf.sequential({
    name: 'cnn',
    layers: [
      tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: IN, name: 'c1' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
      tf.layers.conv2d({ filters: 6, kernelSize: [2, 3], strides: 2, padding: 'valid', activation: 'tanh', useBias: false, name: 'c2' }),
      tf.layers.averagePooling2d({ poolSize: [1, 2], strides: 1, padding: 'same', name: 'p2' }),
      tf.layers.conv2d({ filters: 7, kernelSize: 1, dilationRate: 1, activation: 'sigmoid', name: 'c3' }),
      tf.layers.globalAveragePooling2d({ name: 'g' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'd' }),
    ],
  });
}

function wgModel(): wg.Sequential {
  return wg.sequential({
    name: 'cnn',
    layers: [
      wg.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: IN, name: 'c1' }),
      wg.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
      wg.layers.conv2d({ filters: 6, kernelSize: [2, 3], strides: 2, padding: 'valid', activation: 'tanh', useBias: false, name: 'c2' }),
      wg.layers.averagePooling2d({ poolSize: [1, 2], strides: 1, padding: 'same', name: 'p2' }),
      wg.layers.conv2d({ filters: 7, kernelSize: 1, dilationRate: 1, activation: 'sigmoid', name: 'c3' }),
      wg.layers.globalAveragePooling2d({ name: 'g' }),
      wg.layers.dense({ units: 3, activation: 'softmax', name: 'd' }),
    ],
  });
}

/** Random values for every weight (biases too, which start at zero). */
function randomWeights(shapes: readonly (readonly number[])[], seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => Math.fround(rng.uniform(-0.5, 0.5))));
}

/** Runs a webgrad model layer by layer (model.predict takes 2-D data until N-D inputs land in data.ts). */
async function forward(model: wg.Sequential, x: Float32Array, n: number): Promise<Float32Array> {
  let h = wg.tensor(x, [n, ...IN]);
  for (const l of model.layers) h = l.apply(h);
  return (await h.data()) as Float32Array;
}

function tfForward(model: tf.LayersModel, x: Float32Array, n: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(x, [n, ...IN])) as tf.Tensor).dataSync() as Float32Array);
}

const input = (n: number, seed: number): Float32Array => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * IN[0] * IN[1] * IN[2] }, () => Math.fround(rng.uniform(-1, 1)));
};

describeEachBackend('conv layers match TensorFlow.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  test('same weights, same outputs and shapes; configs name the same classes', async () => {
    const t = tfModel();
    const w = wgModel();
    expect(w.layers.map((l) => l.className)).toEqual(t.layers.map((l) => l.getClassName()));
    expect(w.outputShape).toEqual(t.outputShape);
    const shapes = t.getWeights().map((v) => v.shape);
    expect(w.getWeights().map((v) => v.shape)).toEqual(shapes);
    const values = randomWeights(shapes, 1501);
    t.setWeights(values.map((v, i) => tf.tensor(v, shapes[i])));
    w.setWeights(values.map((v, i) => wg.tensor(v, [...shapes[i]])));
    const x = input(4, 1502);
    expectAllClose(await forward(w, x, 4), tfForward(t, x, 4), { rtol: 1e-4, atol: 1e-5 }, 'outputs');
    expect(w.countParams()).toBe(t.countParams());
    t.dispose();
    w.dispose();
  });

  test('a TensorFlow.js CNN loads in webgrad and predicts the same', async () => {
    const t = tfModel();
    const shapes = t.getWeights().map((v) => v.shape);
    t.setWeights(randomWeights(shapes, 1503).map((v, i) => tf.tensor(v, shapes[i])));
    let saved: tf.io.ModelArtifacts | null = null;
    await t.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const w = await wg.loadLayersModel(wg.io.fromMemory(saved! as wg.io.ModelArtifacts));
    expect(w.layers.map((l) => l.name)).toEqual(['c1', 'p1', 'c2', 'p2', 'c3', 'g', 'd']);
    const x = input(3, 1504);
    expectAllClose(await forward(w, x, 3), tfForward(t, x, 3), { rtol: 1e-4, atol: 1e-5 }, 'loaded in webgrad');
    t.dispose();
    w.dispose();
  });

  test('a webgrad CNN loads in TensorFlow.js and predicts the same', async () => {
    const w = wgModel();
    const shapes = w.getWeights().map((v) => v.shape);
    w.setWeights(randomWeights(shapes, 1505).map((v, i) => wg.tensor(v, [...shapes[i]])));
    let saved: wg.io.ModelArtifacts | null = null;
    await w.save(wg.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const t = await tf.loadLayersModel(tf.io.fromMemory(saved! as tf.io.ModelArtifacts));
    expect(t.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'MaxPooling2D', 'Conv2D', 'AveragePooling2D', 'Conv2D', 'GlobalAveragePooling2D', 'Dense']);
    const x = input(2, 1506);
    expectAllClose(await forward(w, x, 2), tfForward(t, x, 2), { rtol: 1e-4, atol: 1e-5 }, 'loaded in TensorFlow.js');
    t.dispose();
    w.dispose();
  });

  test('bad layer arguments are named', () => {
    expect(() => wg.layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(/conv2d: argument 'filters'/);
    expect(() => wg.layers.conv2d({ filters: 2, kernelSize: [3, 0] as [number, number] })).toThrow(/conv2d: argument 'kernelSize'/);
    expect(() => wg.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'causal' as 'same' })).toThrow(/conv2d: argument 'padding'/);
    expect(() => wg.layers.maxPooling2d({ strides: -1 })).toThrow(/maxPooling2d: argument 'strides'/);
    const c = wg.layers.conv2d({ filters: 2, kernelSize: 5 });
    expect(() => c.apply(wg.zeros([1, 3, 3, 1]))).toThrow(/the kernel 5x5 is larger than the input 3x3/);
    expect(() => wg.layers.globalAveragePooling2d().apply(wg.zeros([2, 3]))).toThrow(/expected a 4-D input/);
  });
});
