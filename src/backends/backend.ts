// The backend interface: the only place GPU objects live below this line.
// A backend owns buffers and runs plans; it knows nothing about tensors.
import type { DType, TypedArray } from '../core/dtype.js';
import type { BackendBuffer, BufferMemory } from '../core/storage.js';
import type { Plan } from '../kernels/plan.js';

// Defined in core, which holds buffers in tensors' storages; backends make them.
export type { BackendBuffer };

/** A buffer to read back, with the type and count of its values. */
export interface ReadItem {
  buffer: BackendBuffer;
  dtype: DType;
  size: number;
  /**
   * Where to put the values (`size` long, of `dtype`'s array type) instead of
   * a fresh array: a caller that copies the same things out on every run
   * reuses its memory (fresh memory is faulted in page by page, ~3 ms per MB
   * on the project machines).
   */
  into?: TypedArray;
}

/** `values` delivered as `item` asks: copied into `item.into` when it has one. */
export function deliver(item: ReadItem, values: TypedArray): TypedArray {
  if (!item.into) return values;
  item.into.set(values);
  return item.into;
}

/** A plan whose kernels are compiled for one backend (pipelines, bind layouts). */
export interface PreparedPlan {
  readonly plan: Plan;
  /** Releases per-plan resources (uniform buffers, cached bind groups). */
  dispose(): void;
}

export interface BackendStats {
  dispatches: number;
  submits: number;
  pipelines: number;
  /** Buffers and bytes allocated right now (pooled free buffers included). */
  buffers: number;
  bytes: number;
  /** The most buffers and bytes allocated at one time since the backend started. */
  peakBuffers: number;
  peakBytes: number;
}

export interface Backend extends BufferMemory {
  readonly name: 'webgpu' | 'wasm' | 'cpu';
  /**
   * True when buffers live in memory that is lost with the device (a GPU).
   * Compiled steps asked to survive that (keepHostCopy) copy their state to
   * the host only on such a backend.
   */
  readonly memoryCanBeLost?: boolean;
  /** True once the device is lost: the backend runs nothing any more. */
  readonly lost?: boolean;
  alloc(bytes: number): BackendBuffer;
  free(buffer: BackendBuffer): void;
  write(buffer: BackendBuffer, data: TypedArray): void;
  read(buffer: BackendBuffer, dtype: DType, size: number): Promise<TypedArray>;
  /** Reads several buffers with one copy submission (snapshots of training state). */
  readMany(items: readonly ReadItem[]): Promise<TypedArray[]>;
  /** Compiles every kernel of a plan (in parallel where the backend can). */
  prepare(plan: Plan): Promise<PreparedPlan>;
  /**
   * Enqueues one run of a plan; `buffers[slot]` is the buffer bound to each
   * slot. With `readback`, those buffers are also copied out in the same
   * submission, and the promise resolves to their values.
   */
  run(prepared: PreparedPlan, buffers: readonly BackendBuffer[], readback?: readonly ReadItem[]): Promise<TypedArray[]> | null;
  /**
   * Synchronous twins of prepare and read, for a backend that computes on the
   * calling thread (the CPU); dataSync() needs them and refuses without.
   */
  prepareSync?(plan: Plan): PreparedPlan;
  readSync?(buffer: BackendBuffer, dtype: DType, size: number): TypedArray;
  /** Resolves when all enqueued work has finished. */
  sync(): Promise<void>;
  stats(): BackendStats;
  destroy(): void;
}
