// A step whose loss turns NaN/Infinity stops fit with an Error naming the
// epoch and batch; the model keeps the weights from before that step, in
// both the one-at-a-time (batch callbacks) and the pipelined path.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

function exploding(): wg.Sequential {
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })] });
  m.compile({ optimizer: wg.train.sgd(50), loss: 'meanSquaredError' });
  return m;
}
const x = Array.from({ length: 64 }, (_, i) => [1 + (i % 3), 2 - (i % 5) / 2]);
const y = x.map(([a, b]) => [3 * a - b]);

async function read(m: wg.Sequential): Promise<number[][]> {
  const ws = m.getWeights();
  const v = await Promise.all(ws.map(async (w) => Array.from(await w.data())));
  wg.dispose(ws);
  return v;
}

describeEachBackend('non-finite loss', () => {
  test('fit rejects naming epoch and batch; weights are those from before the failing batch', async () => {
    // One batch at a time, recording the weights before every batch.
    const strict = exploding();
    const seen: { epoch: number; batch: number; weights: number[][] }[] = [];
    let epoch = 0;
    const err = await strict.fit(x, y, {
      epochs: 10, batchSize: 8, shuffle: false, verbose: 0,
      callbacks: {
        onEpochBegin: (e) => void (epoch = e),
        onBatchBegin: async (b) => void seen.push({ epoch, batch: b, weights: await read(strict) }),
      },
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    const m = /epoch (\d+) batch (\d+)/.exec(msg);
    expect(m, msg).not.toBeNull();
    expect(msg).toMatch(/the loss became (NaN|Infinity|-Infinity)/);
    const [fe, fb] = [Number(m![1]), Number(m![2])];
    const failing = seen.find((s) => s.epoch === fe && s.batch === fb)!;
    expect(failing).toBeDefined();
    expect(seen.length).toBeGreaterThan(1); // some steps trained before it failed
    const after = await read(strict);
    for (const w of after) for (const v of w) expect(Number.isFinite(v)).toBe(true);
    expect(after).toEqual(failing.weights);

    // The pipelined path (no batch callbacks) fails at the same place and rolls back the same way.
    const piped = exploding();
    await expect(piped.fit(x, y, { epochs: 10, batchSize: 8, shuffle: false, verbose: 0 })).rejects.toThrow(new RegExp(`epoch ${fe} batch ${fb} `));
    expect(await read(piped)).toEqual(failing.weights);

    // The model stays usable: new weights and a sane learning rate train it.
    piped.setWeights([wg.ones([2, 1]), wg.zeros([1])]);
    piped.compile({ optimizer: wg.train.sgd(1e-3), loss: 'meanSquaredError' });
    const h = await piped.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(h.history.loss[1]).toBeLessThan(h.history.loss[0]);
  });
});
