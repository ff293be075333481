// fit's runtime behaviour: memory stays flat across epochs, the event loop
// keeps turning during training, and verbose: 1 prints a progress bar on a
// terminal, one line per epoch elsewhere.
import { expect, test, vi } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

const x = Array.from({ length: 200 }, (_, i) => [Math.sin(i), Math.cos(i), (i % 7) / 7]);
const y = x.map(([a, b, c]) => [a * b - c]);

function mlp(): wg.Sequential {
  const m = wg.sequential({ layers: [
    wg.layers.dense({ units: 16, inputShape: [3], activation: 'relu', kernelInitializer: wg.initializers.heUniform({ seed: 1 }) }),
    wg.layers.dense({ units: 1, kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
  return m;
}

describeEachBackend('fit at run time', () => {
  test('no buffers leak across epochs (pipelined steps, snapshots, validation)', async () => {
    const m = mlp();
    const counts: number[] = [];
    await m.fit(x, y, { epochs: 6, batchSize: 32, verbose: 0, validationSplit: 0.25, callbacks: { onEpochEnd: () => void counts.push(wg.stats().buffers) } });
    // After the first epochs warm up (both batch shapes compiled), the count is flat.
    expect(counts[5]).toBe(counts[2]);
  });

  test('the event loop keeps running during fit', async () => {
    const m = mlp();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await m.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0, yieldEvery: 2 });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(2);
  });
});

/** fit's verbose: 1 output with process.stdout claiming to be a terminal or not. */
async function fitOutput(isTTY: boolean): Promise<string> {
  const writes: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    writes.push(String(s));
    return true;
  });
  const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  Object.defineProperty(process.stdout, 'isTTY', { value: isTTY, configurable: true, writable: true });
  try {
    await mlp().fit(x, y, { epochs: 2, batchSize: 50, verbose: 1 });
  } finally {
    spy.mockRestore();
    if (had) Object.defineProperty(process.stdout, 'isTTY', had);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
  }
  return writes.join('');
}

test('verbose: 1 on a terminal prints a progress bar redrawn in place, with loss and samples/s', async () => {
  const out = await fitOutput(true);
  expect(out).toContain('Epoch 1/2\n');
  expect(out).toContain('Epoch 2/2\n');
  expect(out).toMatch(/\r200\/200 \[=+\] - [\d.]+s \d+ samples\/s - loss: [\d.e-]+ - mae: [\d.e-]+\s*\n/);
});

test('verbose: 1 when stdout is not a terminal (CI, a log file): one plain line per epoch, no \\r redraws', async () => {
  const out = await fitOutput(false);
  expect(out).not.toContain('\r');
  const lines = out.split('\n');
  expect(lines.pop()).toBe('');
  expect(lines).toHaveLength(2);
  lines.forEach((line, e) => expect(line).toMatch(new RegExp(`^Epoch ${e + 1}/2 - 200/200 - [\\d.]+s \\d+ samples/s - loss: [\\d.e-]+ - mae: [\\d.e-]+$`)));
});

test('ProgressLogger writes to the stream it is given (a non-terminal: one line per epoch)', () => {
  const writes: string[] = [];
  const p = new wg.callbacks.ProgressLogger(30, { write: (s: string) => void writes.push(s) });
  p.setParams({ epochs: 3, initialEpoch: 0, samples: 6, steps: 2, batchSize: 4, verbose: 1, doValidation: false, metrics: ['loss'] });
  p.onEpochBegin(1);
  p.onBatchEnd(0, { batch: 0, size: 4, loss: 1 });
  p.onBatchEnd(1, { batch: 1, size: 2, loss: 4 });
  p.onEpochEnd(1, { loss: 2 });
  expect(writes).toHaveLength(1);
  expect(writes[0]).toMatch(/^Epoch 2\/3 - 6\/6 - [\d.]+s \d+ samples\/s - loss: 2\.0000\n$/);
});
