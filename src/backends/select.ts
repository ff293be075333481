// Choosing the backend: `ready()` tries WebGPU (navigator.gpu in a browser,
// or a GPU object passed in, e.g. from the npm package `webgpu` in Node) and
// falls back to WebAssembly SIMD where the engine validates it, else to the
// TypeScript CPU backend, remembering why. The rules for `auto` are pure
// functions in backend_choice.ts.
import { argError, WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/cpu_backend.js';
import { autoSkipsAdapter, emulatedAdapter, missingGpuReason, type AdapterDescription } from './backend_choice.js';
import type { MatmulKernel } from './webgpu/matmul_program.js';
import { createWasmBackend } from './wasm/wasm_backend.js';
import { wasmSimdSupported } from './wasm/wasm_support.js';
import { createWebGPUBackend, requestWebGPUAdapter, type WebGPUBackend } from './webgpu/webgpu_backend.js';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export interface ReadyOptions {
  /**
   * 'auto' (default): WebGPU when a real GPU adapter and device can be had,
   * else WebAssembly SIMD ('wasm') when the JavaScript engine validates it,
   * else the TypeScript CPU backend. An adapter emulated on the CPU
   * (isFallbackAdapter, SwiftShader, llvmpipe, WARP) counts as none, since the
   * CPU backends train faster there. 'webgpu' uses any adapter, and fails if
   * there is none; 'wasm' fails where WebAssembly SIMD is missing.
   */
  backend?: 'auto' | BackendName;
  /** A WebGPU entry point (like navigator.gpu); required in Node for WebGPU (`create([])` from the npm package `webgpu`). webgrad keeps it alive while its backend is in use. */
  gpu?: GPU;
  /** Adapter power preference passed to requestAdapter. */
  powerPreference?: GPUPowerPreference;
  /**
   * The wasm backend's threads for large matmuls, the calling one included
   * (an integer from 1 to 64). Default: the logical processors, at most 4,
   * where a WebAssembly memory can be shared with workers (Node; pages that
   * are cross-origin isolated), else 1. Results are identical for any count.
   */
  threads?: number;
  /**
   * The WebGPU kernels for large matmuls and for convolutions: 'tiled'
   * (workgroup-memory tiles, for real GPUs), 'registers' (register blocking
   * without workgroup memory, faster on GPUs emulated on the CPU), or 'auto'
   * (default): 'registers' on an emulated adapter, else 'tiled'.
   */
  webgpuMatmul?: 'auto' | MatmulKernel;
}

export interface BackendInfo {
  name: BackendName;
  /** For the wasm and CPU backends: why WebGPU is not in use. */
  reason?: string;
  /** What the WebGPU adapter says about itself: the one in use, or, on the CPU, the one passed over. */
  adapter?: AdapterDescription;
  /** For the wasm backend: the threads large matmuls run on (1: the calling thread only). */
  threads?: number;
  /** For WebGPU: the kernels large matmuls and convolutions use (see ReadyOptions.webgpuMatmul). */
  matmul?: MatmulKernel;
}

let active: Backend | null = null;
let info: BackendInfo | null = null;
let initializing: Promise<BackendInfo> | null = null;

function isGpu(x: unknown): x is GPU {
  return typeof x === 'object' && x !== null && typeof (x as GPU).requestAdapter === 'function';
}

type WebGPUAttempt = { backend: WebGPUBackend; info: BackendInfo } | { reason: string; adapter?: AdapterDescription };

async function tryWebGPU(opts: ReadyOptions, want: 'auto' | 'webgpu'): Promise<WebGPUAttempt> {
  const gpu = opts.gpu ?? (typeof navigator !== 'undefined' ? (navigator as Navigator & { gpu?: GPU }).gpu : undefined);
  if (!gpu) return { reason: missingGpuReason((globalThis as { isSecureContext?: boolean }).isSecureContext) };
  try {
    // The backend keeps `gpu` alive (Dawn in Node needs that); see WebGPUBackend.
    const choice = await requestWebGPUAdapter(gpu, opts.powerPreference);
    const skip = autoSkipsAdapter(want, choice.info);
    if (skip) return { reason: skip, adapter: choice.info };
    const wanted = opts.webgpuMatmul ?? 'auto';
    const kernel: MatmulKernel = wanted === 'auto' ? (emulatedAdapter(choice.info) ? 'registers' : 'tiled') : wanted;
    const backend = await createWebGPUBackend(gpu, choice, (reason) => onDeviceLost(backend, reason), kernel);
    return { backend, info: { name: 'webgpu', adapter: backend.adapterInfo, matmul: kernel } };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

let warnedLoss = false;

/**
 * The GPU device went away (driver reset, device.destroy(), tab in the
 * background too long): continue on the CPU so the program keeps working.
 * Tensors whose data had not been read back are marked lost; training steps
 * compiled with keepHostCopy resume from their last snapshot.
 */
function onDeviceLost(lost: Backend, reason: string): void {
  if (active !== lost) return;
  if (!warnedLoss) {
    warnedLoss = true;
    console.warn(`webgrad: the WebGPU device was lost (${reason}); continuing on the CPU backend.`);
  }
  const cpu = new CpuBackend();
  const failover = switchTo(cpu, { name: 'cpu', reason: `the WebGPU device was lost (${reason})` });
  pendingFailover = failover;
  // Handled both ways: a failed switch must not become an unhandled rejection
  // (a getBackend() call waiting on it meanwhile gets the error).
  const settled = (): void => {
    if (pendingFailover === failover) pendingFailover = null;
  };
  failover.then(settled, settled);
}

let pendingFailover: Promise<void> | null = null;

/**
 * Initialises (or switches) the backend. Safe to call more than once; tensors
 * created before a switch keep working (their data moves when next used).
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendInfo> {
  if (typeof options !== 'object' || options === null) throw argError('ready', 'options', 'an object', options);
  const want = options.backend ?? 'auto';
  if (!['auto', 'webgpu', 'wasm', 'cpu'].includes(want)) throw argError('ready', 'options.backend', "'auto', 'webgpu', 'wasm' or 'cpu'", want);
  const t = options.threads;
  if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= 64)) throw argError('ready', 'options.threads', 'an integer from 1 to 64', t);
  const mk = options.webgpuMatmul;
  if (mk !== undefined && !['auto', 'tiled', 'registers'].includes(mk)) throw argError('ready', 'options.webgpuMatmul', "'auto', 'tiled' or 'registers'", mk);
  if (options.gpu !== undefined && !isGpu(options.gpu)) {
    throw argError('ready', 'options.gpu', 'a GPU object with requestAdapter() (navigator.gpu, or create() from the npm package `webgpu`)', options.gpu);
  }
  initializing = engine.serialize(() => init(options));
  try {
    return await initializing;
  } finally {
    initializing = null;
  }
}

async function init(options: ReadyOptions): Promise<BackendInfo> {
  const want = options.backend ?? 'auto';
  {
    let next: Backend;
    let nextInfo: BackendInfo;
    if (want === 'cpu') {
      next = new CpuBackend();
      nextInfo = { name: 'cpu', reason: 'requested with { backend: "cpu" }' };
    } else if (want === 'wasm') {
      if (!wasmSimdSupported()) throw new WebgradError('ready: the wasm backend was requested but this JavaScript engine has no WebAssembly SIMD (WebAssembly.validate refuses a SIMD module); use { backend: "cpu" }.');
      const wasm = await createWasmBackend(options.threads);
      next = wasm;
      nextInfo = { name: 'wasm', reason: 'requested with { backend: "wasm" }', threads: wasm.threads };
    } else {
      const r = await tryWebGPU(options, want);
      if ('backend' in r) {
        next = r.backend;
        nextInfo = r.info;
      } else if (want === 'webgpu') {
        throw new WebgradError(`ready: WebGPU was requested but is not available: ${r.reason}.`);
      } else {
        if (wasmSimdSupported()) {
          const wasm = await createWasmBackend(options.threads);
          next = wasm;
          nextInfo = { name: 'wasm', reason: r.reason, ...(r.adapter ? { adapter: r.adapter } : {}), threads: wasm.threads };
        } else {
          next = new CpuBackend();
          nextInfo = r.adapter ? { name: 'cpu', reason: r.reason, adapter: r.adapter } : { name: 'cpu', reason: r.reason };
        }
      }
    }
    await switchTo(next, nextInfo);
    return nextInfo;
  }
}

/** Makes `next` active, moving every live tensor's data off the old backend first. */
export async function switchTo(next: Backend, nextInfo: BackendInfo): Promise<void> {
  const prev = active;
  if (prev && prev !== next) await engine.migrate(prev);
  active = next;
  info = nextInfo;
  if (prev && prev !== next) prev.destroy();
}

/**
 * The active backend: its name, the WebGPU adapter (in use, or passed over),
 * and for wasm and the CPU why WebGPU is not used (no entry point, not a secure
 * context, no adapter, an emulated adapter under `auto`, a lost device, or
 * requested). Null before the first ready() or computation.
 */
export function getBackend(): BackendInfo | null {
  return info;
}

/** The active backend, for the layers above (realization, compiled steps, recovery). */
export interface BackendHost {
  /** Returns the active backend, initialising the default one on first use. */
  getBackend(): Promise<Backend>;
  current(): Backend | null;
}

export const backendHost: BackendHost = {
  async getBackend(): Promise<Backend> {
    if (pendingFailover) await pendingFailover;
    // Called from inside a serialized realization: initialise directly.
    if (!active) await init({});
    return active!;
  },
  current: () => active,
};
