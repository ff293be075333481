// Runs a suite once per backend: the CPU reference, WebAssembly SIMD and
// WebGPU on Dawn.
import { afterAll, beforeAll, describe } from 'vitest';
import * as wg from '../../src/index.js';
import { nodeGpu } from './gpu.js';

export const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
export type TestBackend = (typeof BACKENDS)[number];

export async function useBackend(name: TestBackend): Promise<void> {
  const info = name === 'webgpu' ? await wg.ready({ backend: 'webgpu', gpu: await nodeGpu() }) : await wg.ready({ backend: name });
  if (info.name !== name) throw new Error(`expected backend ${name}, got ${info.name}`);
}

export function describeEachBackend(title: string, fn: (backend: TestBackend) => void): void {
  for (const b of BACKENDS) {
    describe(`${title} [${b}]`, () => {
      beforeAll(() => useBackend(b));
      fn(b);
    });
  }
}

afterAll(async () => {
  await wg.ready({ backend: 'cpu' });
});
