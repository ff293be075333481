// webgrad → file:// → webgrad: the same layers, config and weights, the
// same predictions; trained models keep training after loading. Plus the
// in-memory handlers, trainableOnly, and the weight codec.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { decodeWeights, encodeWeights } from '../../src/io/weights.js';
import { toCamelCase, toPythonic, toSnakeCase } from '../../src/io/topology.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose, inputs, tempDir } from './helpers.js';

async function values(t: wg.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

describeEachBackend('file:// round trip', () => {
  test('a trained model saves and loads with the same config, weights and predictions', async () => {
    const model = wg.sequential({
      name: 'roundtrip',
      layers: [
        wg.layers.dense({ units: 16, activation: 'relu', inputShape: [8], name: 'hidden', kernelInitializer: wg.initializers.heNormal({ seed: 3 }) }),
        wg.layers.dense({ units: 8, activation: 'leakyRelu', useBias: false, name: 'leaky' }),
        wg.layers.dense({ units: 3, activation: 'softmax', name: 'out', biasInitializer: 'ones' }),
      ],
    });
    model.layers[1].trainable = false;
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const x = inputs(64, 8, 21);
    const y = new Float32Array(64 * 3);
    for (let i = 0; i < 64; i++) y[i * 3 + (x[i * 8] > 0 ? 0 : x[i * 8 + 1] > 0 ? 1 : 2)] = 1;
    await model.fit({ data: x, shape: [64, 8] }, { data: y, shape: [64, 3] }, { epochs: 3, batchSize: 16, verbose: 0, seed: 1 });

    const dir = tempDir('rt');
    const result = await model.save(`file://${dir}`);
    expect(result.modelArtifactsInfo.modelTopologyType).toBe('JSON');
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((8 * 16 + 16 + 16 * 8 + 8 * 3 + 3) * 4);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);

    const loaded = await wg.loadLayersModel(`file://${dir}/model.json`);
    expect(loaded.name).toBe('roundtrip');
    expect((loaded.layers as wg.Dense[]).map((l) => [l.name, l.units, l.activation, l.useBias, l.trainable])).toEqual([
      ['hidden', 16, 'relu', true, true],
      ['leaky', 8, 'leakyRelu', false, false],
      ['out', 3, 'softmax', true, true],
    ]);
    expect(loaded.layers[0].getConfig()).toEqual(model.layers[0].getConfig());
    expect(loaded.layers[2].getConfig()).toEqual(model.layers[2].getConfig());
    const a = model.getWeights();
    const b = loaded.getWeights();
    for (let i = 0; i < a.length; i++) expect(Array.from(await values(b[i]))).toEqual(Array.from(await values(a[i])));
    const xt = inputs(10, 8, 22);
    expectClose(await values(loaded.predict({ data: xt, shape: [10, 8] })), await values(model.predict({ data: xt, shape: [10, 8] })), 1e-6);

    // The loaded model trains (frozen layer stays frozen).
    loaded.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const frozenBefore = await values(loaded.layers[1].getWeights()[0]);
    const h = await loaded.fit({ data: x, shape: [64, 8] }, { data: y, shape: [64, 3] }, { epochs: 1, batchSize: 32, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    expect(Array.from(await values(loaded.layers[1].getWeights()[0]))).toEqual(Array.from(frozenBefore));

    // Saving over an existing folder replaces the files.
    await loaded.save(`file://${dir}`);
    const again = await wg.loadLayersModel(`file://${dir}`);
    expectClose(await values(again.predict({ data: xt, shape: [10, 8] })), await values(loaded.predict({ data: xt, shape: [10, 8] })), 1e-6);
    again.dispose();
    loaded.dispose();
    model.dispose();
  });
});

test('withSaveHandler / fromMemory round trip; trainableOnly leaves frozen weights out', async () => {
  const model = wg.sequential({ layers: [wg.layers.dense({ units: 4, inputShape: [2], name: 'a' }), wg.layers.dense({ units: 1, name: 'b' })] });
  let artifacts: wg.io.ModelArtifacts | undefined;
  const res = await model.save(wg.io.withSaveHandler((a) => {
    artifacts = a;
  }));
  expect(res.modelArtifactsInfo.weightDataBytes).toBe((2 * 4 + 4 + 4 + 1) * 4);
  expect(artifacts!.weightSpecs!.map((s) => s.name)).toEqual(['a/kernel', 'a/bias', 'b/kernel', 'b/bias']);
  expect(artifacts!.format).toBe('layers-model');
  const back = await wg.loadLayersModel(wg.io.fromMemory(artifacts!));
  const x = inputs(3, 2, 5);
  expectClose(await values(back.predict({ data: x, shape: [3, 2] })), await values(model.predict({ data: x, shape: [3, 2] })), 0);

  model.layers[0].trainable = false;
  let partial: wg.io.ModelArtifacts | undefined;
  await model.save(wg.io.withSaveHandler((a) => {
    partial = a;
  }), { trainableOnly: true });
  expect(partial!.weightSpecs!.map((s) => s.name)).toEqual(['b/kernel', 'b/bias']);
  // Strict loading wants every weight; non-strict keeps the missing ones initial.
  await expect(wg.loadLayersModel(wg.io.fromMemory(partial!))).rejects.toThrow(/no weight for 'a\/kernel'/);
  const loose = await wg.loadLayersModel(wg.io.fromMemory(partial!), { strict: false });
  expect(Array.from(await values(loose.layers[1].getWeights()[0]))).toEqual(Array.from(await values(model.layers[1].getWeights()[0])));
  loose.dispose();
  back.dispose();
  model.dispose();
});

test('http(s) loading resolves weight paths against the model.json URL (custom fetch)', async () => {
  const model = wg.sequential({ layers: [wg.layers.dense({ units: 3, inputShape: [2], activation: 'tanh', name: 'h' })] });
  const dir = tempDir('http');
  await model.save(`file://${dir}`);
  const requested: string[] = [];
  const fetchFunc = (async (url: string) => {
    requested.push(url);
    const file = url.startsWith('https://example.com/models/v1/') ? join(dir, url.slice('https://example.com/models/v1/'.length)) : null;
    if (!file) return new Response('nope', { status: 404, statusText: 'Not Found' });
    return new Response(readFileSync(file));
  }) as typeof fetch;
  const loaded = await wg.loadLayersModel('https://example.com/models/v1/model.json', { fetchFunc });
  expect(requested).toEqual(['https://example.com/models/v1/model.json', 'https://example.com/models/v1/weights.bin']);
  const x = inputs(2, 2, 8);
  expectClose(await values(loaded.predict({ data: x, shape: [2, 2] })), await values(model.predict({ data: x, shape: [2, 2] })), 0);
  await expect(wg.loadLayersModel('https://example.com/other/model.json', { fetchFunc })).rejects.toThrow(/HTTP 404 Not Found/);
  // A weightPathPrefix overrides the folder.
  requested.length = 0;
  await expect(wg.loadLayersModel('https://example.com/models/v1/model.json', { fetchFunc, weightPathPrefix: 'https://cdn.example.com/' })).rejects.toThrow(/weight file 'https:\/\/cdn\.example\.com\/weights\.bin' could not be fetched: HTTP 404/);
  loaded.dispose();
  model.dispose();
});

test('http(s) save POSTs model.json and model.weights.bin as a multipart form', async () => {
  const model = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [2], name: 'p' })] });
  let form: FormData | null = null;
  const fetchFunc = (async (_url: string, init: RequestInit) => {
    form = init.body as FormData;
    return new Response('ok');
  }) as typeof fetch;
  const res = await wg.io.saveModel(model, wg.io.http('https://example.com/upload', { fetchFunc }));
  expect(res.responses?.[0].ok).toBe(true);
  const json = JSON.parse(await (form!.get('model.json') as Blob).text());
  expect(json.weightsManifest[0].paths).toEqual(['./model.weights.bin']);
  expect((form!.get('model.weights.bin') as Blob).size).toBe((4 + 2) * 4);
  model.dispose();
});

