// wg.profile of a small MLP training step: the forward matmuls appear, fused with
// bias and activation, with FLOPs of at least 2·M·K·N each (counted here).
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

describeEachBackend('profile of an MLP step', () => {
  test('lists fused forward matmuls with FLOP counts and positive times', async () => {
    const B = 8, IN = 4, H = 16;
    const model = wg.sequential({ layers: [
      wg.layers.dense({ units: H, activation: 'relu', inputShape: [IN] }),
      wg.layers.dense({ units: 1, activation: 'sigmoid' }),
    ] });
    model.compile({ optimizer: wg.train.sgd(0.1), loss: 'binaryCrossentropy' });
    const x = Array.from({ length: B }, (_, i) => Array.from({ length: IN }, (_, j) => ((i + j) % 3) - 1));
    const y = Array.from({ length: B }, (_, i) => [i % 2]);
    await model.trainOnBatch(x, y); // compile outside the profile
    const p = await wg.profile(() => model.trainOnBatch(x, y));
    expect(p.kernels.length).toBeGreaterThan(2);
    // Timestamp ticks can make one short kernel read 0 ms; none is negative, the sum is positive.
    for (const k of p.kernels) expect(k.ms).toBeGreaterThanOrEqual(0);
    expect(p.kernelMs).toBeGreaterThan(0);
    const l1 = p.kernels.find((k) => k.name.startsWith('matmul+bias+relu'));
    const l2 = p.kernels.find((k) => k.name.startsWith('matmul+bias+sigmoid'));
    expect(l1?.flops).toBeGreaterThanOrEqual(2 * B * IN * H);
    expect(l2?.flops).toBeGreaterThanOrEqual(2 * B * H * 1);
    expect(l1!.flops).toBeLessThan(2 * B * IN * H + 4 * B * H);
  });
});
