// wg.profile(fn) and wg.time(fn): run a function with the backends' kernel
// timing switched on (src/backends/profiling.ts) and report, per kernel, what
// it computes (src/graph/kernel_names.ts), how long it took, and the GFLOP/s
// and GB/s that makes. In the spirit of TensorFlow.js' tf.profile / tf.time:
// a result object with a kernels list, plus a formatted table.
import { activeRecorder, setRecorder, type ProfiledRun, type RunRecorder, type TimingSource } from '../backends/profiling.js';
import { engine } from '../core/engine.js';
import { backendHost } from '../backends/select.js';
import { argError } from '../core/errors.js';
import { collect } from '../core/scope.js';
import type { Tensor } from '../core/tensor.js';
import { describeCall } from './kernel_names.js';
import { formatProfile } from './profile_table.js';
import type { KernelRecord, KernelSummary, Profile } from './profile_types.js';

export type { KernelRecord, KernelSummary, Profile } from './profile_types.js';


class Recorder implements RunRecorder {
  runs: ProfiledRun[] = [];
  constructor(private parent: RunRecorder | null) {}
  record(run: ProfiledRun): void {
    this.runs.push(run);
    // An enclosing profile sees the runs of an inner one too.
    this.parent?.record(run);
  }
}

const rate = (amount: number, ms: number): number => (ms > 0 ? amount / ms / 1e6 : 0);

function summarize(kernels: readonly KernelRecord[], kernelMs: number): KernelSummary[] {
  const byName = new Map<string, KernelSummary>();
  for (const k of kernels) {
    let s = byName.get(k.name);
    if (!s) {
      s = { name: k.name, kind: k.kind, calls: 0, totalMs: 0, meanMs: 0, share: 0, flops: k.flops, bytes: k.bytes, gflops: 0, gbps: 0 };
      byName.set(k.name, s);
    }
    s.calls++;
    s.totalMs += k.ms;
  }
  const out = [...byName.values()];
  for (const s of out) {
    s.meanMs = s.totalMs / s.calls;
    s.share = kernelMs > 0 ? s.totalMs / kernelMs : 0;
    s.gflops = rate(s.flops * s.calls, s.totalMs);
    s.gbps = rate(s.bytes * s.calls, s.totalMs);
  }
  return out.sort((a, b) => b.totalMs - a.totalMs);
}

/**
 * Runs `fn` (sync or async) and measures every kernel it makes the backend
 * run: a training step, `fit`, `predict`, reading a tensor. Tensors in the
 * result are computed before the clock stops. On WebGPU, kernel times come
 * from GPU timestamps where the adapter offers `timestamp-query`, else each
 * kernel is re-timed on its own afterwards; on the CPU, from wall time.
 * Profiling changes no values; outside a profile the backends do no extra work.
 *
 * ```ts
 * const p = await wg.profile(() => model.fit(x, y, { epochs: 1, batchSize: 128 }));
 * console.log(p.table());   // top kernels by time, with GFLOP/s and GB/s
 * ```
 */
export async function profile<T>(fn: () => T | Promise<T>): Promise<Profile<Awaited<T>>> {
  if (typeof fn !== 'function') throw argError('profile', 'fn', 'a function', fn);
  const backend = await backendHost.getBackend();
  // Work enqueued before the profile must not be counted in its wall time.
  await backend.sync();
  const recorder = new Recorder(activeRecorder());
  const previous = setRecorder(recorder);
  const t0 = performance.now();
  let result: Awaited<T>;
  try {
    result = await fn();
    const tensors = new Set<Tensor>();
    collect(result, tensors);
    const pending = [...tensors].filter((t) => !t.isDisposed && t.op !== null);
    if (pending.length) await engine.realize(pending);
    await (await backendHost.getBackend()).sync();
  } finally {
    setRecorder(previous);
  }
  const wallMs = performance.now() - t0;
  const kernels: KernelRecord[] = [];
  const sources = new Set<TimingSource>();
  const backends = new Set<string>();
  for (const [r, run] of recorder.runs.entries()) {
    const times = await run.times();
    sources.add(run.source);
    backends.add(run.backend);
    run.plan.calls.forEach((call, index) => {
      const d = describeCall(call, run.plan.slots);
      const ms = times[index] ?? 0;
      kernels.push({ ...d, run: r, index, ms, gflops: rate(d.flops, ms), gbps: rate(d.bytes, ms) });
    });
  }
  const kernelMs = kernels.reduce((a, k) => a + k.ms, 0);
  const timing = sources.size === 0 ? 'none' : sources.size === 1 ? [...sources][0] : 'mixed';
  const p: Profile<Awaited<T>> = {
    result,
    backend: [...backends].join('+'),
    timing,
    wallMs,
    kernelMs,
    runs: recorder.runs.length,
    dispatches: kernels.length,
    kernels,
    summary: summarize(kernels, kernelMs),
    table: (options = {}) => formatProfile(p, options.top ?? 15),
  };
  return p;
}

/**
 * Wall time of `fn` and the time its kernels took (TensorFlow.js' tf.time):
 * `{ wallMs, kernelMs }`, measured as by profile().
 */
export async function time(fn: () => unknown): Promise<{ wallMs: number; kernelMs: number }> {
  if (typeof fn !== 'function') throw argError('time', 'fn', 'a function', fn);
  const p = await profile(fn);
  return { wallMs: p.wallMs, kernelMs: p.kernelMs };
}
