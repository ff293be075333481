// A compiled step trains a linear model on both backends: few kernels, one submit per run.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';
for (const b of ['cpu', 'webgpu'] as const) {
  test(`compiled sgd on a linear model [${b}]`, async () => {
    await useBackend(b);
    const w = wg.variable(wg.zeros([4, 1]));
    const bias = wg.variable(wg.zeros([1]));
    const step = await wg.compileStep({
      inputs: [{ shape: [8, 4], dtype: 'float32' }, { shape: [8, 1], dtype: 'float32' }],
      variables: [w, bias],
      build: ([x, y], [wv, bv]) => {
        const f = (ww: wg.Tensor, bb: wg.Tensor) => wg.meanSquaredError(y, wg.add(wg.matMul(x, ww), bb));
        const loss = f(wv, bv);
        const { grads } = wg.valueAndGrads(f)([wv, bv]);
        return { outputs: [loss], updates: [wg.sub(wv, wg.mul(grads[0], 0.1)), wg.sub(bv, wg.mul(grads[1], 0.1))] };
      },
    });
    await step.prepareVariables();
    const rng = () => Math.random() * 2 - 1;
    const trueW = [1, -1, 1, -1];
    let last = Infinity;
    const s0 = wg.stats();
    for (let i = 0; i < 300; i++) {
      const x = Float32Array.from({ length: 32 }, rng);
      const y = new Float32Array(8);
      for (let r = 0; r < 8; r++) for (let c = 0; c < 4; c++) y[r] += x[r * 4 + c] * trueW[c];
      const [loss] = step.run([x, y]);
      if (i % 100 === 99) last = (await loss.data())[0];
      loss.dispose();
    }
    const s1 = wg.stats();
    console.log(b, 'loss', last, 'dispatches/run', step.dispatchesPerRun, 'submits', s1.submits - s0.submits, 'buffers', s0.buffers, s1.buffers);
    expect(last).toBeLessThan(1e-3);
    const wv = await w.data();
    for (let c = 0; c < 4; c++) expect(wv[c]).toBeCloseTo(trueW[c], 2);
  });
}

// keepHostCopy asks for a state that survives a lost device; compileStep
// copies to the host only where memory can be lost (the GPU), and the copy
// after run k holds the values the variables had after run k.
for (const b of ['cpu', 'webgpu'] as const) {
  test(`keepHostCopy copies the state only where the device memory can be lost [${b}]`, async () => {
    await useBackend(b);
    const w = wg.variable(wg.tensor([1, 2, 3]));
    const step = await wg.compileStep({
      keepHostCopy: true,
      inputs: [{ shape: [3], dtype: 'float32' }],
      variables: [w],
      build: ([x], [wv]) => ({ outputs: [wg.sum(wv)], updates: [wg.add(wg.mul(wv, 2), x)] }),
    });
    await step.prepareVariables();
    expect(step.keepsHostCopy).toBe(b === 'webgpu');
    for (let i = 0; i < 3; i++) step.run([Float32Array.of(i, 0, -i)])[0].dispose();
    await step.snapshotsSettled();
    const now = Array.from(await w.data());
    // Reference: w <- 2w + x for x = (0,0,0), (1,0,-1), (2,0,-2).
    expect(now).toEqual([12, 16, 20]);
    const last = step.lastSnapshot();
    if (b !== 'webgpu') {
      expect(last).toBeNull();
      expect(await step.snapshotAt(3)).toBeNull();
    } else {
      expect(last?.run).toBe(3);
      expect(Array.from(last!.values[0])).toEqual(now);
      const first = await step.snapshotAt(1);
      expect(first?.run).toBe(1);
      expect(Array.from(first!.values[0])).toEqual([2, 4, 6]);
      first!.release();
    }
    step.dispose();
    w.dispose();
  });
}

// Nodes that depend on no input or variable (here c = (k * 3 - 1) / 4 of a
// constant k) are computed once while the step's kernels compile: the plan
// reads c as an input, runs do not recompute it, and its value is right.
for (const b of ['cpu', 'webgpu'] as const) {
  test(`constants are folded at compile time, not in the plan [${b}]`, async () => {
    await useBackend(b);
    const k = wg.tensor([1, 2, 3, 4]);
    const w = wg.variable(wg.tensor([0.5, -1, 2, 0]));
    const step = await wg.compileStep({
      inputs: [{ shape: [4], dtype: 'float32' }],
      variables: [w],
      build: ([x], [wv]) => {
        const c = wg.div(wg.sub(wg.mul(k, 3), 1), 4);
        return { outputs: [wg.mul(x, c)], updates: [wg.add(wv, c)] };
      },
    });
    await step.prepareVariables();
    // Two kernels per run (x * c and w + c): nothing of c's arithmetic.
    expect(step.dispatchesPerRun).toBe(2);
    const c = [0.5, 1.25, 2, 2.75]; // (3k - 1) / 4 in float64
    for (let run = 1; run <= 2; run++) {
      const [y] = step.run([Float32Array.of(2, -2, 1, 4)]);
      expect(Array.from(await y.data())).toEqual([2 * c[0], -2 * c[1], c[2], 4 * c[3]]);
      y.dispose();
      expect(Array.from(await w.data())).toEqual([0.5, -1, 2, 0].map((v, i) => v + run * c[i]));
    }
    step.dispose();
  });
}
