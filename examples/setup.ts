// Shared by the examples when run directly: picks WebGPU in Node through the
// npm package `webgpu` (Dawn) when an adapter is available, else the CPU.
import * as wg from 'webgradjs';

export async function initBackend(): Promise<void> {
  let gpu: GPU | undefined;
  try {
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    // Without a GPU, Chromium's SwiftShader Vulkan driver (if installed) gives Dawn an adapter.
    const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
    const { existsSync } = await import('node:fs');
    if (!process.env.WEBGRAD_REAL_GPU && !process.env.VK_ICD_FILENAMES && existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
    const { create } = await import('webgpu');
    gpu = create([]) as unknown as GPU; // webgrad keeps it alive while its backend uses it
  } catch {
    gpu = undefined;
  }
  const info = await wg.ready(gpu ? { gpu } : {});
  console.log(`webgrad backend: ${info.name}${info.reason ? ` (${info.reason})` : ''}`);
}

/** True when the file is being run as a script (not imported by the tests). */
export const runDirectly = !process.env.VITEST;
