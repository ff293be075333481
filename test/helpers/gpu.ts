// Test helper: a real WebGPU implementation in Node (Dawn, from the npm
// package `webgpu`), on SwiftShader unless WEBGRAD_REAL_GPU is set. Fails
// loudly (never skips) when no adapter can be had.
import { existsSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let gpuPromise: Promise<GPU> | null = null;

export function nodeGpu(): Promise<GPU> {
  if (!gpuPromise) {
    gpuPromise = (async () => {
      if (!process.env.WEBGRAD_REAL_GPU && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
        process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      }
      process.env.XDG_RUNTIME_DIR ??= '/tmp';
      const { create, globals } = await import('webgpu');
      Object.assign(globalThis, globals);
      const gpu = create([]) as unknown as GPU;
      const adapter = await gpu.requestAdapter();
      if (!adapter) {
        throw new Error(`No WebGPU adapter from Dawn in Node. Install chromium (for SwiftShader at ${SWIFTSHADER_ICD}) and libvulkan1; WebGPU tests must not be skipped.`);
      }
      return gpu;
    })();
  }
  return gpuPromise;
}
