// The model API: names, configs, summary, initializers, weights, evaluate /
// predict / trainOnBatch, metrics and history keys (as TensorFlow.js names
// them), input forms, batching and determinism.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
};

test('layers and weights are named as tfjs-layers names them', () => {
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 5, inputShape: [3] }), wg.layers.dense({ units: 2 })] });
  const [a, b] = m.layers as wg.Dense[];
  const n = Number(/^dense_Dense(\d+)$/.exec(a.name)![1]);
  expect(b.name).toBe(`dense_Dense${n + 1}`);
  expect(m.name).toMatch(/^sequential_\d+$/);
  expect(m.weights.map((v) => v.name)).toEqual([`${a.name}/kernel`, `${a.name}/bias`, `${b.name}/kernel`, `${b.name}/bias`]);
  expect(m.getWeights().map((w) => w.shape)).toEqual([[3, 5], [5], [5, 2], [2]]);
  expect(b.inputDim).toBe(5);
  expect(m.countParams()).toBe(32);
});

test('Dense.getConfig has the keys and values tfjs-layers writes; denseFromConfig round-trips', () => {
  const l = wg.layers.dense({ units: 4, inputShape: [3], activation: 'relu', kernelInitializer: 'heNormal', name: 'd1' });
  const t = tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu', kernelInitializer: 'heNormal', name: 'd1' });
  const ours = l.getConfig();
  const theirs = t.getConfig();
  expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
  expect(ours).toEqual(JSON.parse(JSON.stringify(theirs)));
  const l2 = wg.layers.denseFromConfig(ours);
  expect(l2.getConfig()).toEqual(ours);
  expect(l2.kernelInitializer).toBe('heNormal');
  expect(l2.batchInputShape).toEqual([null, 3]);
  const g = wg.layers.dense({ units: 2 }).getConfig();
  expect(g.kernelInitializer).toEqual({ className: 'VarianceScaling', config: { scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: null } });
  expect(g.biasInitializer).toEqual({ className: 'Zeros', config: {} });
  expect('batchInputShape' in g).toBe(false);
});

test('summary prints a table of layers and the totals', () => {
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 8, inputShape: [4], name: 'hidden' }), wg.layers.dense({ units: 3, name: 'out', trainable: false })] });
  const lines: string[] = [];
  const text = m.summary(undefined, undefined, (s) => lines.push(String(s)));
  expect(lines.join('\n')).toBe(text);
  expect(text).toMatch(/Layer \(type\)\s+Output shape\s+Param #/);
  expect(text).toMatch(/hidden \(Dense\)\s+\[null,8\]\s+40/);
  expect(text).toMatch(/out \(Dense\)\s+\[null,3\]\s+27/);
  expect(text).toContain('Total params: 67');
  expect(text).toContain('Trainable params: 40');
  expect(text).toContain('Non-trainable params: 27');
  expect(() => wg.sequential({ layers: [wg.layers.dense({ units: 1 })] }).summary()).toThrow(/not built yet/);
});

test('initializers: distributions, bounds, string names, seeds', async () => {
  const I = wg.initializers;
  const vals = async (init: ReturnType<typeof I.zeros>, shape: number[]): Promise<number[]> => Array.from(await init.apply(shape).data());
  const gu = await vals(I.glorotUniform({ seed: 1 }), [60, 40]);
  const limit = Math.sqrt(6 / 100);
  expect(Math.max(...gu.map(Math.abs))).toBeLessThanOrEqual(limit);
  expect(Math.max(...gu.map(Math.abs))).toBeGreaterThan(limit * 0.95);
  expect(await vals(I.glorotUniform({ seed: 1 }), [60, 40])).toEqual(gu);
  expect(await vals(I.glorotUniform({ seed: 2 }), [60, 40])).not.toEqual(gu);
  const std = (a: number[]): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  expect(std(await vals(I.heNormal({ seed: 3 }), [200, 100]))).toBeCloseTo(Math.sqrt(2 / 200), 2);
  expect(std(await vals(I.glorotNormal({ seed: 3 }), [200, 100]))).toBeCloseTo(Math.sqrt(2 / 300), 2);
  const hu = await vals(I.heUniform({ seed: 4 }), [50, 10]);
  expect(Math.max(...hu.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 50));
  const rn = await vals(I.randomNormal({ mean: 3, stddev: 0.5, seed: 5 }), [4000]);
  expect(rn.reduce((a, b) => a + b) / rn.length).toBeCloseTo(3, 1);
  expect(await vals(I.zeros(), [3])).toEqual([0, 0, 0]);
  expect(await vals(I.ones(), [2])).toEqual([1, 1]);
  // By name on a layer; seeded layers are reproducible.
  const a = wg.layers.dense({ units: 3, inputShape: [2], kernelInitializer: I.glorotNormal({ seed: 9 }), biasInitializer: 'ones' });
  const b = wg.layers.dense({ units: 3, inputShape: [2], kernelInitializer: I.glorotNormal({ seed: 9 }) });
  a.build(2);
  b.build(2);
  expect(Array.from(await a.kernel.data())).toEqual(Array.from(await b.kernel.data()));
  expect(Array.from(await a.bias!.data())).toEqual([1, 1, 1]);
});

