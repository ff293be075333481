// Losing the GPU device mid-training: a compiled step resumes on the CPU from its
// last snapshot, and fit() finishes with the same losses as an uninterrupted run.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { restoreFromSnapshot, stepBackendGone } from '../../src/graph/recovery.js';
import { useBackend } from '../helpers/backends.js';

async function train(loseAt: number | null): Promise<{ losses: number[]; backend: string }> {
  await useBackend('webgpu');
  const w = wg.variable(wg.randomNormal([4, 8], 0, 0.5, 1)), b = wg.variable(wg.zeros([8]));
  const w2 = wg.variable(wg.randomNormal([8, 1], 0, 0.5, 2)), b2 = wg.variable(wg.zeros([1]));
  const vars = [w, b, w2, b2];
  const def: wg.StepDefinition = {
    keepHostCopy: true,
    inputs: [{ shape: [16, 4], dtype: 'float32' }, { shape: [16, 1], dtype: 'float32' }],
    variables: vars,
    build: ([x, y], v) => {
      const f = (...p: wg.Tensor[]) => wg.meanSquaredError(y, wg.add(wg.matMul(wg.tanh(wg.add(wg.matMul(x, p[0]), p[1])), p[2]), p[3]));
      const { value, grads } = wg.valueAndGrads(f)(v);
      return { outputs: [value], updates: v.map((p, i) => wg.sub(p, wg.mul(grads[i], 0.1))) };
    },
  };
  let step = await wg.compileStep(def);
  await step.prepareVariables();
  const batch = (i: number) => {
    const x = Float32Array.from({ length: 64 }, (_, k) => Math.sin(k * 1.3 + i * 0.7));
    const y = Float32Array.from({ length: 16 }, (_, r) => x[r * 4] - x[r * 4 + 1] + 0.5 * x[r * 4 + 2]);
    return [x, y];
  };
  const losses: number[] = [];
  let base = 0; // runs completed before the current step object
  for (let i = 0; i < 60; ) {
    if (i === loseAt) { wg.getWebGPUDevice()!.destroy(); loseAt = null; }
    try {
      if (stepBackendGone(step)) throw new Error('backend gone');
      const [l] = step.run(batch(i));
      const v = (await l.data())[0];
      l.dispose();
      losses[i] = v;
      i++;
    } catch (e) {
      const done = base + (await restoreFromSnapshot(step, vars));
      step = await wg.compileStep(def);
      await step.prepareVariables();
      base = done;
      i = done;
    }
  }
  return { losses, backend: wg.getBackend()!.name };
}

test('device loss mid-training continues on the CPU from the last completed step', async () => {
  const ref = await train(null);
  const lost = await train(30);
  expect(ref.backend).toBe('webgpu');
  expect(lost.backend).toBe('cpu');
  expect(lost.losses.length).toBe(60);
  expect(lost.losses[59]).toBeCloseTo(ref.losses[59], 4);
  console.log(ref.losses[59], lost.losses[59]);
});

async function fitRun(loseAtEpoch: number | null): Promise<{ loss: number[]; backend: string }> {
  await useBackend('webgpu');
  const model = wg.sequential({ layers: [
    wg.layers.dense({ units: 8, activation: 'tanh', inputShape: [4], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) }),
    wg.layers.dense({ units: 1, kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
  ] });
  model.compile({ optimizer: wg.train.adam(0.01), loss: 'meanSquaredError' });
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < 96; i++) {
    const r = [Math.sin(i), Math.cos(i * 1.3), Math.sin(i * 0.7), Math.cos(i * 0.2)];
    x.push(r);
    y.push([r[0] - r[1] + 0.5 * r[2]]);
  }
  const history = await model.fit(x, y, {
    epochs: 6, batchSize: 16, shuffle: true, seed: 3, verbose: 0,
    callbacks: { onEpochEnd: async (epoch: number) => { if (epoch === loseAtEpoch) wg.getWebGPUDevice()?.destroy(); } },
  });
  return { loss: history.history.loss as number[], backend: wg.getBackend()!.name };
}

test('device loss during fit: training completes on the CPU, same result as without the loss', async () => {
  const ref = await fitRun(null);
  const lost = await fitRun(2);
  expect(ref.backend).toBe('webgpu');
  expect(lost.backend).toBe('cpu');
  expect(lost.loss.length).toBe(6);
  for (let e = 0; e < 6; e++) expect(lost.loss[e]).toBeCloseTo(ref.loss[e], 4);
});
