// Realization: computing the pending graph behind some tensors. The graph is
// keyed by its structure (plan_cache.ts); a new key is lowered, fused and
// planned, and its kernels prepared on the backend, once; every realization
// then binds fresh output buffers and runs the plan in one submission. The
// core engine calls this through its Runtime (installed by src/runtime.ts),
// always inside its queue.
import type { Backend, BackendBuffer, PreparedPlan, ReadItem } from '../backends/backend.js';
import type { BuiltPlan } from './build_plan.js';
import { backendHost } from '../backends/select.js';
import type { TypedArray } from '../core/dtype.js';
import { engine } from '../core/engine.js';
import { WebgradError } from '../core/errors.js';
import type { Storage } from '../core/storage.js';
import type { Tensor } from '../core/tensor.js';
import { slotBytes } from '../kernels/plan.js';
import { graphKey, PlanCache } from './plan_cache.js';

/** Scheduler settings. */
export const scheduler = {
  /** Whether realizations (and compiled steps, by default) fuse kernels; false runs op by op, for comparison. */
  fuse: true,
};

/** Prepared plans of eager computations, per backend. */
const planCaches = new WeakMap<Backend, PlanCache>();

/** `copyOut`: also copy the targets' values out in the same submission (data() of a pending tensor). */
export async function realizeOnBackend(targets: readonly Tensor[], copyOut: boolean): Promise<(Promise<TypedArray | null> | null)[]> {
  const backend = await backendHost.getBackend();
  const pending = targets.filter((t) => t.op !== null);
  // Sources first: every stored input must be on this backend.
  for (const t of targets) if (!t.op && t.storage) upload(backend, t.storage);
  if (pending.length === 0) return targets.map(() => null);
  const { key, sources } = graphKey(pending);
  const cache = planCaches.get(backend) ?? new PlanCache(backend);
  planCaches.set(backend, cache);
  const { built, prepared } = await cache.get(key, pending, scheduler.fuse);
  const copies = execute(backend, pending, sources, built, prepared, copyOut);
  const copyOf = new Map(pending.map((t, i) => [t, copies?.[i] ?? null]));
  return targets.map((t) => copyOf.get(t) ?? null);
}

/**
 * Runs a prepared plan computing `pending` from `sources`, and binds the
 * results to the tensors. With `copyOut`, returns each pending tensor's
 * values as they are copied out in the same submission (views that share an
 * input's storage included).
 */
