// Model-level memory: predict/evaluate free everything but their results
// (buffer and byte counts return to the baseline after many calls), and with
// a batchSize they compute the input batch by batch: the same values as
// without, with a peak memory of about a batch's activations rather than
// the whole input's.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend, useBackend } from '../helpers/backends.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';

function mlp(hidden: number, inputs = 3, units = 2): wg.Sequential {
  const m = wg.sequential({
    layers: [
      wg.layers.dense({ units: hidden, inputShape: [inputs], activation: 'relu', kernelInitializer: wg.initializers.heUniform({ seed: 3 }), biasInitializer: wg.initializers.randomUniform({ seed: 5 }) }),
      wg.layers.dense({ units, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mse'] });
  return m;
}

function data(n: number, inputs = 3, units = 2, seed = 1): { x: number[][]; y: number[][] } {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: inputs }, () => rng.uniform(-1, 1)));
  const y = x.map((r) => {
    const c = Math.abs(Math.floor((r[0] + 1) * units)) % units;
    return Array.from({ length: units }, (_, j) => (j === c ? 1 : 0));
  });
  return { x, y };
}

/** Forward pass and losses in float64 from the model's weights (the independent reference). */
async function reference(m: wg.Sequential, x: number[][], y: number[][]): Promise<{ probs: number[][]; loss: number; acc: number; mse: number }> {
  const ws = m.getWeights();
  const [k1, b1, k2, b2] = await Promise.all(ws.map(async (w) => Array.from(await w.data())));
  wg.dispose(ws);
  const hidden = b1.length;
  const units = b2.length;
  const probs = x.map((r) => {
    const h = Array.from({ length: hidden }, (_, j) => Math.max(0, r.reduce((a, v, i) => a + v * k1[i * hidden + j], b1[j])));
    const z = Array.from({ length: units }, (_, j) => h.reduce((a, v, i) => a + v * k2[i * units + j], b2[j]));
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
  const n = x.length;
  let loss = 0;
  let acc = 0;
  let mse = 0;
  probs.forEach((p, i) => {
    p.forEach((v, j) => {
      loss -= (y[i][j] * Math.log(Math.min(Math.max(v, 1e-7), 1 - 1e-7))) / n;
      mse += (v - y[i][j]) ** 2 / (n * units);
    });
    if (p.indexOf(Math.max(...p)) === y[i].indexOf(1)) acc += 1 / n;
  });
  return { probs, loss, acc, mse };
}

const values = async (t: wg.Tensor | wg.Tensor[]): Promise<number[]> => {
  const ts = Array.isArray(t) ? t : [t];
  const out = (await Promise.all(ts.map(async (v) => Array.from(await v.data())))).flat();
  wg.dispose(ts);
  return out;
};

describeEachBackend('model memory', (backend) => {
  // First in the suite, on a fresh backend, so the peak it sees is its own.
  test('with a small batchSize, predict and evaluate peak at a batch of activations, not the whole input', async () => {
    await useBackend(backend);
    const n = 4096;
    const hidden = 509; // an odd width: no pooled buffer from elsewhere fits it
    const m = mlp(hidden, 4, 1);
    const { x } = data(n, 4, 1);
    const xt = { data: Float32Array.from(x.flat()), shape: [n, 4] };
    const hiddenBytes = n * hidden * 4; // the unbatched hidden layer alone: ~8 MB
    const peakRise = async (run: () => Promise<unknown>): Promise<number> => {
      const before = wg.stats().bytes;
      await run();
      return wg.stats().peakBytes - before;
    };
    const batched = await peakRise(async () => values(m.predict(xt, { batchSize: 64 })));
    const batchedEval = await peakRise(async () => values(m.evaluate(xt, new Float32Array(n).fill(1), { batchSize: 64 })));
    const whole = await peakRise(async () => values(m.predict(xt)));
    // A batch of 64 rows of 509 floats is 130 KB; weights, the input batch,
    // the [n, 1] result and its copy stay well under 1 MB.
    expect(batched).toBeLessThan(1 << 20);
    expect(batchedEval).toBeLessThan(1 << 20);
    // The measure sees the whole input's activations when there is no batchSize.
    expect(whole).toBeGreaterThan(hiddenBytes);
  });

  test('predict and evaluate with a batchSize give the unbatched (and float64 reference) results', async () => {
    const m = mlp(7);
    const { x, y } = data(37);
    const ref = await reference(m, x, y);
    const whole = await values(m.predict(x));
    expectAllClose(whole, ref.probs.flat(), { rtol: 1e-5, atol: 1e-6 });
    for (const batchSize of [1, 5, 16, 36, 37, 100]) {
      expectAllClose(await values(m.predict(x, { batchSize })), whole, { rtol: 1e-6, atol: 1e-7 });
      // Inputs as tensors (read back once when only on the device).
      expectAllClose(await values(m.predict(wg.mul(wg.tensor(x), 1), { batchSize })), whole, { rtol: 1e-6, atol: 1e-7 });
      const ev = await values(m.evaluate(x, y, { batchSize }));
      expectAllClose(ev, [ref.loss, ref.acc, ref.mse], { rtol: 1e-5, atol: 1e-6 });
      const evT = await values(m.evaluate(wg.tensor(x), wg.mul(wg.tensor(y), 1), { batchSize }));
      expectAllClose(evT, ev, { rtol: 1e-6, atol: 1e-7 });
    }
  });

  test('batched results use the weights as they were at the call', async () => {
    const m = mlp(6);
    const { x, y } = data(20);
    const before = await values(m.predict(x));
    const p = m.predict(x, { batchSize: 3 });
    const e = m.evaluate(x, y, { batchSize: 3 });
    const ref = await reference(m, x, y);
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expectAllClose(await values(p), before, { rtol: 1e-6, atol: 1e-7 });
    expectAllClose(await values(e), [ref.loss, ref.acc, ref.mse], { rtol: 1e-5, atol: 1e-6 });
  });

  test('predict(array) and evaluate(arrays) leave no buffers behind (unbatched and batched)', async () => {
    const m = mlp(8);
    const { x, y } = data(24);
    const xTensor = wg.tensor(x);
    const calls = async (): Promise<void> => {
      await values(m.predict(x));
      await values(m.evaluate(x, y));
      await values(m.predict(xTensor));
      await values(m.predict(x, { batchSize: 5 }));
      await values(m.evaluate(x, y, { batchSize: 5 }));
      // Disposed without being read, batched or not.
      wg.dispose([m.predict(x), m.predict(x, { batchSize: 7 }), m.evaluate(x, y, { batchSize: 7 })]);
    };
    for (let i = 0; i < 2; i++) await calls(); // warm up (plans, pooled buffers)
    await values(m.predict(x, { batchSize: 7 })); // the disposed task has run before this one
    const base = wg.stats();
    for (let i = 0; i < 10; i++) await calls();
    await values(m.predict(x, { batchSize: 7 }));
    const after = wg.stats();
    expect({ buffers: after.buffers, bytes: after.bytes }).toEqual({ buffers: base.buffers, bytes: base.bytes });
    xTensor.dispose();
  });
});
