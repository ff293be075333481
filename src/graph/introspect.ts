// Counters for tests and benchmarks, and access to the GPU device in use.
import { backendHost } from '../backends/select.js';
import type { BackendStats } from '../backends/backend.js';
import { WebGPUBackend } from '../backends/webgpu/webgpu_backend.js';
import { stepTimings } from './compiled_step.js';

export interface Stats extends BackendStats {
  /** Training steps compiled so far. */
  compiledSteps: number;
  /** Time the newest compiled step took to trace, plan and compile its pipelines (ms): most of the time to its first run. */
  lastCompileMs: number;
}

/**
 * Dispatches and submits since the backend started; pipelines, and
 * buffers/bytes allocated now (pooled ones included) and at most so far;
 * compiled-step timings.
 */
export function stats(): Stats {
  const b = backendHost.current();
  const base = b ? b.stats() : { dispatches: 0, submits: 0, pipelines: 0, buffers: 0, bytes: 0, peakBuffers: 0, peakBytes: 0 };
  return { ...base, ...stepTimings };
}

/** The GPUDevice in use, or null on the CPU backend. */
export function getWebGPUDevice(): GPUDevice | null {
  const b = backendHost.current();
  return b instanceof WebGPUBackend ? b.device : null;
}
