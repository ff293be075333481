// Parity with TensorFlow.js (tfjs-layers on its CPU backend): the same tiny
// model (3 -> 5 hidden -> output), the same initial weights and batches,
// 5 training steps in both; per-step losses and final weights must agree to
// 1e-4 relative (1e-5 absolute floor). Every hidden activation x every loss
// (with a fitting output layer, and sigmoid/softmax outputs) x (sgd, adam),
// plus momentum / nesterov / rmsprop, on both webgrad backends.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

const ACTS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'swish', 'elu', 'gelu'] as const;
type Act = (typeof ACTS)[number];
type LossName = 'meanSquaredError' | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';
type OptName = 'sgd' | 'adam' | 'momentum' | 'nesterov' | 'rmsprop';

interface Combo {
  hidden: Act;
  loss: LossName;
  out: 'linear' | 'sigmoid' | 'softmax';
  units: number;
  opt: OptName;
}

const LOSS_OUTPUTS: { loss: LossName; out: Combo['out']; units: number }[] = [
  { loss: 'meanSquaredError', out: 'linear', units: 2 },
  { loss: 'meanSquaredError', out: 'sigmoid', units: 2 },
  { loss: 'binaryCrossentropy', out: 'sigmoid', units: 1 },
  { loss: 'categoricalCrossentropy', out: 'softmax', units: 3 },
  { loss: 'sparseCategoricalCrossentropy', out: 'softmax', units: 3 },
];

const COMBOS: Combo[] = [];
for (const hidden of ACTS) for (const lo of LOSS_OUTPUTS) for (const opt of ['sgd', 'adam'] as const) COMBOS.push({ hidden, ...lo, opt });
for (const opt of ['momentum', 'nesterov', 'rmsprop'] as const) {
  COMBOS.push({ hidden: 'tanh', loss: 'meanSquaredError', out: 'linear', units: 2, opt });
  COMBOS.push({ hidden: 'relu', loss: 'categoricalCrossentropy', out: 'softmax', units: 3, opt });
}

const N = 20;
const BATCH = 4;
const STEPS = N / BATCH;
const IN = 3;
const HID = 5;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function makeData(c: Combo, seed: number): { x: number[][]; y: number[][] | number[] } {
  const r = lcg(seed);
  const x = Array.from({ length: N }, () => Array.from({ length: IN }, () => r() * 4 - 2));
  if (c.loss === 'meanSquaredError') return { x, y: x.map(() => Array.from({ length: c.units }, () => r() * 2 - 1)) };
  if (c.loss === 'binaryCrossentropy') return { x, y: x.map((row) => [row[0] + row[1] > 0 ? 1 : 0]) };
  const labels = x.map((row, i) => (row[0] > 0.7 ? 0 : row[1] > 0 ? 1 : i % 3 === 0 ? 0 : 2));
  if (c.loss === 'sparseCategoricalCrossentropy') return { x, y: labels };
  return { x, y: labels.map((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0))) };
}

const LR: Record<OptName, number> = { sgd: 0.1, adam: 0.01, momentum: 0.05, nesterov: 0.05, rmsprop: 0.01 };

function wgOptimizer(o: OptName): wg.train.Optimizer {
  switch (o) {
    case 'sgd': return wg.train.sgd(LR.sgd);
    case 'adam': return wg.train.adam(LR.adam);
    case 'momentum': return wg.train.momentum(LR.momentum, 0.9);
    case 'nesterov': return wg.train.momentum(LR.nesterov, 0.9, true);
    case 'rmsprop': return wg.train.rmsprop(LR.rmsprop);
  }
}

function tfOptimizer(o: OptName): tf.Optimizer {
  switch (o) {
    case 'sgd': return tf.train.sgd(LR.sgd);
    case 'adam': return tf.train.adam(LR.adam, 0.9, 0.999, 1e-7);
    case 'momentum': return tf.train.momentum(LR.momentum, 0.9);
    case 'nesterov': return tf.train.momentum(LR.nesterov, 0.9, true);
    case 'rmsprop': return tf.train.rmsprop(LR.rmsprop, 0.9, 0, 1e-7);
  }
}

function wgModel(c: Combo, seed: number): wg.Sequential {
  const m = wg.sequential();
  m.add(wg.layers.dense({ units: HID, inputShape: [IN], activation: c.hidden, kernelInitializer: wg.initializers.glorotUniform({ seed }), biasInitializer: wg.initializers.randomNormal({ stddev: 0.1, seed: seed + 1 }) }));
  m.add(wg.layers.dense({ units: c.units, activation: c.out, kernelInitializer: wg.initializers.glorotUniform({ seed: seed + 2 }), biasInitializer: wg.initializers.randomNormal({ stddev: 0.1, seed: seed + 3 }) }));
  m.compile({ optimizer: wgOptimizer(c.opt), loss: c.loss });
  return m;
}

