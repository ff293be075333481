// model.json variants written by Keras through tensorflowjs_converter (Keras
// 2: model_config wrapper, InputLayer with batch_input_shape; Keras 3:
// batch_shape, DTypePolicy dtypes, module/registered_name fields; the old
// list form of config.layers; quantized and sharded weights) load in webgrad
// and compute what a plain reference forward pass computes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';
import { expectClose, inputs, tempDir } from './helpers.js';

beforeAll(() => useBackend('cpu'));

type Act = 'relu' | 'tanh' | 'softmax' | 'linear' | 'sigmoid';

/** Reference forward pass of a Dense stack (float64). */
function reference(x: Float32Array, rows: number, layers: { k: Float32Array; b: Float32Array | null; inDim: number; units: number; act: Act }[]): Float64Array {
  let cur = Float64Array.from(x);
  for (const l of layers) {
    const out = new Float64Array(rows * l.units);
    for (let r = 0; r < rows; r++) {
      for (let u = 0; u < l.units; u++) {
        let s = l.b ? l.b[u] : 0;
        for (let i = 0; i < l.inDim; i++) s += cur[r * l.inDim + i] * l.k[i * l.units + u];
        out[r * l.units + u] = s;
      }
      const row = out.subarray(r * l.units, (r + 1) * l.units);
      if (l.act === 'relu') row.forEach((v, i) => (row[i] = Math.max(0, v)));
      if (l.act === 'tanh') row.forEach((v, i) => (row[i] = Math.tanh(v)));
      if (l.act === 'sigmoid') row.forEach((v, i) => (row[i] = 1 / (1 + Math.exp(-v))));
      if (l.act === 'softmax') {
        const m = Math.max(...row);
        const e = row.map((v) => Math.exp(v - m));
        const z = e.reduce((a, b) => a + b, 0);
        row.forEach((_, i) => (row[i] = e[i] / z));
      }
    }
    cur = out;
  }
  return cur;
}

const K1 = inputs(4, 3, 41);
const B1 = inputs(3, 1, 42);
const K2 = inputs(3, 2, 43);
const B2 = inputs(2, 1, 44);
const X = inputs(5, 4, 45);
const EXPECTED = reference(X, 5, [
  { k: K1, b: B1, inDim: 4, units: 3, act: 'relu' },
  { k: K2, b: B2, inDim: 3, units: 2, act: 'softmax' },
]);

function f32bytes(...arrays: Float32Array[]): Uint8Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let off = 0;
  for (const a of arrays) {
    out.set(a, off);
    off += a.length;
  }
  return new Uint8Array(out.buffer);
}

function write(dir: string, json: unknown, files: Record<string, Uint8Array>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return `file://${join(dir, 'model.json')}`;
}

async function predict(model: wg.Sequential, x = X, rows = 5): Promise<Float32Array> {
  const y = model.predict({ data: x, shape: [rows, model.inputDim!] });
  const v = (await y.data()) as Float32Array;
  y.dispose();
  return v;
}

const manifest = (prefix = '', names = ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']) => [{
  paths: ['group1-shard1of1.bin'],
  weights: [
    { name: `${prefix}${names[0]}`, shape: [4, 3], dtype: 'float32' },
    { name: `${prefix}${names[1]}`, shape: [3], dtype: 'float32' },
    { name: `${prefix}${names[2]}`, shape: [3, 2], dtype: 'float32' },
    { name: `${prefix}${names[3]}`, shape: [2], dtype: 'float32' },
  ],
}];

const keras2Dense = (name: string, units: number, activation: string) => ({
  class_name: 'Dense',
  config: {
    name, trainable: true, dtype: 'float32', units, activation, use_bias: true,
    kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  },
});

