// fit's runtime behaviour: memory stays flat across epochs, the event loop
// keeps turning during training, and verbose: 1 prints a progress bar.
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

test('verbose: 1 prints a progress bar with loss and samples/s', async () => {
  const writes: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    writes.push(String(s));
    return true;
  });
  try {
    await mlp().fit(x, y, { epochs: 2, batchSize: 50, verbose: 1 });
  } finally {
    spy.mockRestore();
  }
  const out = writes.join('');
  expect(out).toContain('Epoch 1/2\n');
  expect(out).toContain('Epoch 2/2\n');
  expect(out).toMatch(/\r200\/200 \[=+\] - [\d.]+s \d+ samples\/s - loss: [\d.e-]+ - mae: [\d.e-]+\s*\n/);
});
