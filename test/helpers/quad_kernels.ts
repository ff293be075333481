// Test helper for the subgroup kernels (matmul_quad.wgsl, conv2d_quad.wgsl):
// a WebGPU backend with the register kernels for the enclosing suite, and a
// way to run the same work with the subgroup kernels on or off, so a test can
// require both to give the same bits.
import { afterAll, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { backendHost } from '../../src/backends/select.js';
import type { WebGPUBackend } from '../../src/backends/webgpu/webgpu_backend.js';
import { nodeGpu } from './gpu.js';

export interface RegisterKernels {
  /** The suite's WebGPU backend (set in beforeAll). */
  backend(): WebGPUBackend;
  /** Runs `fn` with the backend's subgroup kernels on (`quads`) or off, then restores the setting. */
  withQuads<T>(quads: boolean, fn: () => Promise<T>): Promise<T>;
}

/** Call inside a describe(): WebGPU with `webgpuMatmul: 'registers'` for its tests, the CPU backend after them. */
export function useRegisterKernels(): RegisterKernels {
  let backend: WebGPUBackend | null = null;
  beforeAll(async () => {
    await wg.ready({ backend: 'webgpu', gpu: await nodeGpu(), webgpuMatmul: 'registers' });
    backend = (await backendHost.getBackend()) as WebGPUBackend;
  });
  afterAll(async () => {
    await wg.ready({ backend: 'cpu' });
  });
  const get = (): WebGPUBackend => {
    if (!backend) throw new Error('useRegisterKernels: the backend is set in beforeAll; use it inside tests');
    return backend;
  };
  return {
    backend: get,
    async withQuads<T>(quads: boolean, fn: () => Promise<T>): Promise<T> {
      const b = get();
      const before = b.quads;
      b.quads = quads;
      try {
        return await fn();
      } finally {
        b.quads = before;
      }
    },
  };
}
