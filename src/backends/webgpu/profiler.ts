// Kernel timing on WebGPU, used only while a profile is taken
// (src/graph/profile.ts); a run outside a profile never reaches this file.
// - With the adapter's `timestamp-query` feature: each kernel of the run gets
//   its own compute pass whose timestampWrites mark its start and end; the
//   query set is resolved and copied out in the run's own submission.
// - Without it: each kernel of the plan is timed afterwards on its own, in
//   its own submission, on scratch buffers of the same sizes (so the run's
//   values are untouched), as wall time to completion minus the round trip
//   of an empty submission.
import type { Plan } from '../../kernels/plan.js';
import type { GpuProgram } from './gpu_program.js';
import { MAP_MODE_READ, USAGE } from './gpu_flags.js';

const { QUERY_RESOLVE, COPY_SRC, COPY_DST, MAP_READ, STORAGE } = USAGE;
/** WebGPU's limit on queries per set; plans with more kernels are timed in isolation. */
const MAX_QUERIES = 4096;

/** What the profiler needs of a prepared call. */
export interface TimedCall {
  pipeline: GPUComputePipeline;
  program: GpuProgram;
  uniform: GPUBuffer | null;
}

/** Writes a timestamp before and after each kernel of one plan's runs. */
export class TimestampTimer {
  private querySet: GPUQuerySet;
  private resolveBuffer: GPUBuffer;

  static fits(plan: Plan): boolean {
    return plan.calls.length > 0 && plan.calls.length * 2 <= MAX_QUERIES;
  }

  constructor(private device: GPUDevice, private calls: number) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: calls * 2 });
    this.resolveBuffer = device.createBuffer({ size: calls * 16, usage: QUERY_RESOLVE | COPY_SRC });
  }

  /** The pass descriptor of kernel `i`: timestamps 2i (start) and 2i + 1 (end). */
  pass(i: number): GPUComputePassDescriptor {
    return { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } };
  }

  /**
   * Records the resolve and the copy out after the run's passes; the returned
   * function (call it after the submission) reads the milliseconds per kernel.
   */
  finish(enc: GPUCommandEncoder): () => Promise<number[]> {
    const bytes = this.calls * 16;
    const staging = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
    enc.resolveQuerySet(this.querySet, 0, this.calls * 2, this.resolveBuffer, 0);
    enc.copyBufferToBuffer(this.resolveBuffer, 0, staging, 0, bytes);
    return async () => {
      await staging.mapAsync(MAP_MODE_READ);
      const ns = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      staging.destroy();
      const ms: number[] = [];
      // A timestamp pair the implementation could not order (end before start) counts as 0.
      for (let i = 0; i < this.calls; i++) ms.push(ns[2 * i + 1] > ns[2 * i] ? Number(ns[2 * i + 1] - ns[2 * i]) / 1e6 : 0);
      return ms;
    };
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}

/** Median of the fastest `keep` of some timings (robust to a busy machine). */
function fastMedian(xs: number[], keep = 3): number {
  const s = [...xs].sort((a, b) => a - b).slice(0, keep);
  return s[s.length >> 1];
}

async function roundTrip(device: GPUDevice, encode: ((pass: GPUComputePassEncoder) => void) | null): Promise<number> {
  const enc = device.createCommandEncoder();
  if (encode) {
    const pass = enc.beginComputePass();
    encode(pass);
    pass.end();
  }
  const t0 = performance.now();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/**
 * Times each kernel of `plan` on its own: scratch buffers of each slot's
 * size (zero-filled, so the run's own buffers are never touched), one
 * warm-up and `reps` timed submissions per kernel.
 */
export async function timeInIsolation(device: GPUDevice, plan: Plan, calls: readonly TimedCall[], reps = 5): Promise<number[]> {
  const scratch = new Map<number, GPUBuffer>();
  const bufferOf = (slot: number): GPUBuffer => {
    let b = scratch.get(slot);
    if (!b) {
      b = device.createBuffer({ size: plan.slots[slot].bytes, usage: STORAGE | COPY_SRC | COPY_DST });
      scratch.set(slot, b);
    }
    return b;
  };
  const dummy = device.createBuffer({ size: 16, usage: STORAGE });
  try {
    const empty: number[] = [];
    for (let r = 0; r < reps; r++) empty.push(await roundTrip(device, null));
    const base = fastMedian(empty);
    const out: number[] = [];
    for (let i = 0; i < plan.calls.length; i++) {
      const call = plan.calls[i];
      const { pipeline, program, uniform } = calls[i];
      const entries: GPUBindGroupEntry[] = call.args.map((s, j) => ({ binding: program.argBindings[j], resource: { buffer: bufferOf(s) } }));
      for (const d of program.dummyBindings) entries.push({ binding: d, resource: { buffer: dummy } });
      entries.push({ binding: program.outBinding, resource: { buffer: bufferOf(call.out) } });
      if (uniform) entries.push({ binding: program.uniformBinding, resource: { buffer: uniform } });
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const encode = (pass: GPUComputePassEncoder): void => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(...program.workgroups);
      };
      await roundTrip(device, encode);
      const t: number[] = [];
      for (let r = 0; r < reps; r++) t.push(await roundTrip(device, encode));
      out.push(Math.max(0, fastMedian(t) - base));
    }
    return out;
  } finally {
    for (const b of scratch.values()) b.destroy();
    dummy.destroy();
  }
}
