// The CPU backend: buffers are typed arrays, plans run kernel by kernel in
// TypeScript. Same plans as WebGPU, so it is both the fallback and the
// reference.
import type { DType, TypedArray } from '../../core/dtype.js';
import { WebgradError } from '../../core/errors.js';
import type { Plan } from '../../kernels/plan.js';
import { deliver, type Backend, type BackendBuffer, type BackendStats, type PreparedPlan, type ReadItem } from '../backend.js';
import { HostCounters } from '../host_counters.js';
import { activeRecorder } from '../profiling.js';
import { runKernelOnCpu } from './run_kernel.js';

let nextId = 0;

class CpuBuffer implements BackendBuffer {
  readonly id = nextId++;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  constructor(readonly bytes: number) {
    const raw = new ArrayBuffer(bytes);
    this.f32 = new Float32Array(raw);
    this.i32 = new Int32Array(raw);
  }
}

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  private readonly counters = new HostCounters();

  alloc(bytes: number): BackendBuffer {
    let buffer: CpuBuffer;
    try {
      buffer = new CpuBuffer(bytes);
    } catch (e) {
      // Count only what exists: a refused allocation leaves the counters alone.
      throw new WebgradError(`cpu: could not allocate a buffer of ${bytes} bytes (${(e as Error).message}); use smaller tensors or batches.`);
    }
    this.counters.allocated(bytes);
    return buffer;
  }

  free(buffer: BackendBuffer): void {
    this.counters.freed(buffer.bytes);
  }

  write(buffer: BackendBuffer, data: TypedArray): void {
    const b = buffer as CpuBuffer;
    (data instanceof Int32Array ? b.i32 : b.f32).set(data);
  }

  read(buffer: BackendBuffer, dtype: DType, size: number): Promise<TypedArray> {
    return Promise.resolve(this.readSync(buffer, dtype, size));
  }

  readSync(buffer: BackendBuffer, dtype: DType, size: number): TypedArray {
    const b = buffer as CpuBuffer;
    return (dtype === 'int32' ? b.i32 : b.f32).slice(0, size);
  }

  async readMany(items: readonly ReadItem[]): Promise<TypedArray[]> {
    return Promise.all(items.map(async (i) => deliver(i, await this.read(i.buffer, i.dtype, i.size))));
  }

  prepare(plan: Plan): Promise<PreparedPlan> {
    return Promise.resolve(this.prepareSync(plan));
  }

  prepareSync(plan: Plan): PreparedPlan {
    return { plan, dispose: () => undefined };
  }

  run(prepared: PreparedPlan, buffers: readonly BackendBuffer[], readback?: readonly ReadItem[]): Promise<TypedArray[]> | null {
    const { plan } = prepared;
    this.counters.submits++;
    const view = (slot: number): TypedArray => {
      const b = buffers[slot] as CpuBuffer;
      return plan.slots[slot].dtype === 'int32' ? b.i32 : b.f32;
    };
    // Under the profiler: wall time around each kernel.
    const recorder = activeRecorder();
    const times: number[] = [];
    for (const call of plan.calls) {
      const t0 = recorder ? performance.now() : 0;
      this.counters.dispatches++;
      const ins = call.args.map(view);
      const out = view(call.out);
      runKernelOnCpu(call.spec, ins, out);
      if (recorder) times.push(performance.now() - t0);
    }
    recorder?.record({ plan, backend: 'cpu', source: 'cpu-wall', times: () => Promise.resolve(times) });
    return readback?.length ? this.readMany(readback) : null;
  }

  async sync(): Promise<void> {}

  stats(): BackendStats {
    return this.counters.stats();
  }

  destroy(): void {}
}
