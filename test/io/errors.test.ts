// Every way loading or saving can go wrong names what was wrong.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';
import { tempDir, tfArtifacts, writeArtifacts } from './helpers.js';

let good: tf.io.ModelArtifacts;

beforeAll(async () => {
  await useBackend('cpu');
  await tf.setBackend('cpu');
  const m = tf.sequential({ name: 'err' });
  m.add(tf.layers.dense({ units: 3, activation: 'relu', inputShape: [4], name: 'dense' }));
  m.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'dense_1' }));
  good = await tfArtifacts(m);
  m.dispose();
});

/** A model folder from `good` after `edit(modelJson)`; returns the file:// URL of model.json. */
function fixture(edit: (json: Record<string, any>) => void = () => {}, tag = 'err'): { url: string; dir: string } {
  const dir = tempDir(tag);
  const path = writeArtifacts(dir, good);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
  return { url: `file://${path}`, dir };
}

const topoLayers = (j: Record<string, any>): any[] => j.modelTopology.config.layers;

test('model.json that is not JSON', async () => {
  const dir = tempDir('notjson');
  writeFileSync(join(dir, 'model.json'), '{ "modelTopology": ');
  await expect(wg.loadLayersModel(`file://${join(dir, 'model.json')}`)).rejects.toThrow(/model\.json.*is not valid JSON/);
});

test('model.json without modelTopology', async () => {
  const { url } = fixture((j) => delete j.modelTopology);
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/has no 'modelTopology'/);
});

test('model.json without weightsManifest', async () => {
  const { url } = fixture((j) => delete j.weightsManifest);
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/has no 'weightsManifest'/);
});

test('malformed weightsManifest', async () => {
  const { url } = fixture((j) => (j.weightsManifest = { paths: 'x.bin' }));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/'weightsManifest' must be an array/);
  const { url: url2 } = fixture((j) => (j.weightsManifest[0].weights[0].shape = 'big'));
  await expect(wg.loadLayersModel(url2)).rejects.toThrow(/weight 'dense\/kernel' has an invalid shape/);
});

test('a missing weight file is named', async () => {
  const { url } = fixture((j) => (j.weightsManifest[0].paths = ['nowhere.bin']));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/weight file 'nowhere\.bin'.*does not exist/);
});

test('a truncated weight file: expected N bytes, got M, and which file', async () => {
  const { url, dir } = fixture();
  const file = join(dir, 'group1-shard1of1.bin');
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length - 6));
  // (4*3 + 3 + 3*2 + 2) floats = 92 bytes
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/weight file 'group1-shard1of1\.bin' \(86 bytes\): expected 92 bytes .*got 86 \(the file is truncated\)/);
});

test('a weight file that is too long', async () => {
  const { url, dir } = fixture();
  const file = join(dir, 'group1-shard1of1.bin');
  writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(8)]));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/expected 92 bytes .*got 100/);
});

test('a weight whose name does not fit the topology', async () => {
  const { url } = fixture((j) => (j.weightsManifest[0].weights[0].name = 'other/kernel'));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/no weight for 'dense\/kernel'.*'other\/kernel'/);
});

test('an extra weight the model does not have', async () => {
  const { url, dir } = fixture((j) => j.weightsManifest[0].weights.push({ name: 'dense_9/kernel', shape: [1], dtype: 'float32' }));
  const file = join(dir, 'group1-shard1of1.bin');
  writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(4)]));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/weight 'dense_9\/kernel' in the weights manifest matches no weight of the model/);
  // strict: false ignores it.
  const m = await wg.loadLayersModel(url, { strict: false });
  expect(m.layers).toHaveLength(2);
  m.dispose();
});

test('a weight whose shape does not fit the topology', async () => {
  // Same byte count ([4,3] → [3,4]), wrong shape.
  const { url } = fixture((j) => (j.weightsManifest[0].weights[0].shape = [3, 4]));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/weight 'dense\/kernel' has shape \[3, 4\], but layer 'dense' needs a kernel of shape \[4, 3\]/);
  const { url: url2 } = fixture((j) => (topoLayers(j)[1].config.units = 5));
  await expect(wg.loadLayersModel(url2)).rejects.toThrow(/weight 'dense_1\/kernel' has shape \[3, 2\], but layer 'dense_1' needs a kernel of shape \[3, 5\]/);
  const { url: url3 } = fixture((j) => (topoLayers(j)[0].config.batch_input_shape = [null, 7]));
  await expect(wg.loadLayersModel(url3)).rejects.toThrow(/needs a kernel of shape \[7, 3\]/);
});

test('an unsupported layer class names the class and what is supported', async () => {
  const { url } = fixture((j) => topoLayers(j).splice(1, 0, { class_name: 'GaussianNoise', config: { stddev: 0.5, name: 'noise' } }));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/layer 1 \('noise', GaussianNoise\).*class 'GaussianNoise' is not supported; only Dense, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape, Activation, Embedding, LayerNormalization, Dropout, BatchNormalization layers are supported/);
  const { url: url2 } = fixture((j) => (topoLayers(j)[0] = { class_name: 'Conv3D', config: { name: 'conv' } }));
  await expect(wg.loadLayersModel(url2)).rejects.toThrow(/'Conv3D' is not supported; only Dense, Conv2D/);
});

