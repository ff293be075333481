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

/**
 * conv -> relu -> maxPool 2 -> loss, trained 3 SGD steps: the relu's
 * derivative joins the pool's gradient kernel (PoolSpec.reluGrad). `channels`
 * 6 runs pool.wgsl's per-channel kernel on WebGPU, 8 pool_vec4.wgsl's. Many
 * windows hold only relu zeros, so their gradient must be masked to 0.
 */
async function runPool(fuse: boolean, channels: number): Promise<{ out: Float32Array[]; labels: string[] }> {
  const f1 = wg.variable(wg.randomNormal([3, 3, 2, channels], 0, 0.4, 31));
  const b1 = wg.variable(wg.randomNormal([channels], 0, 0.2, 32));
  const vars = [f1, b1];
  const step = await wg.compileStep({
    fuse,
    inputs: [{ shape: [2, 10, 9, 2], dtype: 'float32' }, { shape: [2, 4, 3, channels], dtype: 'float32' }],
    variables: vars,
    build: ([x, y], v) => {
      const f = (a: wg.Tensor, b: wg.Tensor): wg.Tensor => {
        const h = wg.conv2d(x, a, 1, 'valid').add(b).relu();
        return wg.meanSquaredError(y, wg.maxPool(h, 2, 2, 'valid'));
      };
      const { value, grads } = wg.valueAndGrads(f)(v);
      return { outputs: [value], updates: v.map((p, i) => wg.sub(p, wg.mul(grads[i], 0.5))) };
    },
  });
  await step.prepareVariables();
  const x = Float32Array.from({ length: 2 * 10 * 9 * 2 }, (_, i) => Math.sin(i * 0.71));
  const y = Float32Array.from({ length: 2 * 4 * 3 * channels }, (_, i) => Math.cos(i * 0.23));
  for (let i = 0; i < 3; i++) step.run([x, y]).forEach((t) => t.dispose());
  const labels = step.plan.calls.map((c) => c.label);
  const out = (await Promise.all(vars.map((v) => v.data()))) as Float32Array[];
  step.dispose();
  vars.forEach((v) => v.dispose());
  return { out, labels };
}

for (const backend of BACKENDS) {
  test(`relu' fused into the max-pool gradient vs unfused [${backend}]`, async () => {
    await useBackend(backend);
    try {
      for (const channels of [6, 8]) {
        const plain = await runPool(false, channels);
        const fused = await runPool(true, channels);
        expect(fused.labels.some((l) => /^poolGrad.*>reluGrad/.test(l)), fused.labels.join('\n')).toBe(true);
        expect(fused.labels.some((l) => /^reluGrad/.test(l)), fused.labels.join('\n')).toBe(false);
        fused.out.forEach((w, i) => expectAllClose(w, plain.out[i], { rtol: 1e-4, atol: 1e-6 }, `channels ${channels} weight ${i}`));
      }
    } finally {
      await useBackend('cpu');
    }
  });
}

/**
 * The fused relu' keeps the reluGrad row's NaN rule: d/dx of
 * sum(maxPool(relu(x)) * w) with NaNs in x (the window's first NaN takes its
 * gradient, every NaN of x gives NaN), windows of 2 with strides 2 and 3
 * (x elements no window covers), 5 and 8 channels (both WebGPU kernels).
 */
async function poolGradWithNaN(fuse: boolean, stride: number, channels: number): Promise<{ out: Float32Array; labels: string[] }> {
  const shape = [2, 7, 6, channels];
  const size = shape.reduce((a, b) => a * b, 1);
  const step = await wg.compileStep({
    fuse,
    inputs: [{ shape, dtype: 'float32' }],
    variables: [],
    build: ([x]) => {
      const f = (t: wg.Tensor): wg.Tensor => {
        const p = wg.maxPool(t.relu(), 2, stride, 'valid');
        return wg.sum(wg.mul(p, wg.tensor(Float32Array.from({ length: p.size }, (_, i) => Math.cos(i)), p.shape)));
      };
      return { outputs: [wg.grad(f)(x)], updates: [] };
    },
  });
  // Signs vary (relu zeros whole windows); a NaN every 7th element, so some windows hold two.
  const x = Float32Array.from({ length: size }, (_, i) => (i % 7 === 3 ? NaN : Math.sin(i * 0.9)));
  const [g] = step.run([x]);
  const out = (await g.data()) as Float32Array;
  g.dispose();
  const labels = step.plan.calls.map((c) => c.label);
  step.dispose();
  return { out, labels };
}

for (const backend of BACKENDS) {
  test(`relu' fused into the max-pool gradient keeps the NaN rule [${backend}]`, async () => {
    await useBackend(backend);
    try {
      for (const stride of [2, 3]) {
        for (const channels of [5, 8]) {
          const plain = await poolGradWithNaN(false, stride, channels);
          const fused = await poolGradWithNaN(true, stride, channels);
          expect(fused.labels.some((l) => /^poolGrad.*>reluGrad/.test(l)), fused.labels.join('\n')).toBe(true);
          expect(plain.out.some(Number.isNaN) && plain.out.some((v) => v === 0) && plain.out.some((v) => v !== 0 && !Number.isNaN(v))).toBe(true);
          expectAllClose(fused.out, plain.out, { rtol: 0, atol: 0 }, `stride ${stride} channels ${channels}`);
        }
      }
    } finally {
      await useBackend('cpu');
    }
  });
}