test('Keras 2 (model_config wrapper, InputLayer with batch_input_shape, training_config)', async () => {
  const json = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' } },
            keras2Dense('dense', 3, 'relu'),
            keras2Dense('dense_1', 2, 'softmax'),
          ],
        },
      },
      training_config: { loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001 } } },
    },
    weightsManifest: manifest(),
  };
  const model = await wg.loadLayersModel(write(tempDir('keras2'), json, { 'group1-shard1of1.bin': f32bytes(K1, B1, K2, B2) }));
  expect(model.name).toBe('sequential');
  expect((model.layers as wg.Dense[]).map((l) => [l.name, l.units, l.activation])).toEqual([['dense', 3, 'relu'], ['dense_1', 2, 'softmax']]);
  expect(model.inputDim).toBe(4);
  expectClose(await predict(model), EXPECTED);
  model.dispose();
});

test('Keras 3 (batch_shape, DTypePolicy, module/registered_name, build_config, prefixed weight names)', async () => {
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const dense = (name: string, units: number, activation: string) => ({
    module: 'keras.layers',
    class_name: 'Dense',
    config: {
      name, trainable: true, dtype: policy, units, activation, use_bias: true,
      kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null,
    },
    registered_name: null,
    build_config: { input_shape: [null, 4] },
  });
  const json = {
    format: 'layers-model',
    generatedBy: 'keras v3.3.3',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'sequential_3', trainable: true, dtype: policy,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
          dense('dense', 3, 'relu'),
          dense('dense_1', 2, 'softmax'),
        ],
      },
      keras_version: '3.3.3',
      backend: 'tensorflow',
    },
    weightsManifest: manifest('sequential_3/'),
  };
  const model = await wg.loadLayersModel(write(tempDir('keras3'), json, { 'group1-shard1of1.bin': f32bytes(K1, B1, K2, B2) }));
  expectClose(await predict(model), EXPECTED);
  model.dispose();
});

test("old list form of config, batch_input_shape on the first Dense, ':0' weight names, weights in another order", async () => {
  const first = keras2Dense('d1', 3, 'relu');
  (first.config as Record<string, unknown>).batch_input_shape = [null, 4];
  const json = {
    modelTopology: { class_name: 'Sequential', config: [first, keras2Dense('d2', 2, 'softmax')], keras_version: '2.1.6', backend: 'tensorflow' },
    weightsManifest: [{
      paths: ['w.bin'],
      weights: [
        { name: 'd2/bias:0', shape: [2], dtype: 'float32' },
        { name: 'd1/kernel:0', shape: [4, 3], dtype: 'float32' },
        { name: 'd2/kernel:0', shape: [3, 2], dtype: 'float32' },
        { name: 'd1/bias:0', shape: [3], dtype: 'float32' },
      ],
    }],
  };
  const model = await wg.loadLayersModel(write(tempDir('listform'), json, { 'w.bin': f32bytes(B2, K1, K2, B1) }));
  expect(model.layers.map((l) => l.name)).toEqual(['d1', 'd2']);
  expectClose(await predict(model), EXPECTED);
  model.dispose();
});

test('weights split across shard files (a weight spanning two shards) and across manifest groups', async () => {
  const bytes = f32bytes(K1, B1, K2, B2);
  const json = {
    modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ ...keras2Dense('dense', 3, 'relu'), config: { ...keras2Dense('dense', 3, 'relu').config, batch_input_shape: [null, 4] } }, keras2Dense('dense_1', 2, 'softmax')] } },
    weightsManifest: [
      { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: manifest()[0].weights.slice(0, 2) },
      { paths: ['group2-shard1of1.bin'], weights: manifest()[0].weights.slice(2) },
    ],
  };
  const g1 = (4 * 3 + 3) * 4;
  const url = write(tempDir('shards'), json, {
    'group1-shard1of2.bin': bytes.slice(0, 22), // cuts the kernel in the middle of a float
    'group1-shard2of2.bin': bytes.slice(22, g1),
    'group2-shard1of1.bin': bytes.slice(g1),
  });
  const model = await wg.loadLayersModel(url);
  expectClose(await predict(model), EXPECTED);
  model.dispose();
});

