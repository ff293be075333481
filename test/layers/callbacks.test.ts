// Callback order (Keras'), async hooks, stopTraining, and earlyStopping.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

function linearModel(seed = 1): wg.Sequential {
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [1], kernelInitializer: wg.initializers.glorotUniform({ seed }) })] });
  m.compile({ optimizer: wg.train.sgd(0.05), loss: 'meanSquaredError' });
  return m;
}
const xs = Array.from({ length: 10 }, (_, i) => i / 10);

describeEachBackend('callbacks', () => {
  test('hooks run in Keras order with logs; async hooks are awaited', async () => {
    const m = linearModel();
    const calls: string[] = [];
    const batchLogs: wg.callbacks.Logs[] = [];
    const epochLogs: wg.callbacks.Logs[] = [];
    const h = await m.fit(xs, xs.map((x) => 2 * x), {
      epochs: 2, batchSize: 4, verbose: 0, validationSplit: 0.2,
      callbacks: [{
        onTrainBegin: async () => { await new Promise((r) => setTimeout(r, 5)); calls.push('trainBegin'); },
        onEpochBegin: (e) => void calls.push(`epochBegin ${e}`),
        onBatchBegin: (b) => void calls.push(`batchBegin ${b}`),
        onBatchEnd: async (b, logs) => { await new Promise((r) => setTimeout(r, 1)); calls.push(`batchEnd ${b}`); batchLogs.push(logs!); },
        onEpochEnd: (e, logs) => { calls.push(`epochEnd ${e}`); epochLogs.push(logs!); },
        onTrainEnd: () => void calls.push('trainEnd'),
      }],
    });
    const epoch = (e: number): string[] => [`epochBegin ${e}`, 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', `epochEnd ${e}`];
    expect(calls).toEqual(['trainBegin', ...epoch(0), ...epoch(1), 'trainEnd']);
    // 8 training samples (the last 2 are validation): batches of 4 and 4.
    expect(batchLogs[0]).toMatchObject({ batch: 0, size: 4 });
    expect(Object.keys(epochLogs[0]).sort()).toEqual(['loss', 'val_loss']);
    // The epoch loss is the batch-size-weighted mean of the batch losses.
    expect(epochLogs[0].loss).toBeCloseTo((batchLogs[0].loss + batchLogs[1].loss) / 2, 6);
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history.loss).toEqual(epochLogs.map((l) => l.loss));
  });

  test('a callback can stop training (model.stopTraining)', async () => {
    const m = linearModel();
    const seen: number[] = [];
    const h = await m.fit(xs, xs, {
      epochs: 5, batchSize: 2, verbose: 0,
      callbacks: new wg.CustomCallback({ onBatchEnd: (b) => { seen.push(b); if (b === 1) m.stopTraining = true; } }),
    });
    expect(seen).toEqual([0, 1]);
    expect(h.epoch).toEqual([0]);
  });

  test('earlyStopping stops when val_loss stops improving (patience)', async () => {
    // Trained on y = x but validated on y = -x: val_loss rises as the model learns.
    const m = linearModel(3);
    const es = wg.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 });
    const h = await m.fit(xs, xs, { epochs: 20, batchSize: 5, verbose: 0, validationData: [xs, xs.map((x) => -x)], callbacks: [es] });
    const v = h.history.val_loss;
    // It stops at the first epoch with `patience` non-improving epochs after the best.
    const best = v.indexOf(Math.min(...v));
    expect(h.epoch.length).toBe(best + 3);
    expect(h.epoch.length).toBeLessThan(20);
    expect(es.stoppedEpoch).toBe(h.epoch[h.epoch.length - 1]);
  });

  test('earlyStopping: minDelta, mode and the monitored name', async () => {
    const m = linearModel();
    // Improvements smaller than minDelta do not count: stops after epoch 1.
    const h = await m.fit(xs, xs, { epochs: 10, batchSize: 5, verbose: 0, callbacks: [wg.callbacks.earlyStopping({ monitor: 'loss', minDelta: 1e9, patience: 1 })] });
    expect(h.epoch).toEqual([0, 1]);
    const es = wg.callbacks.earlyStopping({ monitor: 'val_acc' });
    expect(es.mode).toBe('max');
    expect(wg.callbacks.earlyStopping({ monitor: 'loss', mode: 'max' }).mode).toBe('max');
    expect(() => wg.callbacks.earlyStopping({ mode: 'up' as never })).toThrow(/'mode' must be 'auto', 'min' or 'max'/);
    // Monitoring val_loss without validation data fails before training.
    await expect(m.fit(xs, xs, { epochs: 2, verbose: 0, callbacks: [wg.callbacks.earlyStopping()] })).rejects.toThrow(/'val_loss' will not be logged; fit logs loss \(pass validationData or validationSplit/);
  });
});
