// The engine: tensor bookkeeping (creation, refcounts, tidy scopes), the
// storages that hold backend buffers (so a backend switch can move them), and
// the queue that orders every computation, so concurrent `await t.data()`
// calls never race over the same nodes. Computing values (plans, kernels,
// backends) sits above core, in graph/realize.ts: the engine reaches it
// through the Runtime below, which installRuntime() (src/runtime.ts) plugs in
// once at start-up.
import type { DType, TypedArray } from './dtype.js';
import { WebgradError } from './errors.js';
import { checkSize, sizeOf } from './shape.js';
import { Storage, type BackendBuffer, type BufferMemory } from './storage.js';
import { installTensorRuntime, Tensor, type TensorOp } from './tensor.js';

/** What a task of engine.deferred() computes with (inside the realization queue). */
export interface DeferredContext {
  /**
   * Computes `targets` now (their work is enqueued on the backend when this
   * resolves) and returns a function that waits for their values, so a task
   * can enqueue the next piece of work before it waits for this one.
   */
  compute(targets: readonly Tensor[]): Promise<() => Promise<TypedArray[]>>;
}

/**
 * What the engine needs from the layers above core: computing tensors on the
 * active backend. Implemented by graph/realize.ts and backends/select.ts,
 * installed by installRuntime() in src/runtime.ts.
 */
export interface Runtime {
  /**
   * Computes the pending tensors among `targets` on the active backend (and
   * uploads the stored ones), then binds each to its storage (engine.settle).
   * With `copyOut`, the computed values are also copied out in the same
   * submission (storage.hostCopy), and the result holds, per target, its
   * values when they are being copied out (null for targets not computed by
   * this realization). A view computed as a pure reshape of an input shares
   * that input's storage, so its copy is handed back only here. Runs inside
   * the engine's queue.
   */
  realize(targets: readonly Tensor[], copyOut: boolean): Promise<readonly (Promise<TypedArray | null> | null)[] | void>;
  /** The active backend, initialising the default one on first use. */
  backend(): Promise<BufferMemory>;
  /** The active backend, or null before the first computation. */
  currentBackend(): BufferMemory | null;
  /**
   * dataSync(): computes `t` and reads it on the calling thread, or throws
   * naming `op` where the backend cannot (it prepares or reads asynchronously).
   * Called only while the engine's queue is empty.
   */
  readSync(t: Tensor, op: string): TypedArray;
}

class Engine {
  private installed: Runtime | null = null;
  private scopes: Tensor[][] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** Tasks of the queue not finished yet (dataSync cannot wait for them). */
  private queued = 0;
  /** Every storage that holds a backend buffer, so a backend switch can move them. */
  private live = new Set<Storage>();

  /** Plugs in the computation (src/runtime.ts' installRuntime, at start-up). */
  install(runtime: Runtime): void {
    this.installed = runtime;
  }

  private get runtime(): Runtime {
    if (!this.installed) throw new WebgradError('internal: webgrad\'s runtime is not installed (import webgrad from its entry point, src/index.ts)');
    return this.installed;
  }

  /** Creates a pending tensor computed by `op` from `inputs`. */
  make(op: TensorOp, inputs: Tensor[], shape: readonly number[], dtype: DType): Tensor {
    // Backstop: the public ops refuse such shapes under their own names first.
    checkSize(op.kind, 'the result of shape', shape);
    const t = new Tensor(shape, dtype, op, inputs);
    for (const x of inputs) x.refs++;
    this.track(t);
    return t;
  }

  /** Creates a tensor holding host data (uploaded when first needed). */
  fromHost(values: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    checkSize('tensor', 'shape', shape);
    const t = new Tensor(shape, dtype, null, []);
    t.storage = new Storage(dtype, t.size, values, null);
    this.track(t);
    return t;
  }

