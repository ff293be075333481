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

describeEachBackend('fit({ profile: true })', () => {
  test('the history holds the profile of every step: one forward matmul per layer per step, and the same losses as an unprofiled fit', async () => {
    const B = 8, IN = 3, H = 5, EPOCHS = 2, SAMPLES = 20;
    const make = (): wg.Sequential => {
      const m = wg.sequential({ layers: [
        wg.layers.dense({ units: H, activation: 'tanh', inputShape: [IN], kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) }),
        wg.layers.dense({ units: 1, kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) }),
      ] });
      m.compile({ optimizer: wg.train.sgd(0.05), loss: 'meanSquaredError' });
      return m;
    };
    const x = Array.from({ length: SAMPLES }, (_, i) => Array.from({ length: IN }, (_, j) => Math.sin(i + 2 * j)));
    const y = x.map((r) => [r[0] - r[1]]);
    const plain = await make().fit(x, y, { epochs: EPOCHS, batchSize: B, shuffle: false, verbose: 0 });
    expect(plain.profile).toBeUndefined();
    const h = await make().fit(x, y, { epochs: EPOCHS, batchSize: B, shuffle: false, verbose: 0, profile: true });
    expect(h.history.loss).toEqual(plain.history.loss);
    const p = h.profile!;
    const steps = EPOCHS * Math.ceil(SAMPLES / B);
    // Each step's first layer: the matmul with its bias and tanh fused, M x K x N = batch x 3 x 5.
    const first = p.kernels.filter((k) => /^matmul\+bias\+tanh \[\d+x3x5\]$/.test(k.name));
    expect(first).toHaveLength(steps);
    expect(p.kernelMs).toBeGreaterThan(0);
    expect(p.wallMs).toBeGreaterThanOrEqual(p.kernelMs * 0.5);
    expect(p.table()).toMatch(/matmul\+bias\+tanh/);
    await expect(make().fit(x, y, { profile: 'yes' as unknown as boolean })).rejects.toThrow(/fit: argument 'profile' must be a boolean/);
  });
});