interface Reference {
  init: Float32Array[];
  shapes: number[][];
  losses: number[];
  final: Float32Array[];
}

/** Trains the same model in TensorFlow.js; starts from webgrad's initial weights. */
async function tfReference(c: Combo, init: Float32Array[], shapes: number[][], data: ReturnType<typeof makeData>): Promise<Reference> {
  const m = tf.sequential();
  if (c.hidden === 'leakyRelu') {
    m.add(tf.layers.dense({ units: HID, inputShape: [IN] }));
    m.add(tf.layers.leakyReLU({ alpha: 0.01 }));
  } else {
    m.add(tf.layers.dense({ units: HID, inputShape: [IN], activation: c.hidden }));
  }
  m.add(tf.layers.dense({ units: c.units, activation: c.out }));
  m.setWeights(init.map((d, i) => tf.tensor(d, shapes[i])));
  m.compile({ optimizer: tfOptimizer(c.opt), loss: c.loss });
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const xb = tf.tensor2d(data.x.slice(s * BATCH, (s + 1) * BATCH));
    const ys = (data.y as unknown[]).slice(s * BATCH, (s + 1) * BATCH);
    const yb = c.loss === 'sparseCategoricalCrossentropy' ? tf.tensor2d(ys as number[], [BATCH, 1]) : tf.tensor2d(ys as number[][]);
    losses.push((await m.trainOnBatch(xb, yb)) as number);
    tf.dispose([xb, yb]);
  }
  const final = await Promise.all(m.getWeights().map((w) => w.data() as Promise<Float32Array>));
  m.dispose();
  return { init, shapes, losses, final };
}

const refs = new Map<number, Reference>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  // Initial weights come from webgrad's seeded initializers (host values, backend-independent).
  await wg.ready({ backend: 'cpu' });
  for (let i = 0; i < COMBOS.length; i++) {
    const c = COMBOS[i];
    const m = wgModel(c, 100 + i);
    const ws = m.getWeights();
    const init = await Promise.all(ws.map((w) => w.data() as Promise<Float32Array>));
    const shapes = ws.map((w) => [...w.shape]);
    wg.dispose(ws);
    m.dispose();
    refs.set(i, await tfReference(c, init, shapes, makeData(c, 7 + i)));
  }
});

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-4 * Math.abs(b) + 1e-5;

describeEachBackend('TensorFlow.js parity', () => {
  test(`${COMBOS.length} combos of activation x loss x optimizer`, async () => {
    const failures: string[] = [];
    for (let i = 0; i < COMBOS.length; i++) {
      const c = COMBOS[i];
      const ref = refs.get(i)!;
      const label = `hidden=${c.hidden} loss=${c.loss} out=${c.out} opt=${c.opt}`;
      const data = makeData(c, 7 + i);
      const m = wgModel(c, 100 + i);
      try {
        m.setWeights(ref.init.map((d, j) => wg.tensor(d, ref.shapes[j])));
        // Even combos record every step through a batch callback (one step at
        // a time); odd ones use the pipelined path and compare the epoch mean.
        const perStep = i % 2 === 0;
        const losses: number[] = [];
        const h = await m.fit(data.x, data.y as number[][], {
          epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0,
          callbacks: perStep ? { onBatchEnd: (_b: number, logs?: wg.callbacks.Logs) => void losses.push(logs!.loss) } : [],
        });
        if (perStep) {
          ref.losses.forEach((l, s) => {
            if (!close(losses[s], l)) failures.push(`${label}: step ${s} loss ${losses[s]} vs tfjs ${l}`);
          });
        } else {
          const mean = ref.losses.reduce((a, b) => a + b, 0) / STEPS;
          if (!close(h.history.loss[0], mean)) failures.push(`${label}: epoch loss ${h.history.loss[0]} vs tfjs ${mean}`);
        }
        const ws = m.getWeights();
        const got = await Promise.all(ws.map((w) => w.data()));
        wg.dispose(ws);
        got.forEach((g, j) => {
          const bad = Array.from(g).findIndex((v, k) => !close(v, ref.final[j][k]));
          if (bad >= 0) failures.push(`${label}: weight ${j} [${bad}] ${g[bad]} vs tfjs ${ref.final[j][bad]}`);
        });
      } catch (e) {
        failures.push(`${label}: threw ${(e as Error).message.split('\n')[0]}`);
      }
      m.dispose();
    }
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });
});
