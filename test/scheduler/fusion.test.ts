// Fused plans compute what op-by-op plans compute, with far fewer kernels.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';
import { batch, mlpStep } from './mlp_fixture.js';
// Training results of the fused plan equal the op-by-op plan's.
for (const b of ['cpu', 'webgpu'] as const) {
  test(`mlp step fused vs unfused [${b}]`, async () => {
    await useBackend(b);
    const results: number[][] = [];
    const dispatches: number[] = [];
    for (const fuse of [false, true]) {
      const { step } = await mlpStep(fuse);
      const losses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const [l] = step.run(batch(i));
        losses.push((await l.data())[0]);
        l.dispose();
      }
      results.push(losses);
      dispatches.push(step.dispatchesPerRun);
      step.dispose();
    }
    expect(dispatches[1]).toBeLessThan(dispatches[0] / 2);
    for (let i = 0; i < 20; i++) expect(results[1][i]).toBeCloseTo(results[0][i], 4);
    expect(results[1][19]).toBeLessThan(results[1][0]);
  });
}

// Big matmuls (the register-blocked kernel) take two-input epilogues: the
// SGD update on the weight-gradient matmul, relu' on the input-gradient one.
test('big-matmul epilogues give the op-by-op result [webgpu]', async () => {
  await useBackend('webgpu');
  const run = async (fuse: boolean) => {
    const w1 = wg.variable(wg.randomNormal([192, 160], 0, 0.05, 11));
    const w2 = wg.variable(wg.randomNormal([160, 96], 0, 0.05, 12));
    const step = await wg.compileStep({
      fuse,
      inputs: [{ shape: [128, 192], dtype: 'float32' }, { shape: [128, 96], dtype: 'float32' }],
      variables: [w1, w2],
      build: ([x, y], v) => {
        const f = (a: wg.Tensor, b: wg.Tensor) => wg.meanSquaredError(y, wg.matMul(wg.relu(wg.matMul(x, a)), b));
        const { value, grads } = wg.valueAndGrads(f)(v);
        return { outputs: [value], updates: v.map((p, i) => wg.sub(p, wg.mul(grads[i], 0.1))) };
      },
    });
    await step.prepareVariables();
    const x = Float32Array.from({ length: 128 * 192 }, (_, i) => Math.sin(i * 0.37));
    const y = Float32Array.from({ length: 128 * 96 }, (_, i) => Math.cos(i * 0.11));
    for (let i = 0; i < 3; i++) step.run([x, y]).forEach((t) => t.dispose());
    const labels = step.plan.calls.map((c) => c.label);
    const out = [...(await w1.data()), ...(await w2.data())];
    step.dispose();
    return { out, labels };
  };
  const plain = await run(false);
  const fused = await run(true);
  expect(fused.labels.some((l) => /^matmul\[128x192, 128x160\]>mul.*>sub/.test(l))).toBe(true);
  let worst = 0;
  for (let i = 0; i < plain.out.length; i++) worst = Math.max(worst, Math.abs(plain.out[i] - fused.out[i]) / (1e-4 + Math.abs(plain.out[i])));
  expect(worst).toBeLessThan(1e-3);
});
