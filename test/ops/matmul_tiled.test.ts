// The workgroup-memory tiled matmul (shaders/matmul_tiled.wgsl), which `auto`
// picks on real GPUs, forced here on SwiftShader: every transpose, ragged
// tiles on every side, K not a multiple of the 16-wide slices, bias with each
// built-in activation, and fused epilogues inside a training step, against
// float64 references and against the register-blocked kernel.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { matmulProgram } from '../../src/backends/webgpu/matmul_program.js';
import { SMALL_MATMUL_WORK } from '../../src/kernels/kernel_spec.js';
import { nodeGpu } from '../helpers/gpu.js';
import { expectAllClose, Rng } from '../helpers/allclose.js';

/** op(A) op(B) + bias through act, in float64. */
function reference(A: Float64Array, B: Float64Array, bias: Float64Array | null, m: number, n: number, k: number, tA: boolean, tB: boolean, act: (v: number) => number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) s += (tA ? A[p * m + i] : A[i * k + p]) * (tB ? B[j * k + p] : B[p * n + j]);
      out[i * n + j] = act(s);
    }
  }
  return out;
}

describe('tiled WebGPU matmul (forced on SwiftShader)', () => {
  beforeAll(async () => {
    const info = await wg.ready({ backend: 'webgpu', gpu: await nodeGpu(), webgpuMatmul: 'tiled' });
    expect(info.matmul).toBe('tiled');
  });
  afterAll(async () => {
    await wg.ready({ backend: 'cpu' });
  });

  test('the descriptor picks the tiled shader for large products and the small kernel below SMALL_MATMUL_WORK', () => {
    const cfg = { m: 200, n: 200, k: 100, transA: false, transB: false, hasBias: false, act: 0 };
    expect(matmulProgram({ ...cfg, kernel: 'tiled' }).key).toMatch(/^matmul:tiled:/);
    expect(matmulProgram({ ...cfg, kernel: 'tiled' }).code).toContain('var<workgroup> tile_a');
    expect(matmulProgram({ ...cfg, kernel: 'registers' }).key).toMatch(/^matmul:(vec4|scalar):/);
    expect(matmulProgram({ ...cfg, m: 2, n: 2, k: 2, kernel: 'tiled' }).key).toMatch(/^matmul:small:/);
    // 200 x 200 in tiles of 64: 4 x 4 workgroups.
    expect(matmulProgram({ ...cfg, kernel: 'tiled' }).workgroups).toEqual([16, 1, 1]);
  });

  // Ragged tiles in M and N with K off the 16-wide slices; whole tiles; N far
  // below a tile; M far below a tile. All above the small kernel's bound.
  const shapes: [number, number, number][] = [[130, 140, 131], [128, 128, 160], [300, 9, 800], [7, 600, 520]];
  for (const [m, n, k] of shapes) {
    test(`[${m}x${k}] x [${k}x${n}], every transpose, with bias + relu and bias + leakyRelu`, async () => {
      expect(m * n * k).toBeGreaterThan(SMALL_MATMUL_WORK);
      const rng = new Rng(m + n + k);
      // float32 sums of k products: the error grows like sqrt(k).
      const tol = { rtol: 1e-5, atol: 3e-6 * Math.sqrt(k) };
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const A = rng.nd([m * k]).data;
          const B = rng.nd([k * n]).data;
          const bias = rng.nd([n]).data;
          const a = wg.tensor(Float32Array.from(A), tA ? [k, m] : [m, k]);
          const b = wg.tensor(Float32Array.from(B), tB ? [n, k] : [k, n]);
          const c = wg.matMul(a, b, tA, tB);
          expectAllClose(await c.data(), reference(A, B, null, m, n, k, tA, tB, (v) => v), tol, `plain tA=${tA} tB=${tB}`);
          const relu = wg.relu(wg.add(wg.matMul(a, b, tA, tB), wg.tensor(Float32Array.from(bias))));
          expectAllClose(await relu.data(), reference(A, B, bias, m, n, k, tA, tB, (v) => Math.max(v, 0)), tol, `relu tA=${tA} tB=${tB}`);
          const leaky = wg.leakyRelu(wg.add(wg.matMul(a, b, tA, tB), wg.tensor(Float32Array.from(bias))), 0.2);
          expectAllClose(await leaky.data(), reference(A, B, bias, m, n, k, tA, tB, (v) => (v < 0 ? 0.2 * v : v)), tol, `leakyRelu tA=${tA} tB=${tB}`);
          wg.dispose([a, b, c, relu, leaky]);
        }
      }
    });
  }

  test('an MLP trains to the same losses and weights as with the register-blocked kernel (fused epilogues and transposed backward matmuls)', async () => {
    const run = async (kernel: 'tiled' | 'registers'): Promise<{ losses: number[]; weights: Float32Array[] }> => {
      const info = await wg.ready({ backend: 'webgpu', gpu: await nodeGpu(), webgpuMatmul: kernel });
      expect(info.matmul).toBe(kernel);
      const model = wg.sequential({ layers: [
        wg.layers.dense({ units: 120, activation: 'tanh', inputShape: [160], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) }),
        wg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
      ] });
      model.compile({ optimizer: wg.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const rng = new Rng(5);
      // 130 x 160 x 120: the first layer's matmuls (forward and both backward) are above the small kernel's bound.
      const x = Array.from({ length: 130 }, () => Array.from({ length: 160 }, () => rng.uniform(-1, 1)));
      const y = x.map((_, i) => Array.from({ length: 10 }, (_, j) => (j === i % 10 ? 1 : 0)));
      const losses: number[] = [];
      for (let s = 0; s < 4; s++) losses.push(await model.trainOnBatch(x, y) as number);
      const weights = await Promise.all(model.getWeights().map((w) => w.data() as Promise<Float32Array>));
      model.dispose();
      return { losses, weights };
    };
    const tiled = await run('tiled');
    const blocked = await run('registers');
    expectAllClose(tiled.losses, blocked.losses, { rtol: 1e-5, atol: 1e-6 }, 'losses');
    tiled.weights.forEach((w, i) => expectAllClose(w, blocked.weights[i], { rtol: 1e-4, atol: 1e-5 }, `weight ${i}`));
    expect(tiled.losses[3]).toBeLessThan(tiled.losses[0]);
  });

  test("'auto' keeps the register-blocked kernel on SwiftShader; a bad choice is a named error", async () => {
    const info = await wg.ready({ backend: 'webgpu', gpu: await nodeGpu() });
    expect(info.matmul).toBe(process.env.WEBGRAD_REAL_GPU ? 'tiled' : 'registers');
    await expect(wg.ready({ backend: 'webgpu', gpu: await nodeGpu(), webgpuMatmul: 'fast' as never })).rejects.toThrow(/^ready: argument 'options\.webgpuMatmul' must be 'auto', 'tiled' or 'registers'/);
  });
});