test('quantized weights (uint8, uint16, float16) are dequantized', async () => {
  // Kernel 1 as uint8 with scale/min, bias 1 as float16, kernel 2 as uint16, bias 2 float32.
  const q8 = Uint8Array.from(K1, (v) => Math.round((v + 2) / (4 / 255)));
  const k1 = Float32Array.from(q8, (q) => q * (4 / 255) - 2);
  const h16 = new Uint16Array([0x3c00, 0xc000, 0x3800]); // 1, -2, 0.5
  const b1 = new Float32Array([1, -2, 0.5]);
  const q16 = Uint16Array.from(K2, (v) => Math.round((v + 2) / (4 / 65535)));
  const k2 = Float32Array.from(q16, (q) => q * (4 / 65535) - 2);
  const bytes = new Uint8Array(q8.length + h16.byteLength + q16.byteLength + B2.byteLength);
  let off = 0;
  for (const part of [q8, new Uint8Array(h16.buffer), new Uint8Array(q16.buffer), new Uint8Array(B2.buffer.slice(0))]) {
    bytes.set(part, off);
    off += part.length;
  }
  const json = {
    modelTopology: { class_name: 'Sequential', config: { name: 'q', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 4] } }, keras2Dense('dense', 3, 'relu'), keras2Dense('dense_1', 2, 'softmax')] } },
    weightsManifest: [{
      paths: ['q.bin'],
      weights: [
        { name: 'dense/kernel', shape: [4, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 4 / 255, min: -2 } },
        { name: 'dense/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'dense_1/kernel', shape: [3, 2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 4 / 65535, min: -2 } },
        { name: 'dense_1/bias', shape: [2], dtype: 'float32' },
      ],
    }],
  };
  const model = await wg.loadLayersModel(write(tempDir('quant'), json, { 'q.bin': bytes }));
  const expected = reference(X, 5, [
    { k: k1, b: b1, inDim: 4, units: 3, act: 'relu' },
    { k: k2, b: B2, inDim: 3, units: 2, act: 'softmax' },
  ]);
  expectClose(await predict(model), expected);
  model.dispose();
});

test('optimizer weights (group: optimizer) are skipped; a model without an input shape takes it from the first kernel', async () => {
  const json = {
    modelTopology: { class_name: 'Sequential', config: { name: 'noshape', layers: [keras2Dense('dense', 3, 'relu'), keras2Dense('dense_1', 2, 'softmax')] } },
    weightsManifest: [{
      paths: ['w.bin'],
      weights: [...manifest()[0].weights, { name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' }, { name: 'dense/kernel/m', shape: [4, 3], dtype: 'float32', group: 'optimizer' }],
    }],
  };
  const bytes = new Uint8Array([...f32bytes(K1, B1, K2, B2), 7, 0, 0, 0, ...new Uint8Array(48)]);
  const model = await wg.loadLayersModel(write(tempDir('optw'), json, { 'w.bin': bytes }));
  expect(model.inputDim).toBe(4);
  expectClose(await predict(model), EXPECTED);
  model.dispose();
});

test("unknown initializers (e.g. Orthogonal) fall back to webgrad's defaults; the saved weights are used", async () => {
  const d = keras2Dense('dense', 3, 'tanh');
  (d.config as Record<string, unknown>).kernel_initializer = { class_name: 'Orthogonal', config: { gain: 1, seed: null } };
  (d.config as Record<string, unknown>).batch_input_shape = [null, 4];
  const json = { modelTopology: { class_name: 'Sequential', config: { name: 'o', layers: [d] } }, weightsManifest: [{ paths: ['w.bin'], weights: manifest()[0].weights.slice(0, 2) }] };
  const model = await wg.loadLayersModel(write(tempDir('ortho'), json, { 'w.bin': f32bytes(K1, B1) }));
  expectClose(await predict(model), reference(X, 5, [{ k: K1, b: B1, inDim: 4, units: 3, act: 'tanh' }]));
  model.dispose();
});
