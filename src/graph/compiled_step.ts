// Compiled steps: a function of some inputs and variables (e.g. forward +
// loss + backward + optimizer update) is traced ONCE into a graph, planned
// and prepared once, and then replayed: each run writes the new input data,
// binds the variables' current buffers, and enqueues every kernel in one
// submission. Nothing is read back unless the caller reads an output.
import type { Backend, BackendBuffer, ReadItem } from '../backends/backend.js';
import { backendHost } from '../backends/select.js';
import type { DType, TypedArray } from '../core/dtype.js';
import { engine } from '../core/engine.js';
import { debugLevel } from '../core/environment.js';
import { argError, article, isArray, shapeString, WebgradError } from '../core/errors.js';
import { shapesEqual, sizeOf } from '../core/shape.js';
import { Storage } from '../core/storage.js';
import { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import { buildPlan, topoOrder } from './build_plan.js';
import { scheduler, upload } from './realize.js';
import { SnapshotRing, type HeldSnapshot } from './snapshot_ring.js';
import { slotBytes, type Plan } from '../kernels/plan.js';

export interface StepInputSpec {
  shape: readonly number[];
  dtype: DType;
}

export interface StepDefinition {
  /** Per-run inputs (e.g. a batch of x and y); placeholders while building. */
  inputs: StepInputSpec[];
  /** State read and replaced by every run (parameters, optimizer slots, counters). */
  variables: Variable[];
  /**
   * Records the step. `inputs` and `values` are placeholders for the run's
   * inputs and the variables' values. Returns the tensors to hand back from
   * each run, and for each variable its new value (null = unchanged).
   */
  build(inputs: Tensor[], values: Tensor[]): { outputs: Tensor[]; updates: (Tensor | null)[] };
  /** Fuse kernels (default true); false runs op by op, for comparison. */
  fuse?: boolean;
  /** Name used in error messages. */
  name?: string;
  /**
   * Keep the variables' values after every run on the host too, so training
   * can resume on the CPU from the last completed run if the GPU device is
   * lost. compileStep decides whether a copy is needed: only where the
   * backend's memory can be lost (a GPU; one extra copy in each run's own
   * submission, never awaited by run()). On the CPU the values are host
   * memory already, and nothing is copied.
   */
  keepHostCopy?: boolean;
}

export interface StepRunOptions {
  /**
   * Copy the outputs out in this run's own submission (set it when you will
   * read them): reading then waits for this run only, not for runs enqueued
   * after it, so training can stay a step ahead of its readbacks.
   */
  read?: boolean;
}

/** Variable values after a completed run, in `variables` order. */
export interface StepSnapshot {
  run: number;
  values: TypedArray[];
}

export interface CompiledStep {
  /**
   * Enqueues one run. `inputs` are typed arrays (or computed tensors) of the
   * declared shapes. Returns the outputs as computed tensors (read them with
   * `await t.data()`, dispose them when done). Variables hold their new values
   * as soon as this returns; the GPU runs the work in submission order.
   */
  run(inputs: readonly (TypedArray | Tensor)[], options?: StepRunOptions): Tensor[];
  /** Computes any variable whose value is still pending (e.g. after assign()); run() requires it. */
  prepareVariables(): Promise<void>;
  /** Kernel launches per run (after fusion). */
  readonly dispatchesPerRun: number;
  /** The plan (for tests and DEBUG). */
  readonly plan: Plan;
  /** The backend this step was compiled for. */
  readonly backend: Backend;
  /** Runs enqueued so far. */
  readonly runs: number;
  /** Whether runs copy the variables to the host (keepHostCopy on a backend whose memory can be lost). */
  readonly keepsHostCopy: boolean;
  /** A copy of the newest completed run's variable values (when host copies are kept), or null. */
  lastSnapshot(): StepSnapshot | null;
  /**
   * The variable values right after run number `run` (counted from 1), when
   * host copies are kept and still held (recent runs), pinned in place until
   * release(); null if not kept, lost, or already overwritten by a later run's.
   */
  snapshotAt(run: number): Promise<HeldSnapshot | null>;
  /** Resolves once every snapshot requested so far has arrived (or failed). */
  snapshotsSettled(): Promise<void>;
  dispose(): void;
}

/** Compile-time figures of the newest compiled step, for stats() and benchmarks. */
export const stepTimings = { compiledSteps: 0, lastCompileMs: 0 };

export async function compileStep(def: StepDefinition): Promise<CompiledStep> {
  const name = def.name ?? 'step';
  const started = performance.now();
  const backend = await backendHost.getBackend();
  const keepHostCopy = def.keepHostCopy === true && backend.memoryCanBeLost === true;
  const nIn = def.inputs.length;
  engine.startScope();
  let traced: { outputs: Tensor[]; updates: (Tensor | null)[] };
  let placeholders: Tensor[];
  try {
    placeholders = [
      ...def.inputs.map((s, i) => engine.make({ kind: 'placeholder', index: i }, [], s.shape, s.dtype)),
      ...def.variables.map((v, j) => engine.make({ kind: 'placeholder', index: nIn + j }, [], v.shape, v.dtype)),
    ];
    traced = def.build(placeholders.slice(0, nIn), placeholders.slice(nIn));
  } catch (e) {
    engine.endScope(new Set());
    throw e;
  }
  const { outputs, updates } = traced;
  if (updates.length !== def.variables.length) {
    engine.endScope(new Set());
    throw new WebgradError(`${name}: build() returned ${updates.length} updates for ${def.variables.length} variables.`);
  }
  updates.forEach((u, j) => {
    const v = def.variables[j];
    if (u && (!shapesEqual(u.shape, v.shape) || u.dtype !== v.dtype)) {
      engine.endScope(new Set());
      throw new WebgradError(`${name}: the update of variable '${v.name}' has shape ${shapeString(u.shape)} (${u.dtype}), expected ${shapeString(v.shape)} (${v.dtype}).`);
    }
  });
  const targets = [...outputs, ...updates.filter((u): u is Tensor => u !== null)];
  // Keep the traced graph (and its constants) alive for the step's lifetime.
  for (const t of targets) t.kept = true;
  engine.endScope(new Set(targets));
  // Constants are computed while the step's kernels compile: the plan reads
  // them as inputs, and runs only after both are done.
  const frontier = constantFrontier(targets);
  const folding = frontier.length ? engine.realize(frontier) : Promise.resolve();
  let built: ReturnType<typeof buildPlan>;
  try {
    built = buildPlan(targets, { fuse: def.fuse ?? scheduler.fuse, sources: new Set(frontier.map((t) => t.id)) });
  } catch (e) {
    await folding.catch(() => undefined);
    throw e;
  }
  const { plan } = built;

  // Where each source comes from on every run.
  const placeholderSlot = new Map<number, number>();
  const constants: { slot: number; tensor: Tensor }[] = [];
  built.sources.forEach((t, i) => {
    const slot = plan.inputSlots[i];
    if (t.op?.kind === 'placeholder') placeholderSlot.set(t.op.index, slot);
    else constants.push({ slot, tensor: t });
  });
  const outSlots = built.outputSlotOf;
  for (const s of outSlots) {
    if (plan.slots[s].kind === 'input') {
      throw new WebgradError(`${name}: an output or update is just a reshape of an input or variable; return null for an unchanged variable.`);
    }
  }

  const planned = performance.now();
  const [prepared] = await Promise.all([backend.prepare(plan), folding]);
  stepTimings.compiledSteps++;
  stepTimings.lastCompileMs = performance.now() - started;
  if (debugLevel() >= 1) {
    console.log(`[webgrad] ${name}: traced and planned in ${Math.round(planned - started)} ms (${plan.calls.length} kernels), pipelines ready ${Math.round(performance.now() - planned)} ms later`);
  }
  const temps = plan.tempBytes.map((b) => backend.alloc(b));
  const inputBuffers = def.inputs.map((s) => backend.alloc(slotBytes(sizeOf(s.shape))));
  const buffers: BackendBuffer[] = new Array<BackendBuffer>(plan.slots.length);
  plan.slots.forEach((slot, i) => {
    if (slot.kind === 'temp') buffers[i] = temps[plan.tempOf[i]];
  });
  let disposed = false;
  let runs = 0;
  // Output buffers come back here when their tensors are released, so each
  // output slot cycles through the same two or three buffers (stable bind groups).
  const spares = new Map<number, BackendBuffer[]>(plan.outputSlots.map((s) => [s, []]));
  const recycler = (slot: number) => (buffer: BackendBuffer) => {
    if (disposed || backendHost.current() !== backend) backend.free(buffer);
    else spares.get(slot)!.push(buffer);
  };
  // Host copies of the variables, one per run, in memory reused from run to run.
  const ring = keepHostCopy ? new SnapshotRing(def.variables.map((v) => ({ dtype: v.dtype, size: sizeOf(v.shape) }))) : null;
  let inFlight: Promise<unknown> = Promise.resolve();
  // Per recent run: whether its copy arrived.
  const recent = new Map<number, Promise<boolean>>();

  const checkVariables = (): string | null => {
    for (const v of def.variables) {
      const t = v.value;
      if (t.op !== null || !t.storage?.buffer) return v.name;
    }
    return null;
  };

  return {
    plan,
    backend,
    dispatchesPerRun: plan.calls.length,
    keepsHostCopy: keepHostCopy,
    get runs() {
      return runs;
    },
    lastSnapshot: () => {
      const l = ring?.latest();
      return l ? { run: l.run, values: l.values.map((v) => v.slice()) } : null;
    },
    snapshotAt: async (run) => ((await recent.get(run)) ? ring!.hold(run) : null),
    snapshotsSettled: () => inFlight.then(() => undefined),
    async prepareVariables(): Promise<void> {
      await engine.realize(def.variables.map((v) => v.value));
      // Values computed on the host (fresh leaves) must be uploaded too.
      for (const v of def.variables) if (v.value.storage) upload(backend, v.value.storage);
      for (const c of constants) upload(backend, c.tensor.storage!);
    },
    run(inputs, options = {}): Tensor[] {
      if (disposed) throw new WebgradError(`${name}: this compiled step was disposed.`);
      if (backendHost.current() !== backend) {
        throw new WebgradError(`${name}: the backend changed since this step was compiled (now ${backendHost.current()?.name}); compile it again.`);
      }
      if (!isArray(inputs) || inputs.length !== nIn) throw argError(name, 'inputs', `an array of ${nIn} inputs`, inputs);
      const pending = checkVariables();
      if (pending) throw new WebgradError(`${name}: variable '${pending}' has a pending value; await step.prepareVariables() before run().`);
      inputs.forEach((x, i) => {
        const spec = def.inputs[i];
        const slot = placeholderSlot.get(i);
        if (x instanceof Tensor) {
          x.assertAlive(name, `inputs[${i}]`);
          if (!shapesEqual(x.shape, spec.shape) || x.dtype !== spec.dtype) throw argError(name, `inputs[${i}]`, `${article(spec.dtype)} ${spec.dtype} tensor of shape ${shapeString(spec.shape)}`, x);
          if (x.op !== null || !x.storage) throw argError(name, `inputs[${i}]`, 'a computed tensor (await its data() first) or a typed array', x);
          if (slot !== undefined) buffers[slot] = upload(backend, x.storage);
        } else {
          const want = sizeOf(spec.shape);
          const okType = spec.dtype === 'int32' ? x instanceof Int32Array : x instanceof Float32Array;
          if (!okType || x.length !== want) {
            throw argError(name, `inputs[${i}]`, `${spec.dtype === 'int32' ? 'an Int32Array' : 'a Float32Array'} of ${want} values (shape ${shapeString(spec.shape)})`, x);
          }
          if (slot !== undefined) {
            backend.write(inputBuffers[i], x);
            buffers[slot] = inputBuffers[i];
          }
        }
      });
      def.variables.forEach((v, j) => {
        const slot = placeholderSlot.get(nIn + j);
        if (slot !== undefined) buffers[slot] = v.value.storage!.buffer!;
      });
      for (const c of constants) buffers[c.slot] = upload(backend, c.tensor.storage!);
      for (const s of plan.outputSlots) buffers[s] = spares.get(s)!.pop() ?? backend.alloc(plan.slots[s].bytes);
      // Values to copy out in the same submission: requested outputs, and the
      // variables' new values when a host snapshot is kept.
      const readback: ReadItem[] = [];
      if (options.read) outputs.forEach((t, i) => readback.push({ buffer: buffers[outSlots[i]], dtype: t.dtype, size: t.size }));
      const run = runs + 1;
      if (ring) {
        const into = ring.claim(run);
        let k = outputs.length;
        def.variables.forEach((v, j) => {
          const u = updates[j];
          readback.push({ buffer: u ? buffers[outSlots[k++]] : v.value.storage!.buffer!, dtype: v.dtype, size: sizeOf(v.shape), into: into[j] });
        });
      }
      let copied: Promise<TypedArray[]> | null;
      try {
        copied = backend.run(prepared, buffers, readback);
      } catch (e) {
        ring?.failed(run);
        for (const s of plan.outputSlots) spares.get(s)!.push(buffers[s]);
        throw e;
      }
      runs = run;
      // Whether the variables' copy arrived (into the ring's slot for this run).
      const landed = ring && copied
        ? copied.then(
          () => (ring.arrived(run), true),
          () => (ring.failed(run), false), // a lost device: the previous snapshot stands
        )
        : null;
      if (landed) {
        recent.set(run, landed);
        recent.delete(run - 8);
        inFlight = Promise.all([inFlight, landed]);
      }
      // One storage per output slot, shared when two results are the same value.
      const storages = new Map<number, Storage>();
      const storageFor = (slot: number, dtype: DType): Storage => {
        let s = storages.get(slot);
        if (s) s.refs++;
        else {
          s = engine.adopt(dtype, plan.slots[slot].size, buffers[slot]);
          s.recycle = recycler(slot);
          storages.set(slot, s);
        }
        return s;
      };
      const results = outputs.map((t, i) => {
        const s = storageFor(outSlots[i], t.dtype);
        if (options.read && copied) {
          const values = copied.then((all) => all[i]);
          s.hostCopy = () => values;
        }
        const r = engine.fromStorage(s, t.shape, t.dtype);
        engine.releaseStorage(s);
        return r;
      });
      let k = outputs.length;
      updates.forEach((u, j) => {
        if (!u) return;
        const s = storageFor(outSlots[k++], u.dtype);
        // The host copy kept for recovery is these values too: reading the
        // variable (or getWeights()) after this run waits for it, with no
        // round trip of its own. Copied out of the ring only when read (most
        // values are replaced unread); null once a lost device or a later
        // run's copy has taken them: read the usual way then.
        if (landed && !s.hostCopy) {
          s.hostCopy = () => landed.then((ok) => (ok ? (ring!.peek(run)?.[j].slice() ?? null) : null));
        }
        def.variables[j].setStorage(s);
      });
      return results;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      prepared.dispose();
      for (const b of temps) backend.free(b);
      for (const b of inputBuffers) backend.free(b);
      for (const list of spares.values()) for (const b of list) backend.free(b);
      spares.clear();
      for (const t of targets) {
        t.kept = false;
        t.dispose();
      }
    },
  };
}

/**
 * The pending nodes that depend on no placeholder (e.g. 1/n of a mean,
 * 1 - epsilon) and feed ones that do: computed once, at compile time, so
 * runs do not redo them.
 */
function constantFrontier(targets: Tensor[]): Tensor[] {
  const order = topoOrder(targets);
  const dynamic = new Set<number>();
  for (const t of order) {
    if (t.op?.kind === 'placeholder' || (t.op && t.inputs.some((x) => dynamic.has(x.id)))) dynamic.add(t.id);
  }
  const frontier = new Set<Tensor>();
  for (const t of order) {
    if (!dynamic.has(t.id)) continue;
    for (const x of t.inputs) if (!dynamic.has(x.id) && x.op !== null) frontier.add(x);
  }
  return [...frontier];
}