describeEachBackend('model API', () => {
  test('predict, evaluate and trainOnBatch agree with TensorFlow.js', async () => {
    const m = wg.sequential({ layers: [
      wg.layers.dense({ units: 6, inputShape: [4], activation: 'tanh', kernelInitializer: wg.initializers.glorotUniform({ seed: 11 }) }),
      wg.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 12 }) }),
    ] });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mae'] });
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [4], activation: 'tanh' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    const init = await Promise.all(m.getWeights().map((w) => w.data()));
    t.setWeights(init.map((d, i) => tf.tensor(d, m.weights[i].shape as number[])));
    t.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mae'] });
    const x = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(i), i / 12, (i % 3) - 1]);
    const y = x.map((_, i) => [0, 1, 2].map((k) => (k === i % 3 ? 1 : 0)));

    const p = m.predict(x);
    expect(p.shape).toEqual([12, 3]);
    close(await p.data(), await (t.predict(tf.tensor2d(x)) as tf.Tensor).data());

    const ev = m.evaluate(x, y) as wg.Tensor[];
    const tev = t.evaluate(tf.tensor2d(x), tf.tensor2d(y)) as tf.Scalar[];
    expect(ev.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(ev[i].shape).toEqual([]);
      close(await ev[i].data(), await tev[i].data());
    }
    for (let s = 0; s < 3; s++) {
      const ours = (await m.trainOnBatch(x, y)) as number[];
      const theirs = (await t.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y))) as number[];
      close(ours, theirs, 1e-4);
    }
    const w = await Promise.all(m.getWeights().map((v) => v.data()));
    const tw = await Promise.all(t.getWeights().map((v) => v.data()));
    w.forEach((d, i) => close(d, tw[i], 1e-4));
    // Without metrics, evaluate gives one scalar and trainOnBatch one number.
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect((m.evaluate(x, y) as wg.Tensor).shape).toEqual([]);
    expect(typeof (await m.trainOnBatch(x, y))).toBe('number');
  });

  test('history keys as tfjs names them; epoch loss is the size-weighted mean; last batch smaller', async () => {
    const x = Array.from({ length: 10 }, (_, i) => [i / 10, 1 - i / 10]);
    const y = x.map(([a]) => (a > 0.45 ? 1 : 0));
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [2], activation: 'sigmoid', kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) })] });
    m.compile({ optimizer: wg.train.sgd(0.5), loss: 'binaryCrossentropy', metrics: ['accuracy', 'binaryAccuracy', 'mse', 'mae'] });
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], activation: 'sigmoid' })] });
    t.setWeights(await Promise.all(m.getWeights().map(async (w) => tf.tensor(await w.data(), w.shape as number[]))));
    t.compile({ optimizer: tf.train.sgd(0.5), loss: 'binaryCrossentropy', metrics: ['accuracy', 'binaryAccuracy', 'mse', 'mae'] });
    const sizes: number[] = [];
    const losses: number[] = [];
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0, validationSplit: 0.3, callbacks: { onBatchEnd: (_b, l) => { sizes.push(l!.size); losses.push(l!.loss); } } });
    const th = await t.fit(tf.tensor2d(x), tf.tensor2d(y, [10, 1]), { epochs: 2, batchSize: 4, shuffle: false, verbose: 0, validationSplit: 0.3 });
    expect(Object.keys(h.history).sort()).toEqual(Object.keys(th.history).sort());
    for (const k of Object.keys(th.history)) close(h.history[k], th.history[k] as number[], 1e-4);
    expect(sizes).toEqual([4, 3, 4, 3]); // 7 training samples: 4 + 3
    expect(h.history.loss[0]).toBeCloseTo((4 * losses[0] + 3 * losses[1]) / 7, 6);
  });

  test('sparse labels: accuracy is sparse-categorical; int32 tensors and float integers both work', async () => {
    const x = Array.from({ length: 9 }, (_, i) => [i % 3, (i + 1) % 3]);
    const labels = x.map((_, i) => i % 3);
    const mk = (): wg.Sequential => {
      const m = wg.sequential({ layers: [wg.layers.dense({ units: 3, inputShape: [2], activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) })] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const a = mk();
    const b = mk();
    const ha = await a.fit(x, labels, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const hb = await b.fit(wg.tensor(x), wg.tensor(labels, [9, 1], 'int32'), { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expect(ha.history).toEqual(hb.history);
    expect(Object.keys(ha.history)).toEqual(['loss', 'acc']);
    // Compare accuracy with a direct computation.
    const p = (await a.predict(x).array()) as number[][];
    const acc = p.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length / 9;
    const [, evAcc] = a.evaluate(x, labels) as wg.Tensor[];
    expect((await evAcc.data())[0]).toBeCloseTo(acc, 6);
  });

  test('inputs as nested arrays, { data, shape } (typed or plain) and tensors give the same result', async () => {
    const x = [[1, 2], [3, 4], [5, 6]];
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [2], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) })] });
    const ref = Array.from(await m.predict(x).data());
    expect(Array.from(await m.predict({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] }).data())).toEqual(ref);
    expect(Array.from(await m.predict({ data: [1, 2, 3, 4, 5, 6], shape: [3, 2] }).data())).toEqual(ref);
    expect(Array.from(await m.predict(wg.tensor(x)).data())).toEqual(ref);
    // x W + b by hand.
    const [k, b] = await Promise.all(m.getWeights().map((w) => w.data()));
    const manual = x.flatMap((r) => [0, 1].map((j) => r[0] * k[j] + r[1] * k[2 + j] + b[j]));
    close(ref, manual);
  });

  test('a model without inputShape is built by the first data it sees', async () => {
    const m = wg.sequential();
    m.add(wg.layers.dense({ units: 3, activation: 'relu' }));
    m.add(wg.layers.dense({ units: 1 }));
    expect(m.getWeights()).toEqual([]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.fit([[1, 2, 3, 4]], [[1]], { verbose: 0 });
    expect(m.getWeights().map((w) => w.shape)).toEqual([[4, 3], [3], [3, 1], [1]]);
    expect(m.inputShape).toEqual([null, 4]);
  });

  test('seeded shuffling is reproducible; setWeights restores a state', async () => {
    const x = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
    const y = x.map(([a, b]) => [a - 2 * b]);
    const run = async (seed: number): Promise<number[][]> => {
      const m = wg.sequential({ layers: [wg.layers.dense({ units: 4, inputShape: [2], activation: 'elu', kernelInitializer: wg.initializers.heUniform({ seed: 8 }) }), wg.layers.dense({ units: 1, kernelInitializer: wg.initializers.glorotUniform({ seed: 9 }) })] });
      m.compile({ optimizer: wg.train.rmsprop(0.01), loss: 'mse' });
      await m.fit(x, y, { epochs: 3, batchSize: 8, seed, verbose: 0 });
      return Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [2] })] });
    const saved = m.getWeights();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = Array.from(await m.predict(x).data());
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(Array.from(await m.predict(x).data())).not.toEqual(before);
    m.setWeights(saved);
    expect(Array.from(await m.predict(x).data())).toEqual(before);
  });
});
