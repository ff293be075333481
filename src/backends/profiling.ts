// The hook between the profiler (src/graph/profile.ts) and the backends.
// While a profile is being taken, a recorder is installed here and each
// backend's run() reports the plan it ran and how long each kernel took;
// otherwise the slot is null and run() pays one null check, nothing more
// (no extra passes, submissions, queries or buffers).
import type { Plan } from '../kernels/plan.js';

/**
 * How kernel times were measured:
 * - 'timestamp-query': GPU timestamps written before and after each kernel
 *   (WebGPU's `timestamp-query` feature), in the run itself.
 * - 'isolated': the adapter has no timestamps; each kernel of the plan is
 *   timed afterwards on its own, in its own submission, on scratch buffers
 *   of the same sizes (wall time to completion, minus an empty submission's).
 * - 'cpu-wall': the CPU or wasm backend's wall time around each kernel.
 */
export type TimingSource = 'timestamp-query' | 'isolated' | 'cpu-wall';

/** One run of a plan under the profiler. */
export interface ProfiledRun {
  plan: Plan;
  backend: 'webgpu' | 'wasm' | 'cpu';
  source: TimingSource;
  /**
   * Milliseconds per call of `plan.calls`, in order. Called once, when the
   * profile is finished (after the profiled function has returned), so a
   * backend may defer work such as isolated timing until then.
   */
  times(): Promise<number[]>;
}

export interface RunRecorder {
  record(run: ProfiledRun): void;
}

let active: RunRecorder | null = null;

/** The recorder of the profile being taken, or null (the common case). */
export function activeRecorder(): RunRecorder | null {
  return active;
}

/** Installs a recorder (null removes it); returns the one it replaces. */
export function setRecorder(r: RunRecorder | null): RunRecorder | null {
  const prev = active;
  active = r;
  return prev;
}
