// The stats() counters of the backends whose buffers live in host memory
// (the TypeScript CPU backend and the wasm one): buffers are counted when
// allocated and uncounted when freed, with the peaks kept; such backends
// compile no pipelines.
import type { BackendStats } from './backend.js';

export class HostCounters {
  dispatches = 0;
  submits = 0;
  private buffers = 0;
  private bytes = 0;
  private peakBuffers = 0;
  private peakBytes = 0;

  /** A buffer of `bytes` now exists (count only after the allocation succeeded). */
  allocated(bytes: number): void {
    this.buffers++;
    this.bytes += bytes;
    this.peakBuffers = Math.max(this.peakBuffers, this.buffers);
    this.peakBytes = Math.max(this.peakBytes, this.bytes);
  }

  /** A buffer of `bytes` was freed. */
  freed(bytes: number): void {
    this.buffers--;
    this.bytes -= bytes;
  }

  stats(): BackendStats {
    const { dispatches, submits, buffers, bytes, peakBuffers, peakBytes } = this;
    return { dispatches, submits, pipelines: 0, buffers, bytes, peakBuffers, peakBytes };
  }
}
