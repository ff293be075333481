// A compiled training step of a small CNN (conv2d + relu, maxPool, strided
// conv2d, avgPool, dense): it computes what the same function computes
// eagerly, learns, and on WebGPU replays as one submission with a fixed
// number of dispatches and no new GPU objects.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';

const X: [number, number, number, number] = [4, 9, 9, 3];

function loss(x: wg.Tensor, y: wg.Tensor, f1: wg.Tensor, f2: wg.Tensor, w: wg.Tensor): wg.Tensor {
  const h1 = wg.relu(wg.conv2d(x, f1, 1, 'same')); // [4, 9, 9, 5]
  const p1 = wg.maxPool(h1, 2, 2, 'same'); // [4, 5, 5, 5]
  const h2 = wg.tanh(wg.conv2d(p1, f2, 2, 'valid')); // [4, 2, 2, 6]
  const p2 = wg.avgPool(h2, 2, 1, 'valid'); // [4, 1, 1, 6]
  const out = wg.matMul(wg.reshape(p2, [4, 6]), w); // [4, 2]
  return wg.mean(wg.square(wg.sub(out, y)));
}

for (const backend of BACKENDS) {
  test(`compiled CNN step: eager values, learning, one submission per run [${backend}]`, async () => {
    await useBackend(backend);
    try {
      const rng = new Rng(1401);
      const f1 = wg.variable(wg.randomNormal([3, 3, 3, 5], 0, 0.4, 1));
      const f2 = wg.variable(wg.randomNormal([3, 3, 5, 6], 0, 0.3, 2));
      const w = wg.variable(wg.randomNormal([6, 2], 0, 0.5, 3));
      const lr = 0.2;
      const vars = [f1, f2, w];
      const step = await wg.compileStep({
        inputs: [{ shape: X, dtype: 'float32' }, { shape: [4, 2], dtype: 'float32' }],
        variables: vars,
        build: ([x, y], vs) => {
          const { value, grads } = wg.valueAndGrads((a, b, c) => loss(x, y, a, b, c))(vs);
          return { outputs: [value, ...grads], updates: vs.map((v, i) => wg.sub(v, wg.mul(grads[i], lr))) };
        },
      });
      await step.prepareVariables();
      const x = Float32Array.from({ length: 4 * 9 * 9 * 3 }, () => rng.uniform(-1, 1));
      const y = Float32Array.from({ length: 8 }, () => rng.uniform(-1, 1));

      const before = await Promise.all(vars.map((v) => v.data()));
      const eager = wg.valueAndGrads((a, b, c) => loss(wg.tensor(x, X), wg.tensor(y, [4, 2]), a, b, c))(before.map((d, i) => wg.tensor(d, vars[i].shape)));
      const outs = step.run([x, y]);
      expectAllClose(await outs[0].data(), await eager.value.data(), { rtol: 1e-5, atol: 1e-6 }, 'loss');
      for (let i = 0; i < 3; i++) expectAllClose(await outs[i + 1].data(), await eager.grads[i].data(), { rtol: 1e-4, atol: 1e-6 }, `gradient ${i}`);
      outs.forEach((t) => t.dispose());

      const device = wg.getWebGPUDevice();
      let created = 0;
      const original = device?.createBindGroup.bind(device);
      let first = 0;
      let last = 0;
      for (let i = 0; i < 30; i++) {
        if (device && i === 3) {
          device.createBindGroup = (d: GPUBindGroupDescriptor) => {
            created++;
            return original!(d);
          };
        }
        const s0 = wg.stats();
        const r = step.run([x, y]);
        const s1 = wg.stats();
        expect(s1.submits - s0.submits).toBe(1);
        expect(s1.dispatches - s0.dispatches).toBe(step.dispatchesPerRun);
        if (i === 0) first = (await r[0].data())[0];
        if (i === 29) last = (await r[0].data())[0];
        r.forEach((t) => t.dispose());
      }
      if (device) device.createBindGroup = original!;
      expect(created).toBe(0);
      expect(last).toBeLessThan(first * 0.7);
      step.dispose();
    } finally {
      await useBackend('cpu');
    }
  });
}
