// conv2d's bias add and activation fuse into the convolution kernel (and
// backward, the activation derivative and the SGD update into the gradient
// convolutions): the fused plan has fewer kernels and trains to the same
// weights as the op-by-op plan.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { expectAllClose } from '../helpers/allclose.js';

async function run(fuse: boolean): Promise<{ out: Float32Array[]; labels: string[]; dispatches: number }> {
  const f1 = wg.variable(wg.randomNormal([3, 3, 3, 6], 0, 0.3, 21));
  const b1 = wg.variable(wg.randomNormal([6], 0, 0.3, 22));
  const f2 = wg.variable(wg.randomNormal([3, 3, 6, 5], 0, 0.3, 23));
  const b2 = wg.variable(wg.randomNormal([5], 0, 0.3, 24));
  const vars = [f1, b1, f2, b2];
  const step = await wg.compileStep({
    fuse,
    inputs: [{ shape: [2, 9, 7, 3], dtype: 'float32' }, { shape: [2, 5, 4, 5], dtype: 'float32' }],
    variables: vars,
    build: ([x, y], v) => {
      const f = (a: wg.Tensor, b: wg.Tensor, c: wg.Tensor, d: wg.Tensor): wg.Tensor => {
        const h = wg.conv2d(x, a, 1, 'same').add(b).relu();
        const o = wg.conv2d(h, c, 2, 'same').add(d).tanh();
        return wg.meanSquaredError(y, o);
      };
      const { value, grads } = wg.valueAndGrads(f)(v);
      return { outputs: [value], updates: v.map((p, i) => wg.sub(p, wg.mul(grads[i], 0.1))) };
    },
  });
  await step.prepareVariables();
  const x = Float32Array.from({ length: 2 * 9 * 7 * 3 }, (_, i) => Math.sin(i * 0.37));
  const y = Float32Array.from({ length: 2 * 5 * 4 * 5 }, (_, i) => 0.8 * Math.cos(i * 0.11));
  for (let i = 0; i < 3; i++) step.run([x, y]).forEach((t) => t.dispose());
  const labels = step.plan.calls.map((c) => c.label);
  const out = (await Promise.all(vars.map((v) => v.data()))) as Float32Array[];
  const dispatches = step.dispatchesPerRun;
  step.dispose();
  vars.forEach((v) => v.dispose());
  return { out, labels, dispatches };
}

for (const backend of BACKENDS) {
  test(`conv2d + bias + activation fused vs unfused [${backend}]`, async () => {
    await useBackend(backend);
    try {
      const plain = await run(false);
      const fused = await run(true);
      // The first conv kernel carries its bias and relu (the second's add + tanh
      // is recomputed inside its two readers instead, the loss and tanh');
      // backward, relu' joins the input-gradient conv and the SGD update the
      // filter-gradient convs.
      const has = (re: RegExp): boolean => fused.labels.some((l) => re.test(l));
      expect(has(/^conv2d\[2x9x7x3, 3x3x3x6\]>add\[[^\]]*\]>relu/), fused.labels.join('\n')).toBe(true);
      expect(has(/^conv2dInputGrad.*>reluGrad/), fused.labels.join('\n')).toBe(true);
      expect(has(/^conv2dFilterGrad.*>mul.*>sub/), fused.labels.join('\n')).toBe(true);
      expect(plain.labels.some((l) => /^conv2d.*>/.test(l))).toBe(false);
      expect(fused.dispatches).toBeLessThan(plain.dispatches);
      fused.out.forEach((w, i) => expectAllClose(w, plain.out[i], { rtol: 1e-4, atol: 1e-6 }, `weight ${i}`));
    } finally {
      await useBackend('cpu');
    }
  });
}
