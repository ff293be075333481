// The result types of wg.profile(): one record per kernel launch, a summary per
// kernel name, and the whole profile (shared by profile.ts and profile_table.ts).
import type { TimingSource } from '../backends/profiling.js';

/** One kernel launch. */
export interface KernelRecord {
  /** What the kernel computes, fusions included: `matmul+bias+relu [128x784x256]` (M x K x N for a matmul). */
  name: string;
  /** Kernel family: matmul, elementwise, reduce, softmax, softmaxGrad, softmaxXent, oneHot. */
  kind: string;
  /** Which plan run (submission) of the profile it belongs to, from 0, and its place in that run. */
  run: number;
  index: number;
  /** Time of the kernel alone, in milliseconds (see `Profile.timing`). */
  ms: number;
  /** Floating-point operations (a matmul: 2·M·N·K, plus 1 per element for each fused step). */
  flops: number;
  /** Minimum memory traffic: every input read once, the output written once. */
  bytes: number;
  /** flops / time and bytes / time (0 when the time is 0). */
  gflops: number;
  gbps: number;
}

/** The launches of one kernel name added up. */
export interface KernelSummary {
  name: string;
  kind: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  /** Share of the profile's total kernel time, 0..1. */
  share: number;
  /** Per call. */
  flops: number;
  bytes: number;
  gflops: number;
  gbps: number;
}

export interface Profile<T = unknown> {
  /** What `fn` returned (its tensors computed). */
  result: T;
  /** Backend(s) that ran kernels, e.g. 'webgpu'; '' when none ran. */
  backend: string;
  /** How kernel times were measured (see TimingSource); 'mixed' when it changed, 'none' without kernels. */
  timing: TimingSource | 'mixed' | 'none';
  /** Wall time of `fn`, with its tensors computed and the device idle at the end. */
  wallMs: number;
  /** Sum of the kernels' times. */
  kernelMs: number;
  /** Plan runs (one submission each on WebGPU) and kernel launches seen. */
  runs: number;
  dispatches: number;
  /** Every launch, in order. */
  kernels: KernelRecord[];
  /** Launches grouped by name, most total time first. */
  summary: KernelSummary[];
  /** A text table of the summary: the `top` kernels by total time (default 15). */
  table(options?: { top?: number }): string;
}
