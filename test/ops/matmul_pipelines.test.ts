// Which matmuls share a WebGPU pipeline (counted with stats().pipelines):
// the register-blocked kernel takes its shapes from a uniform, so products of
// other sizes reuse one pipeline; the scalar loaders compile the K-tail block
// only where K % 4 != 0 (override K_TAIL), so those get a second one.
// Results checked against float64 products.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { matmulProgram } from '../../src/backends/webgpu/matmul_program.js';
import { nodeGpu } from '../helpers/gpu.js';
import { expectTensorClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);
const base = { transA: false, transB: false, hasBias: false, act: 0, kernel: 'registers' as const };

/** Pipelines compiled while computing and checking matMul(a [m,k], b [k,n]). */
async function newPipelines(rng: Rng, m: number, k: number, n: number): Promise<number> {
  const a = rng.nd([m, k], -1, 1);
  const b = rng.nd([k, n], -1, 1);
  const before = wg.stats().pipelines;
  await expectTensorClose(wg.matMul(T(a), T(b)), ref.matMul(a, b), { rtol: 1e-4, atol: 1e-5 * Math.sqrt(k) * 4 });
  return wg.stats().pipelines - before;
}

describe('matmul pipelines on WebGPU', () => {
  beforeAll(async () => {
    await wg.ready({ backend: 'webgpu', gpu: await nodeGpu(), webgpuMatmul: 'registers' });
  });
  afterAll(async () => {
    await wg.ready({ backend: 'cpu' });
  });

  test('the descriptor: K_TAIL only where K % 4 != 0, one key for the vec4 loaders at any K', () => {
    expect(matmulProgram({ ...base, m: 200, n: 200, k: 200 }).constants.K_TAIL).toBe(0);
    expect(matmulProgram({ ...base, m: 200, n: 201, k: 200 }).constants.K_TAIL).toBe(0);
    expect(matmulProgram({ ...base, m: 200, n: 201, k: 203 }).constants.K_TAIL).toBe(1);
    expect(matmulProgram({ ...base, m: 200, n: 200, k: 204 }).key).toBe(matmulProgram({ ...base, m: 96, n: 300, k: 400 }).key);
  });

  test('register-blocked products of other sizes share one pipeline; the scalar loaders get one per K % 4 == 0 or not', async () => {
    const rng = new Rng(5);
    // vec4 loaders (K, N multiples of 4)
    expect(await newPipelines(rng, 160, 132, 128)).toBe(1);
    expect(await newPipelines(rng, 96, 260, 200)).toBe(0);
    // scalar loaders (N odd): K % 4 == 0, then K % 4 == 3 (the tail block), then another of each
    expect(await newPipelines(rng, 130, 128, 131)).toBe(1);
    expect(await newPipelines(rng, 130, 131, 131)).toBe(1);
    expect(await newPipelines(rng, 140, 200, 101)).toBe(0);
    expect(await newPipelines(rng, 140, 201, 101)).toBe(0);
  });
});
