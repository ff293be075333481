// optimizer.setLearningRate between fit() calls (the bench's per-epoch decay):
// the next step must use the new rate. fit() runs a compiled step in which the
// rate is a constant, so the step must be rebuilt; a stale step would keep the
// old rate. SGD: one step at 0.2, then one at 0.05, must match a model
// compiled at 0.05 from the weights after the first step, and move the weights
// a quarter as far as a step at 0.2 from there would. Adam: after a change to
// 1e-5 the next step moves each weight by about 1e-5 at most.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';

const SIZES = [3, 5, 2];

function model(lr: number, init: Float32Array[], optimizer: 'sgd' | 'adam' = 'sgd'): { m: wg.Sequential; opt: ReturnType<typeof wg.train.sgd> | ReturnType<typeof wg.train.adam> } {
  const m = wg.sequential({
    layers: [wg.layers.dense({ units: SIZES[1], activation: 'tanh', inputShape: [SIZES[0]] }), wg.layers.dense({ units: SIZES[2], activation: 'softmax' })],
  });
  const ts = init.map((w, i) => wg.tensor(w, i % 2 ? [w.length] : [SIZES[i >> 1], SIZES[(i >> 1) + 1]]));
  m.setWeights(ts);
  ts.forEach((t) => t.dispose());
  const opt = optimizer === 'sgd' ? wg.train.sgd(lr) : wg.train.adam(lr);
  m.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
  return { m, opt };
}

const weightsOf = async (m: wg.Sequential): Promise<Float32Array[]> => {
  const ws = m.getWeights();
  try { return await Promise.all(ws.map(async (t) => Float32Array.from(await t.data()))); } finally { ws.forEach((t) => t.dispose()); }
};

const init = [
  Float32Array.from({ length: 15 }, (_, k) => Math.sin(k * 1.7) * 0.8), Float32Array.from({ length: 5 }, (_, k) => Math.cos(k) * 0.1),
  Float32Array.from({ length: 10 }, (_, k) => Math.sin(k * 0.9 + 1) * 0.7), new Float32Array(2),
];
const xs = Float32Array.from({ length: 12 }, (_, k) => Math.sin(k * 2.3));
const ys = Float32Array.from({ length: 8 }, (_, k) => (k % 2 === (k >> 1) % 2 ? 1 : 0));

for (const backend of ['cpu', 'wasm'] as const) {
  test(`[${backend}] setLearningRate between fit() calls: the next step uses the new rate (SGD, Adam)`, async () => {
    await useBackend(backend);
    const x = wg.tensor(xs, [4, 3]), y = wg.tensor(ys, [4, 2]);
    const fit = (m: wg.Sequential) => m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    try {
      // SGD: step at 0.2, then at 0.05 from there; vs a model at 0.05 from the weights after step one
      const a = model(0.2, init);
      await fit(a.m);
      const w1 = await weightsOf(a.m);
      a.opt.setLearningRate(0.05);
      await fit(a.m);
      const w2 = await weightsOf(a.m);
      const b = model(0.05, w1);
      await fit(b.m);
      const w2ref = await weightsOf(b.m);
      w2.forEach((w, i) => w.forEach((v, k) => expect(v).toBeCloseTo(w2ref[i][k], 6)));
      // and the second update really is smaller than the first would have been at 0.2 (not a no-op check)
      const c = model(0.2, w1);
      await fit(c.m);
      const w2at02 = await weightsOf(c.m);
      const d = (p: Float32Array[], q: Float32Array[]) => p.reduce((s, w, i) => s + w.reduce((t, v, k) => t + Math.abs(v - q[i][k]), 0), 0);
      expect(d(w2at02, w1)).toBeGreaterThan(1e-3);
      expect(d(w2, w1) / d(w2at02, w1)).toBeCloseTo(0.25, 4);
      [a, b, c].forEach((s) => s.m.dispose());
      // Adam: identical until the change, then a step at 1e-5 against one left at 1e-2
      const e = model(1e-2, init, 'adam'), f = model(1e-2, init, 'adam');
      await fit(e.m); await fit(f.m);
      const e1 = await weightsOf(e.m), f1 = await weightsOf(f.m);
      e1.forEach((w, i) => w.forEach((v, k) => expect(v).toBe(f1[i][k])));
      e.opt.setLearningRate(1e-5);
      await fit(e.m); await fit(f.m);
      const e2 = await weightsOf(e.m), f2 = await weightsOf(f.m);
      // at 1e-5 the second Adam step moves each weight by at most about 1e-5 (|m̂ / (√v̂ + ε)| <= ~1 for one or two steps)
      e2.forEach((w, i) => w.forEach((v, k) => expect(Math.abs(v - e1[i][k])).toBeLessThan(2e-5)));
      expect(d(f2, f1)).toBeGreaterThan(1e-2);
      [e, f].forEach((s) => s.m.dispose());
    } finally { x.dispose(); y.dispose(); }
  });
}