  /**
   * Tensors whose values `produce` computes later, as one task of the
   * realization queue: anything queued after this call (a read of these
   * tensors included) runs after it, so a computation can be split in pieces
   * (e.g. a large input in batches, to bound memory) behind a synchronous
   * API. Inside `produce`, compute with `ctx.compute`, never with data()
   * (which would wait for this very task). If `produce` throws, reading any
   * of the tensors throws its error.
   */
  deferred(specs: readonly { shape: readonly number[]; dtype: DType }[], produce: (ctx: DeferredContext) => Promise<TypedArray[]>): Tensor[] {
    const storages = specs.map((s) => new Storage(s.dtype, sizeOf(s.shape), null, null));
    const tensors = specs.map((s, i) => {
      const t = new Tensor(s.shape, s.dtype, null, []);
      t.storage = storages[i];
      this.track(t);
      return t;
    });
    void this.serialize(async () => {
      try {
        const values = await produce({ compute: (targets) => this.computeNow(targets) });
        storages.forEach((s, i) => {
          if (s.refs === 0) return; // released meanwhile
          s.host = values[i];
          const v = values[i];
          s.hostCopy = () => Promise.resolve(v); // data() needs no read back
        });
      } catch (e) {
        const failure = e instanceof Error ? e : new WebgradError(String(e));
        for (const s of storages) s.failure = failure;
      }
    });
    return tensors;
  }

  private async computeNow(targets: readonly Tensor[]): Promise<() => Promise<TypedArray[]>> {
    const copies = await this.runtime.realize(targets, true);
    const backend = await this.runtime.backend();
    const values = targets.map((t, i) => {
      const s = t.storage!;
      const stored = (): Promise<TypedArray> => (s.host ? Promise.resolve(s.host.slice(0, t.size) as TypedArray) : backend.read(s.buffer!, t.dtype, t.size));
      const copy = copies?.[i] ?? s.hostCopy?.();
      // null: the copy is gone (memory reused, device lost): read what is stored.
      if (copy) return copy.then((v) => (v ? (v.slice(0, t.size) as TypedArray) : stored()));
      return stored();
    });
    // Failures surface when the caller waits (no unhandled rejection before).
    for (const v of values) v.catch(() => undefined);
    return () => Promise.all(values);
  }

  /** A tensor that shares `storage` (a view of already computed data). */
  fromStorage(storage: Storage, shape: readonly number[], dtype: DType): Tensor {
    const t = new Tensor(shape, dtype, null, []);
    storage.refs++;
    t.storage = storage;
    this.track(t);
    return t;
  }

  private track(t: Tensor): void {
    const scope = this.scopes[this.scopes.length - 1];
    if (scope) scope.push(t);
  }

  /** Drops one holder of `t`; frees its memory and its inputs' holds at zero. */
  release(t: Tensor): void {
    const stack = [t];
    while (stack.length) {
      const x = stack.pop()!;
      if (--x.refs > 0) continue;
      if (x.storage) this.releaseStorage(x.storage);
      x.storage = null;
      for (const i of x.inputs) stack.push(i);
      x.inputs = [];
      x.op = null;
    }
  }

  releaseStorage(s: Storage): void {
    if (--s.refs > 0) return;
    if (s.buffer && s.recycle) s.recycle(s.buffer);
    else if (s.buffer) this.installed?.currentBackend()?.free(s.buffer);
    this.live.delete(s);
    s.buffer = null;
    s.host = null;
  }

  /**
   * Moves every live tensor's data from `from` to host memory, so it can be
   * uploaded to the next backend. Data that cannot be read (a lost device)
   * and has no host copy is marked lost.
   */
  async migrate(from: BufferMemory): Promise<void> {
    for (const s of [...this.live]) {
      if (!s.buffer) continue;
      if (!s.host) {
        try {
          s.host = await from.read(s.buffer, s.dtype, s.size);
        } catch {
          s.lost = true;
        }
      }
      s.buffer = null;
      this.live.delete(s);
    }
  }

  // ---- scopes ----
  startScope(): void {
    this.scopes.push([]);
  }