function execute(backend: Backend, pending: Tensor[], sources: Tensor[], built: BuiltPlan, prepared: PreparedPlan, copyOut: boolean): (Promise<TypedArray | null> | null)[] | null {
  const { plan, outputSlotOf } = built;
  const buffers: BackendBuffer[] = new Array<BackendBuffer>(plan.slots.length);
  sources.forEach((s, i) => {
    if (!s.storage) throw new WebgradError(`internal: source tensor ${s.id} has no data (placeholder used outside a compiled step?)`);
    buffers[plan.inputSlots[i]] = upload(backend, s.storage);
  });
  const temps: BackendBuffer[] = [];
  const outputs: BackendBuffer[] = [];
  try {
    for (const b of plan.tempBytes) temps.push(backend.alloc(b));
    plan.slots.forEach((slot, i) => {
      if (slot.kind === 'output') outputs.push((buffers[i] = backend.alloc(slot.bytes)));
      else if (slot.kind === 'temp') buffers[i] = temps[plan.tempOf[i]];
    });
  } catch (e) {
    // A refused allocation must not strand the buffers taken before it.
    for (const b of [...temps, ...outputs]) backend.free(b);
    throw e;
  }
  // Outputs that alias an input (pure reshapes) share its storage.
  const storageOfSlot = new Map<number, Storage>();
  sources.forEach((s, i) => storageOfSlot.set(plan.inputSlots[i], s.storage!));
  // Values to copy out, by position in `pending`: a view of values already
  // on their way to the host (a compiled step's copy of its variables) takes
  // those, and needs no copy of its own.
  const known = pending.map((_, i) => (copyOut ? (storageOfSlot.get(outputSlotOf[i])?.hostCopy?.() ?? null) : null));
  const readAt: number[] = [];
  const readback: ReadItem[] = [];
  if (copyOut) {
    pending.forEach((t, i) => {
      if (known[i]) return;
      readAt[i] = readback.length;
      readback.push({ buffer: buffers[outputSlotOf[i]], dtype: t.dtype, size: t.size });
    });
  }
  let copied: Promise<TypedArray[]> | null = null;
  try {
    // Only views, all of them known: nothing to run.
    if (plan.calls.length || readback.length) copied = backend.run(prepared, buffers, readback.length ? readback : undefined);
  } catch (e) {
    for (const s of plan.outputSlots) backend.free(buffers[s]);
    throw e;
  } finally {
    for (const b of temps) backend.free(b);
  }
  const all = copied;
  const copyOf = (i: number): Promise<TypedArray | null> | null => {
    if (known[i]) return known[i];
    if (!all || readAt[i] === undefined) return null;
    const values = all.then((v) => v[readAt[i]]);
    // A failed copy surfaces where it is awaited, not as an unhandled rejection.
    values.catch(() => undefined);
    return values;
  };
  // Bind results.
  pending.forEach((t, i) => {
    const slot = outputSlotOf[i];
    let storage = storageOfSlot.get(slot);
    if (storage) storage.refs++;
    else {
      storage = engine.adopt(t.dtype, plan.slots[slot].size, buffers[slot]);
      const copy = copyOf(i);
      storage.hostCopy = copy ? () => copy : null;
      storageOfSlot.set(slot, storage);
    }
    engine.settle(t, storage);
  });
  return copyOut ? pending.map((_, i) => copyOf(i)) : null;
}

/**
 * dataSync(): computes `t` and reads it on the calling thread, on a backend
 * that prepares and reads synchronously (the CPU); the engine calls this only
 * while its queue is empty.
 */
export function readSyncOnBackend(t: Tensor, op: string): TypedArray {
  const backend = backendHost.current();
  const instead = op === 'arraySync' ? 'await t.array()' : 'await t.data()';
  if (!backend) throw new WebgradError(`${op}(): no backend is initialised yet; call await webgrad.ready() first, or use ${instead}.`);
  if (!backend.prepareSync || !backend.readSync) {
    throw new WebgradError(`${op}(): the ${backend.name} backend reads data asynchronously; use ${instead} instead.`);
  }
  if (t.op !== null) {
    const pending = [t];
    const { key, sources } = graphKey(pending);
    for (const src of sources) {
      if (!src.storage) throw new WebgradError(`${op}(): tensor ${t.id} depends on a placeholder of a compiled step; it has no value outside run().`);
    }
    const cache = planCaches.get(backend) ?? new PlanCache(backend);
    planCaches.set(backend, cache);
    const { built, prepared } = cache.getSync(key, pending, scheduler.fuse, (plan) => backend.prepareSync!(plan));
    // No copy out: the values are read synchronously below.
    void execute(backend, pending, sources, built, prepared, false);
  }
  const s = t.storage!;
  if (s.failure) throw s.failure;
  if (s.host) return s.host.slice(0, t.size);
  return backend.readSync(upload(backend, s), t.dtype, t.size);
}

/** The buffer holding `s` on `backend`, uploading its host values first if needed. */
export function upload(backend: Backend, s: Storage): BackendBuffer {
  if (!s.buffer) {
    if (!s.host) {
      if (s.failure) throw s.failure;
      throw new WebgradError(s.lost ? 'a tensor\'s data was lost with the GPU device (it was never read back); recompute it' : 'internal: storage has neither host data nor a buffer');
    }
    s.buffer = backend.alloc(slotBytes(s.size));
    backend.write(s.buffer, s.host);
    engine.holdsBuffer(s);
  }
  return s.buffer;
}
