// A compiled training step is one queue.submit with a fixed number of
// dispatches, and replaying it creates no GPU objects and no new buffers.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';
import { batch, mlpStep } from './mlp_fixture.js';

/**
 * After fusion the 2-16-16-1 step (forward, binary cross-entropy, backward,
 * SGD) is 14 kernels, down from 50 op by op:
 *  - 3 matmul + bias + activation (forward);
 *  - 1 reduce whose prologue computes the per-sample losses and whose
 *    epilogue turns the sum into the mean loss;
 *  - 2 elementwise kernels for the loss gradient through clip and sigmoid;
 *  - 2 matmuls for dx (layers 3 and 2), each with the previous layer's
 *    activation derivative (relu', tanh') as epilogue;
 *  - 3 matmuls for dW, each with its SGD update as epilogue;
 *  - 3 reduces for db, each with its SGD update as epilogue.
 */
const FUSED_DISPATCHES = 14;

describe('compiled step on WebGPU', () => {
  beforeAll(() => useBackend('webgpu'));
  afterAll(() => useBackend('cpu'));

  test('one submit per step, with the documented dispatch count', async () => {
    const { step } = await mlpStep();
    expect(step.dispatchesPerRun).toBe(FUSED_DISPATCHES);
    const before = wg.stats();
    const outs = step.run(batch(0));
    const after = wg.stats();
    expect(after.submits - before.submits).toBe(1);
    expect(after.dispatches - before.dispatches).toBe(FUSED_DISPATCHES);
    outs.forEach((t) => t.dispose());
    step.dispose();
  });

  test('1,000 steps: no GPU objects created after warm-up, and memory never grows', async () => {
    const { step } = await mlpStep();
    const device = wg.getWebGPUDevice()!;
    const created = { buffers: 0, bindGroups: 0, pipelines: 0 };
    const wrap = <K extends 'createBuffer' | 'createBindGroup' | 'createComputePipeline' | 'createComputePipelineAsync'>(name: K, counter: keyof typeof created) => {
      const original = device[name].bind(device) as (...a: unknown[]) => unknown;
      (device as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        created[counter]++;
        return original(...args);
      };
      return () => ((device as unknown as Record<string, unknown>)[name] = original);
    };
    let firstLoss = 0;
    let lastLoss = 0;
    // Warm-up: the first runs move parameters from their initial buffers into
    // the two buffers each one alternates between from then on.
    for (let i = 0; i < 3; i++) {
      const [l] = step.run(batch(i));
      if (i === 0) firstLoss = (await l.data())[0];
      l.dispose();
    }
    const base = wg.stats();
    const restore = [wrap('createBuffer', 'buffers'), wrap('createBindGroup', 'bindGroups'), wrap('createComputePipeline', 'pipelines'), wrap('createComputePipelineAsync', 'pipelines')];
    try {
      for (let i = 3; i < 1000; i++) {
        const [loss] = step.run(batch(i % 50));
        if (i % 100 === 99) {
          lastLoss = (await loss.data())[0];
          const s = wg.stats();
          expect(s.buffers).toBeLessThanOrEqual(base.buffers);
          expect(s.bytes).toBeLessThanOrEqual(base.bytes);
        }
        loss.dispose();
      }
    } finally {
      restore.forEach((r) => r());
    }
    // Readbacks use a pooled staging buffer created on the first read.
    expect(created).toEqual({ buffers: 0, bindGroups: 0, pipelines: 0 });
    expect(wg.stats().pipelines).toBe(base.pipelines);
    expect(lastLoss).toBeLessThan(firstLoss);
    step.dispose();
  });
});