test('a functional model, a graph model, unsupported activations and input shapes', async () => {
  const { url } = fixture((j) => (j.modelTopology.class_name = 'Functional'));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/class 'Functional'; webgrad loads only Sequential models/);
  await expect(wg.loadLayersModel(wg.io.fromMemory({ format: 'graph-model', modelTopology: { node: [] } }))).rejects.toThrow(/graph model/);
  const { url: url2 } = fixture((j) => (topoLayers(j)[0].config.activation = 'exponential'));
  await expect(wg.loadLayersModel(url2)).rejects.toThrow(/activation 'exponential' is not supported; supported: linear, .*selu/);
  const { url: url3 } = fixture((j) => (topoLayers(j)[0].config.batch_input_shape = [null, 2, 2]));
  await expect(wg.loadLayersModel(url3)).rejects.toThrow(/layer 0 \('dense', Dense\): dense: argument 'batchInputShape' must be \[batchSize or null, features\] \(Dense takes 2-D inputs\), but got \[null, 2, 2\]/);
  const { url: url4 } = fixture((j) => {
    topoLayers(j)[0].config.activation = 'linear';
    topoLayers(j).splice(1, 0, { class_name: 'LeakyReLU', config: { alpha: 0.3, name: 'lr' } });
  });
  await expect(wg.loadLayersModel(url4)).rejects.toThrow(/LeakyReLU with alpha 0.3 is not supported; webgrad's leakyRelu activation has alpha 0.01/);
});

test('unsupported dtypes: of a weight and of a layer', async () => {
  const { url } = fixture((j) => (j.weightsManifest[0].weights[1].dtype = 'int32'));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/weight 'dense\/bias' has dtype 'int32'; only float32 weights are supported/);
  const { url: url2 } = fixture((j) => (j.weightsManifest[0].weights[1].dtype = 'string'));
  await expect(wg.loadLayersModel(url2)).rejects.toThrow(/weight 'dense\/bias' has dtype 'string', which is not supported/);
  const { url: url3 } = fixture((j) => (topoLayers(j)[0].config.dtype = 'float16'));
  await expect(wg.loadLayersModel(url3)).rejects.toThrow(/dtype 'float16' is not supported/);
  const { url: url4 } = fixture((j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'int4' }));
  await expect(wg.loadLayersModel(url4)).rejects.toThrow(/quantized as 'int4', which is not supported/);
});

test('bad arguments and unusable locations', async () => {
  await expect(wg.loadLayersModel('file:///no/such/dir/model.json')).rejects.toThrow(/'\/no\/such\/dir\/model\.json' does not exist/);
  await expect(wg.loadLayersModel('ftp://host/model.json')).rejects.toThrow(/scheme 'ftp:\/\/'/);
  await expect(wg.loadLayersModel('downloads://m')).rejects.toThrow(/'downloads:\/\/' is for saving only/);
  await expect(wg.loadLayersModel('indexeddb://m')).rejects.toThrow(/needs IndexedDB/);
  await expect(wg.loadLayersModel(42 as never)).rejects.toThrow(/expected a model.json URL/);
  await expect(wg.loadLayersModel('http://127.0.0.1:9/model.json')).rejects.toThrow(/model\.json 'http:\/\/127\.0\.0\.1:9\/model\.json' could not be fetched/);
  await expect(wg.loadLayersModel({ load: async () => ({ modelTopology: good.modelTopology }) })).rejects.toThrow(/the model has no weights/);
});

test('duplicate or empty layer names', async () => {
  const { url } = fixture((j) => (topoLayers(j)[1].config.name = 'dense'));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/two layers are named 'dense'/);
  const { url: url2 } = fixture((j) => (topoLayers(j)[1].config.name = ''));
  await expect(wg.loadLayersModel(url2)).rejects.toThrow(/layer 1 \(Dense\) has an invalid name ""/);
});

test('a failed load leaves nothing behind and a later load works', async () => {
  const { url } = fixture((j) => (j.weightsManifest[0].weights[2].name = 'dense_1/kernel_x'));
  await expect(wg.loadLayersModel(url)).rejects.toThrow(/no weight for 'dense_1\/kernel'/);
  // Same names again: a half-built model from the failed load would clash with nothing, and this one loads whole.
  const { url: ok } = fixture();
  const m = await wg.loadLayersModel(ok);
  expect(m.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
  expect(m.getWeights().map((w) => w.shape)).toEqual([[4, 3], [3], [3, 2], [2]]);
  m.dispose();
});

test('save errors: unbuilt model, bad URL, includeOptimizer, browser-only handlers in Node, a folder that is a file', async () => {
  const unbuilt = wg.sequential({ layers: [wg.layers.dense({ units: 2 })] });
  await expect(unbuilt.save(wg.io.withSaveHandler(() => {}))).rejects.toThrow(/has no weights yet/);
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [3] })] });
  await expect(m.save('s3://bucket/x')).rejects.toThrow(/cannot save to 's3:\/\/bucket\/x'/);
  await expect(m.save(wg.io.withSaveHandler(() => {}), { includeOptimizer: true })).rejects.toThrow(/includeOptimizer is not supported/);
  await expect(m.save('downloads://m')).rejects.toThrow(/works only in a browser/);
  await expect(m.save('indexeddb://m')).rejects.toThrow(/needs IndexedDB/);
  await expect(m.save({} as never)).rejects.toThrow(/an IOHandler with a save method/);
  const dir = tempDir('savefile');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'afile'), 'x');
  await expect(m.save(`file://${join(dir, 'afile')}`)).rejects.toThrow(/exists and is not a folder/);
  m.dispose();
});
