// Counters for tests and benchmarks, and access to the GPU device in use.
import { backendHost } from '../backends/select.js';
import type { BackendStats } from '../backends/backend.js';
import { WebGPUBackend } from '../backends/webgpu/webgpu_backend.js';

/** Dispatches and submits since start; pipelines, and buffers/bytes allocated now. */
export function stats(): BackendStats {
  const b = backendHost.current();
  return b ? b.stats() : { dispatches: 0, submits: 0, pipelines: 0, buffers: 0, bytes: 0 };
}

/** The GPUDevice in use, or null on the CPU backend. */
export function getWebGPUDevice(): GPUDevice | null {
  const b = backendHost.current();
  return b instanceof WebGPUBackend ? b.device : null;
}