test('weight codec: encode/decode, little-endian float32, byte-count checks', () => {
  const { specs, data } = encodeWeights([
    { name: 'k', shape: [2, 2], values: new Float32Array([1, -2, 3.5, 1e-8]) },
    { name: 'b', shape: [2], values: new Float32Array([0.25, -0]) },
  ]);
  expect(specs).toEqual([{ name: 'k', shape: [2, 2], dtype: 'float32' }, { name: 'b', shape: [2], dtype: 'float32' }]);
  expect(data.byteLength).toBe(24);
  expect(new DataView(data).getFloat32(4, true)).toBe(-2);
  const back = decodeWeights(specs, data, 'test');
  expect(Array.from(back.get('k')!.values)).toEqual([1, -2, 3.5, new Float32Array([1e-8])[0]]);
  expect(() => decodeWeights(specs, data.slice(0, 20), 'test')).toThrow(/holds 20 bytes, but the weights manifest \(2 weights\) needs 24 bytes/);
});

test('Keras name conversion matches tfjs-layers', () => {
  expect(toSnakeCase('batchInputShape')).toBe('batch_input_shape');
  expect(toSnakeCase('fanAvg')).toBe('fan_avg');
  expect(toSnakeCase('truncatedNormal')).toBe('truncated_normal');
  expect(toCamelCase('kernel_initializer')).toBe('kernelInitializer');
  expect(toPythonic({ className: 'VarianceScaling', config: { mode: 'fanAvg', seed: null }, name: 'myLayer' })).toEqual({ class_name: 'VarianceScaling', config: { mode: 'fan_avg', seed: null }, name: 'myLayer' });
});
