// GPU faults become clear errors; temporaries share memory inside a plan.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import type { BackendBuffer } from '../../src/backends/backend.js';
import { buildPlan } from '../../src/graph/build_plan.js';
import { useBackend } from '../helpers/backends.js';
import { mlpStep } from './mlp_fixture.js';

describe('faults and memory on WebGPU', () => {
  beforeAll(() => useBackend('webgpu'));
  afterAll(() => useBackend('cpu'));

  test('a GPU validation error names the kernels, never silent zeros', async () => {
    const x = wg.tensor([1, 2, 3, 4]);
    // A computation from x puts x on the GPU (data() of x alone reads its host copy).
    await wg.mul(x, 1).data();
    // Sabotage: destroy the GPU buffer behind x, then compute from it.
    ((x.storage!.buffer as BackendBuffer & { buffer: GPUBuffer }).buffer).destroy();
    const y = wg.mul(wg.add(x, 1), 3);
    await expect(y.data()).rejects.toThrow(/webgpu: validation error while running \[.*add\[4, scalar\].*\]/);
  });

  test('a tensor larger than maxStorageBufferBindingSize is refused with a clear message', async () => {
    const max = wg.getWebGPUDevice()!.limits.maxStorageBufferBindingSize;
    const n = Math.floor(max / 4) + 1024;
    const big = wg.zeros([n]);
    await expect(wg.add(big, 1).data()).rejects.toThrow(/exceeds this device's maxStorageBufferBindingSize/);
    big.dispose();
  });

  test('time to first step is reported', async () => {
    const before = wg.stats().compiledSteps;
    const { step } = await mlpStep();
    const s = wg.stats();
    expect(s.compiledSteps).toBe(before + 1);
    expect(s.lastCompileMs).toBeGreaterThan(0);
    step.dispose();
  });
});

test('temporaries reuse freed buffers: peak memory well below the sum of intermediates', () => {
  // A 6-layer MLP's forward + backward, planned op by op (no fusion).
  const x = wg.randomNormal([64, 32], 0, 1, 1);
  const ws = Array.from({ length: 6 }, (_, i) => wg.randomNormal([32, 32], 0, 0.1, i + 2));
  const f = (...p: wg.Tensor[]) => {
    let h = x;
    for (const w of p) h = wg.tanh(wg.matMul(h, w));
    return wg.mean(wg.square(h));
  };
  const { value, grads } = wg.valueAndGrads(f)(ws);
  const { plan } = buildPlan([value, ...grads], { fuse: false });
  const allTemps = plan.slots.filter((s) => s.kind === 'temp').reduce((a, s) => a + s.bytes, 0);
  const used = plan.tempBytes.reduce((a, b) => a + b, 0);
  expect(allTemps).toBeGreaterThan(0);
  expect(used).toBeLessThan(allTemps / 2);
});
