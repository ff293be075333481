// The register matmul's subgroup kernel (shaders/matmul_quad.wgsl), which
// large products take on SwiftShader (4-wide subgroups): against float64
// products for the vec4 and scalar loaders, every transpose, partial 64x64
// tiles, K % 4 != 0 (the tail block) and a fused bias + relu epilogue. Each
// product is also computed with the subgroup kernel switched off (matmul.wgsl)
// and must agree with it exactly, since both sum in the same order.
import { describe, expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { isSmallMatmul } from '../../src/kernels/kernel_spec.js';
import { matmulProgram } from '../../src/backends/webgpu/matmul_program.js';
import { quadLayoutHolds } from '../../src/backends/webgpu/quad_probe.js';
import { useRegisterKernels } from '../helpers/quad_kernels.js';
import { expectTensorClose, Rng } from '../helpers/allclose.js';
import * as ref from '../helpers/reference.js';
import type { ND } from '../helpers/reference.js';

const T = (x: ND): wg.Tensor => wg.tensor(Float32Array.from(x.data), x.shape);
const base = { transA: false, transB: false, hasBias: false, act: 0, kernel: 'registers' as const };

describe('subgroup matmul kernel on WebGPU', () => {
  const gpu = useRegisterKernels();

  test('SwiftShader gets it; the descriptor picks it only when asked', () => {
    // A real GPU (WEBGRAD_REAL_GPU) is not an emulated adapter: no subgroup kernel there.
    expect(gpu.backend().quads).toBe(!process.env.WEBGRAD_REAL_GPU);
    const cfg = { ...base, m: 128, n: 256, k: 784 };
    expect(matmulProgram({ ...cfg, quads: true }).key).toBe('matmul:vec4:quad:0000');
    expect(matmulProgram({ ...cfg, quads: true }).code).toMatch(/^enable subgroups;/);
    expect(matmulProgram({ ...cfg, quads: true, n: 255 }).key).toBe('matmul:scalar:quad:0000');
    expect(matmulProgram(cfg).code).not.toContain('subgroup');
    // Same tiles as matmul.wgsl: the grid does not change.
    expect(matmulProgram({ ...cfg, quads: true }).workgroups).toEqual(matmulProgram(cfg).workgroups);
    // Small products and the tiled kernel are unaffected.
    expect(matmulProgram({ ...base, m: 8, n: 8, k: 8, quads: true }).key).toMatch(/^matmul:small/);
    expect(matmulProgram({ ...cfg, kernel: 'tiled', quads: true }).key).toMatch(/^matmul:tiled/);
  });

  test('the lane layout the kernel relies on is checked on the device (shaders/quad_probe.wgsl)', async () => {
    // Holds on SwiftShader; where it did not, createWebGPUBackend would keep matmul.wgsl (quads false).
    if (!gpu.backend().device.features.has('subgroups')) return expect(gpu.backend().quads).toBe(false);
    expect(await quadLayoutHolds(gpu.backend().device)).toBe(true);
  });

  // [m, k, n, transA, transB]: vec4 loaders (the MLP's shapes, partial tiles),
  // scalar loaders (odd N or M with transA), K tail (K % 4 != 0).
  const CASES: [number, number, number, boolean, boolean][] = [
    [128, 784, 256, false, false],
    [200, 128, 136, true, false],
    [136, 132, 128, false, true],
    [132, 132, 132, true, true],
    [130, 131, 131, false, false],
    [97, 168, 140, true, false],
    [66, 250, 129, false, true],
    [70, 235, 131, true, true],
  ];
  for (const [m, k, n, ta, tb] of CASES) {
    test(`${m}x${k}x${n} transposeA=${ta} transposeB=${tb}, with bias + relu`, async () => {
      expect(isSmallMatmul(m, n, k)).toBe(false); // else matmul_small.wgsl would run
      const rng = new Rng(m * 7 + k * 3 + n);
      const a = rng.nd(ta ? [k, m] : [m, k], -1, 1);
      const b = rng.nd(tb ? [n, k] : [k, n], -1, 1);
      const bias = rng.nd([n], -1, 1);
      const expected = ref.matMul(a, b, ta, tb);
      const expectedAct = ref.map(ref.add(expected, ref.broadcastTo(bias, [m, n])), (v) => Math.max(v, 0));
      const tol = { rtol: 1e-4, atol: 1e-5 * Math.sqrt(k) * 4 };
      const run = (quads: boolean): Promise<[Float32Array, Float32Array]> =>
        gpu.withQuads(quads, async () => {
          const plain = wg.matMul(T(a), T(b), ta, tb);
          const fused = wg.relu(wg.add(wg.matMul(T(a), T(b), ta, tb), T(bias)));
          await expectTensorClose(plain, expected, tol, `quads=${quads}`);
          await expectTensorClose(fused, expectedAct, tol, `quads=${quads}, bias + relu`);
          return [(await plain.data()) as Float32Array, (await fused.data()) as Float32Array];
        });
      const withQuads = await run(true);
      const without = await run(false);
      expect(withQuads[0]).toEqual(without[0]);
      expect(withQuads[1]).toEqual(without[1]);
    });
  }
});
