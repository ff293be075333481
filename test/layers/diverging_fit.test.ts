// A softmax classifier trained with a huge learning rate diverges: its
// weights turn NaN in the first steps. The loss must say so on every backend,
// so fit's NaN guard fires and the weights from before the failing batch stay.
// (On WebGPU the NaN used to be lost in the fused softmax + cross-entropy,
// whose row maximum and clamp dropped it: fit resolved with finite losses
// such as 1.65e-7 while every weight was NaN.)
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

const n = 64;
const x = Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), (i % 5) / 5, 1]);
const y = x.map((r) => {
  const c = r[0] > 0.3 ? 0 : r[1] > 0 ? 1 : 2;
  return [0, 1, 2].map((k) => (k === c ? 1 : 0));
});

function classifier(lr: number): wg.Sequential {
  const m = wg.sequential({
    layers: [
      wg.layers.dense({ units: 8, activation: 'relu', inputShape: [4], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) }),
      wg.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  m.compile({ optimizer: wg.train.sgd(lr), loss: 'categoricalCrossentropy' });
  return m;
}

async function read(m: wg.Sequential): Promise<number[][]> {
  const ws = m.getWeights();
  const v = await Promise.all(ws.map(async (w) => Array.from(await w.data())));
  wg.dispose(ws);
  return v;
}

describeEachBackend('a diverging softmax classifier', () => {
  test('fit rejects with a NaN loss and keeps the weights from before the failing batch', async () => {
    const m = classifier(1e20);
    const before: number[][][] = [];
    const err = await m
      .fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0, callbacks: { onBatchBegin: async () => void before.push(await read(m)) } })
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/the loss became (NaN|Infinity|-Infinity) at epoch 0 batch (\d+)/);
    const batch = Number(/batch (\d+)/.exec(msg)![1]);
    const kept = await read(m);
    for (const w of kept) for (const v of w) expect(Number.isFinite(v)).toBe(true);
    expect(kept).toEqual(before[batch]);

    // The pipelined path (no batch callbacks) stops at the same batch with the same weights.
    const piped = classifier(1e20);
    await expect(piped.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 })).rejects.toThrow(new RegExp(`epoch 0 batch ${batch} `));
    expect(await read(piped)).toEqual(before[batch]);
  });

  test('the same model with a sane learning rate trains without tripping the guard', async () => {
    const h = await classifier(0.1).fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    expect(h.history.loss[2]).toBeLessThan(h.history.loss[0]);
  });
});
