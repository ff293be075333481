// The decisions behind `ready({ backend: 'auto' })`, as pure functions of what
// the environment reports, so each can be tested without that environment.

/** What a WebGPU adapter says about itself (GPUAdapterInfo, plus isFallbackAdapter). */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/**
 * GPUs emulated on the CPU, by the names adapters report: Google's
 * SwiftShader (Chrome and Dawn without a GPU), Mesa's llvmpipe / lavapipe /
 * softpipe (Linux), Microsoft WARP, also shown as "Microsoft Basic Render
 * Driver" (Windows).
 */
const EMULATED: readonly [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/\bwarp\b|basic render driver/i, 'Microsoft WARP'],
];

/**
 * Why an adapter is emulated on the CPU (where, for training, the CPU backend
 * is as fast or faster and compiles nothing), or null for a real GPU.
 */
export function emulatedAdapter(info: AdapterDescription): string | null {
  const name = adapterName(info);
  if (info.isFallbackAdapter) return `${name} is a fallback adapter (isFallbackAdapter: true), a GPU emulated on the CPU`;
  const fields = [info.architecture, info.description, info.device, info.vendor];
  for (const [pattern, emulator] of EMULATED) {
    if (fields.some((f) => pattern.test(f))) return `${name} is ${emulator}, a GPU emulated on the CPU`;
  }
  return null;
}

/** "vendor / architecture / description", leaving out the fields an adapter keeps empty. */
export function adapterName(info: AdapterDescription): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((p) => p.trim() !== '');
  return parts.length > 0 ? `the WebGPU adapter (${parts.join(' / ')})` : 'the WebGPU adapter';
}

/**
 * Why there is no WebGPU entry point. Browsers hide `navigator.gpu` outside
 * secure contexts (pages not served over https:// or from localhost), which
 * is the usual cause when a page works locally and not when served elsewhere.
 * `isSecureContext` is undefined outside browsers (Node).
 */
export function missingGpuReason(isSecureContext: boolean | undefined): string {
  if (isSecureContext === false) {
    return 'navigator.gpu is missing because this page is not a secure context: WebGPU needs a page served over https:// or from localhost (http://localhost or http://127.0.0.1)';
  }
  return 'no WebGPU entry point: navigator.gpu is missing and no `gpu` option was given (in Node, pass `gpu: create([])` from the npm package `webgpu`)';
}

/**
 * With `auto`, whether to pass over the adapter for the CPU backend: the reason
 * to give, or null to use WebGPU. A forced `webgpu` always uses it.
 */
export function autoSkipsAdapter(want: 'auto' | 'webgpu', info: AdapterDescription): string | null {
  if (want === 'webgpu') return null;
  const emulated = emulatedAdapter(info);
  if (!emulated) return null;
  return `${emulated}; the CPU backend trains faster there and needs no shader compiles. Pass { backend: 'webgpu' } to use this adapter anyway`;
}
