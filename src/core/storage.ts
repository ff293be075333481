// Storage: the memory behind a computed tensor, shared (refcounted) between a
// tensor and its reshaped views. Values live on the active backend; a CPU copy
// is kept for leaves created from JavaScript data until they are uploaded.
import type { DType, TypedArray } from './dtype.js';

/** An opaque handle to memory on a backend: backends/ allocate them, core only holds them. */
export interface BackendBuffer {
  readonly id: number;
  readonly bytes: number;
}

/**
 * What core asks of the backend that holds its buffers: to take one back, and
 * to copy one out. backends/backend.ts' Backend has these, and more.
 */
export interface BufferMemory {
  free(buffer: BackendBuffer): void;
  read(buffer: BackendBuffer, dtype: DType, size: number): Promise<TypedArray>;
}

export class Storage {
  refs = 1;
  /** Set when the buffer's device was lost before the data was copied out. */
  lost = false;
  /**
   * Called instead of freeing the buffer to the backend's pool when the last
   * reference goes: compiled steps take their buffers back this way, so a
   * replayed step binds the same few buffers every time.
   */
  recycle: ((buffer: BackendBuffer) => void) | null = null;
  /**
   * Values already being copied out (a compiled step's run): data() calls it
   * instead of reading the buffer. A function, so that values kept in memory
   * that is reused (a step's variable snapshots) are copied only when read;
   * it resolves to null when they are no longer there (read the usual way).
   */
  hostCopy: (() => Promise<TypedArray | null>) | null = null;
  /** Why a deferred computation (engine.deferred) of these values failed; reading throws it. */
  failure: Error | null = null;
  constructor(
    public readonly dtype: DType,
    public readonly size: number,
    /** Host copy (for data not yet uploaded, or kept after device loss). */
    public host: TypedArray | null,
    /** Buffer on the backend, once uploaded or computed there. */
    public buffer: BackendBuffer | null,
  ) {}
}
