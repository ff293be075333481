// A compiled training step built from the shape ops (gather, pad, slice,
// tile, concat, where, batched matMul): it computes what the same function
// computes eagerly, learns, and on WebGPU replays as one submission with a
// fixed number of dispatches and no new GPU objects.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';

const IDS = 5;

/** Loss of a small model that uses every shape op; x [4, 6], ids [5] int32, table [10, 3], w [2, 6, 3]. */
function loss(x: wg.Tensor, ids: wg.Tensor, table: wg.Tensor, w: wg.Tensor): wg.Tensor {
  const emb = wg.gather(table, ids); // [5, 3]
  const framed = wg.pad(emb, [[1, 0], [0, 1]], 0.5); // [6, 4]
  const window = wg.slice(x, [0, 1], [4, 3]); // [4, 3]
  const wide = wg.tile(window, [1, 2]); // [4, 6]
  const both = wg.concat([wide, x], 0); // [8, 6]
  const act = wg.where(wg.greater(both, 0), both, wg.mul(both, 0.1));
  const y = wg.matMul(wg.reshape(act, [2, 4, 6]), w); // [2, 4, 3]
  const target = wg.sum(framed, 1, true); // [6, 1]
  return wg.add(wg.mean(wg.square(wg.sub(y, 0.25))), wg.mean(wg.square(wg.sub(target, 1))));
}

function data(rng: Rng): { x: Float32Array; ids: Int32Array } {
  return { x: Float32Array.from({ length: 24 }, () => rng.uniform(-1, 1)), ids: Int32Array.from({ length: IDS }, () => rng.int(0, 10)) };
}

for (const backend of BACKENDS) {
  test(`compiled step of shape ops: eager values, learning, one submission per run [${backend}]`, async () => {
    await useBackend(backend);
    try {
      const rng = new Rng(401);
      const table = wg.variable(wg.randomNormal([10, 3], 0, 0.5, 1));
      const w = wg.variable(wg.randomNormal([2, 6, 3], 0, 0.5, 2));
      const lr = 0.1;
      const step = await wg.compileStep({
        inputs: [{ shape: [4, 6], dtype: 'float32' }, { shape: [IDS], dtype: 'int32' }],
        variables: [table, w],
        build: ([x, ids], [tv, wv]) => {
          const { value, grads } = wg.valueAndGrads((t, ww) => loss(x, ids, t, ww))([tv, wv]);
          return { outputs: [value, ...grads], updates: [wg.sub(tv, wg.mul(grads[0], lr)), wg.sub(wv, wg.mul(grads[1], lr))] };
        },
      });
      await step.prepareVariables();

      // Run 1 against the same function evaluated eagerly, op by op.
      const batch = data(rng);
      const t0 = await table.data();
      const w0 = await w.data();
      const eager = wg.valueAndGrads((t, ww) => loss(wg.tensor(batch.x, [4, 6]), wg.tensor(batch.ids, [IDS], 'int32'), t, ww))([wg.tensor(t0, [10, 3]), wg.tensor(w0, [2, 6, 3])]);
      const [l, gt, gw] = step.run([batch.x, batch.ids]);
      expectAllClose(await l.data(), await eager.value.data(), { rtol: 1e-5, atol: 1e-6 }, 'loss');
      expectAllClose(await gt.data(), await eager.grads[0].data(), { rtol: 1e-5, atol: 1e-6 }, 'table gradient');
      expectAllClose(await gw.data(), await eager.grads[1].data(), { rtol: 1e-5, atol: 1e-6 }, 'w gradient');
      const gtv = await gt.data();
      const t1 = await table.data();
      expectAllClose(t1, t0.map((v, i) => Math.fround(v - Math.fround(lr * gtv[i]))), { rtol: 1e-6, atol: 1e-7 }, 'table after the update');
      [l, gt, gw].forEach((t) => t.dispose());

      // Replays on one fixed batch: one submission each, a fixed number of
      // dispatches, no new GPU objects once warm, and a falling loss.
      const fixed = data(rng);
      const device = wg.getWebGPUDevice();
      let created = 0;
      const original = device?.createBindGroup.bind(device);
      let first = 0;
      let last = 0;
      for (let i = 0; i < 40; i++) {
        if (device && i === 3) {
          device.createBindGroup = (d: GPUBindGroupDescriptor) => {
            created++;
            return original!(d);
          };
        }
        const before = wg.stats();
        const outs = step.run([fixed.x, fixed.ids]);
        const after = wg.stats();
        expect(after.submits - before.submits).toBe(1);
        expect(after.dispatches - before.dispatches).toBe(step.dispatchesPerRun);
        if (i === 0) first = (await outs[0].data())[0];
        if (i === 39) last = (await outs[0].data())[0];
        outs.forEach((t) => t.dispose());
      }
      if (device) device.createBindGroup = original!;
      expect(created).toBe(0);
      expect(last).toBeLessThan(first * 0.9);
      step.dispose();
    } finally {
      await useBackend('cpu');
    }
  });
}
