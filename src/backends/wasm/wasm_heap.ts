// The wasm backend's memory: one WebAssembly.Memory shared by every kernel
// module, in which each tensor buffer is a 16-byte aligned range. Free ranges
// are kept sorted by offset and merged with their neighbours, so training
// steps that free and allocate the same sizes reuse the same ranges; the
// memory grows (it never shrinks) when no free range fits.
import { WebgradError } from '../../core/errors.js';

const PAGE = 65536;
const ALIGN = 16;
/** wasm32 addresses 4 GiB at most. */
const MAX_PAGES = 65536;

interface Range {
  offset: number;
  size: number;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  /** Everything from here to the end of the memory is unused. */
  private top = ALIGN;
  private readonly freeRanges: Range[] = [];
  private views: { buffer: ArrayBuffer; f32: Float32Array; i32: Int32Array } | null = null;

  /** `shared`: a memory that worker threads can run kernels on (needs SharedArrayBuffer). */
  constructor(initialPages = 16, readonly shared = false) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared });
  }

  /** Bytes reserved for ranges (aligned sizes), in use or free inside the used part. */
  get usedBytes(): number {
    return this.top;
  }

  /** Returns the offset of a zero-filled range of at least `bytes` bytes. */
  alloc(bytes: number): number {
    if (bytes > MAX_PAGES * PAGE) throw new WebgradError(`wasm: cannot allocate ${bytes} bytes: a WebAssembly memory holds ${MAX_PAGES * PAGE} bytes at most; use smaller tensors or batches.`);
    const size = alignUp(Math.max(bytes, 1));
    const list = this.freeRanges;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r.size < size) continue;
      const offset = r.offset;
      if (r.size === size) list.splice(i, 1);
      else {
        r.offset += size;
        r.size -= size;
      }
      this.zero(offset, size);
      return offset;
    }
    const offset = this.top;
    this.ensure(offset + size);
    this.top = offset + size;
    // Memory past `top` is zero when first grown, but may hold an old range's values.
    this.zero(offset, size);
    return offset;
  }

  /** Gives a range back (offset and the size it was allocated with). */
  release(offset: number, bytes: number): void {
    const size = alignUp(Math.max(bytes, 1));
    const list = this.freeRanges;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].offset < offset) lo = mid + 1;
      else hi = mid;
    }
    let range: Range = { offset, size };
    const prev = list[lo - 1];
    if (prev && prev.offset + prev.size === offset) {
      prev.size += size;
      range = prev;
      lo--;
    } else list.splice(lo, 0, range);
    const next = list[lo + 1];
    if (next && range.offset + range.size === next.offset) {
      range.size += next.size;
      list.splice(lo + 1, 1);
    }
    // A free range at the top returns to the unused tail.
    if (range.offset + range.size === this.top) {
      this.top = range.offset;
      list.splice(lo, 1);
    }
  }

  /** Grows the memory so that `end` bytes are addressable. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const needPages = Math.ceil((end - have) / PAGE);
    // Grow by at least half again, so a run of allocations grows a few times only.
    const havePages = have / PAGE;
    const pages = Math.min(Math.max(needPages, Math.ceil(havePages / 2)), MAX_PAGES - havePages);
    if (pages < needPages) throw this.outOfMemory(end, 'past the 4 GiB a WebAssembly memory can address');
    // Only this heap grows the memory, so views made before stay valid until here.
    this.views = null;
    try {
      this.memory.grow(pages);
    } catch (e) {
      try {
        this.memory.grow(needPages);
      } catch {
        throw this.outOfMemory(end, (e as Error).message);
      }
    }
  }

  private outOfMemory(end: number, why?: string): WebgradError {
    return new WebgradError(`wasm: could not grow the WebAssembly memory to ${end} bytes${why ? ` (${why})` : ''}; use smaller tensors or batches.`);
  }

  private zero(offset: number, size: number): void {
    this.u8().fill(0, offset, offset + size);
  }

  private u8(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /** Float32 and Int32 views of the whole memory (made again after it grows). */
  f32(): Float32Array {
    return this.currentViews().f32;
  }

  i32(): Int32Array {
    return this.currentViews().i32;
  }

  private currentViews(): { f32: Float32Array; i32: Int32Array } {
    // Made again only after this heap grew the memory: reading
    // `memory.buffer` of a shared memory makes a new SharedArrayBuffer
    // object each time, too costly for every kernel's views.
    if (!this.views) {
      const buffer = this.memory.buffer;
      this.views = { buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer) };
    }
    return this.views;
  }

}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
