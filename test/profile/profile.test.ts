// wg.profile: per-kernel records with FLOP counts and positive times, on both backends.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { describeEachBackend } from '../helpers/backends.js';

describeEachBackend('profile', () => {
  // Big enough that its GPU time is far above the timestamp quantum (Dawn
  // rounds GPU timestamps; a 4x3x5 product measured 0 ms in 2 of 3 runs on a
  // loaded machine), small enough to take milliseconds on SwiftShader.
  const M = 128, K = 96, N = 160;
  const a = Array.from({ length: M * K }, (_, i) => (i % 7) - 3);
  const b = Array.from({ length: K * N }, (_, i) => (i % 5) - 2);

  test('lists the matmul kernel with its FLOPs, positive time, and unchanged result', async () => {
    const plain = await wg.matMul(wg.tensor(a, [M, K]), wg.tensor(b, [K, N])).data();
    const p = await wg.profile(() => wg.matMul(wg.tensor(a, [M, K]), wg.tensor(b, [K, N])));
    const mm = p.kernels.filter((k) => k.kind === 'matmul');
    expect(mm.length).toBeGreaterThanOrEqual(1);
    // Independent count: 2·M·N·K multiply-adds for a plain matmul.
    expect(mm[0].flops).toBe(2 * M * N * K);
    expect(mm[0].name).toContain('matmul');
    expect(mm[0].ms).toBeGreaterThan(0);
    expect(p.kernelMs).toBeGreaterThan(0);
    expect(p.table()).toContain('matmul');
    expect(Array.from(await p.result.data())).toEqual(Array.from(plain));
  });

  test('a normal run after profiling costs no extra dispatches or submits', async () => {
    const run = async () => { await wg.matMul(wg.tensor(a, [M, K]), wg.tensor(b, [K, N])).data(); };
    await run();
    const s0 = wg.stats();
    await run();
    const s1 = wg.stats();
    await wg.profile(run);
    const s2 = wg.stats();
    await run();
    const s3 = wg.stats();
    expect(s3.dispatches - s2.dispatches).toBe(s1.dispatches - s0.dispatches);
    expect(s3.submits - s2.submits).toBe(s1.submits - s0.submits);
  });
});