  /**
   * Ends a scope: tensors not kept lose their creation handle. `internal`
   * scopes (inside composite ops) drop it without marking the tensors
   * disposed, since the graph still uses them, e.g. in gradient rules.
   */
  endScope(keep: ReadonlySet<Tensor>, internal = false): void {
    const scope = this.scopes.pop();
    if (!scope) throw new WebgradError('internal: endScope without startScope');
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (keep.has(t) || t.kept) {
        // Returned tensors belong to the enclosing scope now.
        if (parent && !t.kept) parent.push(t);
      } else if (internal) {
        if (!t.disposedByUser && !t.handleReleased) {
          t.handleReleased = true;
          this.release(t);
        }
      } else {
        t.dispose();
      }
    }
  }

  // ---- realization ----
  /** Runs, in order, after every realization queued before it. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    this.queued++;
    const run = async (): Promise<T> => {
      try {
        return await fn();
      } finally {
        this.queued--;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Computes the given tensors (and only them) on the backend. */
  async realize(targets: readonly Tensor[]): Promise<void> {
    // Without copyOut there are no copies to hand back.
    await this.serialize(() => this.runtime.realize(targets, false).then(() => undefined));
  }

  /** Turns a pending tensor into a computed one holding `storage` (the realization's last step). */
  settle(t: Tensor, storage: Storage): void {
    t.storage = storage;
    const inputs = t.inputs;
    t.inputs = [];
    t.op = null;
    for (const x of inputs) this.release(x);
  }

  /** Records that `s` now holds a buffer on the active backend (so a backend switch moves its data). */
  holdsBuffer(s: Storage): void {
    this.live.add(s);
  }

  /** Adopts a buffer computed on the active backend as a tensor's data. */
  adopt(dtype: DType, size: number, buffer: BackendBuffer): Storage {
    const s = new Storage(dtype, size, null, buffer);
    this.live.add(s);
    return s;
  }

  async read(t: Tensor): Promise<TypedArray> {
    // Hold the tensor while reading: dispose() right after data() must not
    // cancel a read already asked for.
    t.refs++;
    try {
      return await this.readHeld(t);
    } finally {
      this.release(t);
    }
  }

  private async readHeld(t: Tensor): Promise<TypedArray> {
    // Values that were never computed on a backend (created from JavaScript
    // data) and still have their host copy: tensors never change, so that copy
    // is the answer, with no upload and no read back (fit(x, y) reads its
    // arguments this way on every call).
    const held = t.op === null ? t.storage : null;
    if (held?.host && !held.failure) return held.host.slice(0, t.size);
    const copies = await this.serialize(() => this.runtime.realize([t], true));
    // Already being copied out with the run that computed it: no queue wait.
    const pending = copies?.[0] ?? t.storage?.hostCopy?.();
    const copied = pending ? await pending : null;
    if (copied) return copied.slice(0, t.size);
    return this.serialize(async () => {
      const s = t.storage;
      if (!s) throw new WebgradError(`data(): tensor ${t.id} was disposed while being computed`);
      if (!s.buffer && s.host) return s.host.slice(0, t.size);
      const backend = await this.runtime.backend();
      return backend.read(s.buffer!, t.dtype, t.size);
    });
  }

  /**
   * dataSync(): computes `t` and reads it on the calling thread. Possible
   * only on a backend that prepares and reads synchronously (the CPU), and
   * only while nothing is queued (it cannot wait for an asynchronous task).
   */
  readSync(t: Tensor, op: string): TypedArray {
    const stored = t.op === null ? t.storage : null;
    if (stored?.host) return stored.host.slice(0, t.size);
    if (this.queued > 0) {
      const instead = op === 'arraySync' ? 'await t.array()' : 'await t.data()';
      throw new WebgradError(`${op}(): other computations are still queued (an await not finished, or a fit() running); use ${instead}, which waits for them.`);
    }
    return this.runtime.readSync(t, op);
  }
}

export const engine = new Engine();
installTensorRuntime({ read: (t) => engine.read(t), readSync: (t, op) => engine.readSync(t, op), release: (t) => engine.release(t) });
