// Blocked matmul on the wasm micro-kernel (wasm_gemm_module.ts), in the
// usual three levels: columns of C in blocks of NC, k in blocks of KC (B's
// block packed once into NR-wide panels, kept in cache), rows in blocks of MC
// (A's block packed into MR-tall panels, kept in L1/L2 while it sweeps B).
// Packing also resolves the transposes, so the kernel sees one layout for
// all four combinations of transA and transB.
import type { GemmTask, GemmThreads } from './gemm_threads.js';
import type { WasmHeap } from './wasm_heap.js';
import type { GemmTile } from './wasm_gemm_module.js';

/** Blocking sizes (floats): a KC x NC block of B and an MC x KC block of A. */
export interface GemmBlocking {
  mc: number;
  kc: number;
  nc: number;
}

export const DEFAULT_TILE: GemmTile = { mr: 4, nr: 8 };
export const DEFAULT_BLOCKING: GemmBlocking = { mc: 64, kc: 256, nc: 512 };

export type GemmFn = (a: number, b: number, c: number, mc: number, nc: number, kc: number, ldcBytes: number, accumulate: number, scratch: number, bPanelBytes: number, bRowBytes: number) => void;

/**
 * Rows of A up to which B is read where it lies instead of being packed:
 * packing costs as much as the product itself when A has a few rows (a
 * prediction for one sample).
 */
export const UNPACKED_B_MAX_ROWS = 8;

/** One matmul: where its operands are (byte offsets) and how they are laid out. */
export interface GemmCall {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  a: number;
  b: number;
  out: number;
}

/**
 * Multiply-adds from which a matmul is split across threads. Below, waking
 * the workers and packing all of A before they start cost about what they
 * save: measured in Chrome on 2 cores, the MNIST MLP's step (matmuls of up
 * to 26M multiply-adds) was slower threaded, a 1024^3 product 1.3x faster.
 */
export const THREADED_GEMM_WORK = 1 << 25;

/** Where a matmul's scratch goes: packed B block, packed A (one block, or every row when threaded), one tile per thread. */
interface ScratchLayout {
  bPack: number;
  aPack: number;
  tiles: number;
  floats: number;
}

export class WasmGemm {
  private scratch = { offset: 0, bytes: 0 };
  private threads: GemmThreads | null = null;

  constructor(
    private readonly heap: WasmHeap,
    private readonly kernel: GemmFn,
    readonly tile: GemmTile = DEFAULT_TILE,
    readonly blocking: GemmBlocking = DEFAULT_BLOCKING,
  ) {}

  /** Splits large matmuls across these worker threads (null: the calling thread only). */
  useThreads(threads: GemmThreads | null): void {
    this.threads = threads;
  }

  /** Threads (the calling one included) a matmul of this shape runs on. */
  threadsFor(m: number, n: number, k: number): number {
    if (!this.threads?.usable || m * n * k < THREADED_GEMM_WORK) return 1;
    return Math.max(1, Math.min(this.threads.count + 1, Math.ceil(m / this.tile.mr)));
  }

  private layout(m: number, n: number, k: number): ScratchLayout {
    const { mr, nr } = this.tile;
    const kc = Math.min(this.blocking.kc, k);
    const nc = Math.min(this.blocking.nc, roundUp(n, nr));
    const threads = this.threadsFor(m, n, k);
    const aRows = threads > 1 ? roundUp(m, mr) : Math.min(this.blocking.mc, roundUp(m, mr));
    const bPack = 0;
    const aPack = bPack + kc * nc;
    const tiles = aPack + aRows * kc;
    return { bPack, aPack, tiles, floats: tiles + threads * mr * nr + 8 };
  }

  /** Floats of scratch a matmul of this shape needs: packed A and B blocks and a tile per thread. */
  scratchFloats(m: number, n: number, k: number): number {
    return this.layout(m, n, k).floats;
  }

  /**
   * Makes sure `floats` of scratch exist. May grow the memory, so call it
   * before taking views of the heap for a run.
   */
  reserve(floats: number): void {
    const bytes = floats * 4;
    if (bytes <= this.scratch.bytes) return;
    if (this.scratch.bytes > 0) this.heap.release(this.scratch.offset, this.scratch.bytes);
    this.scratch = { offset: this.heap.alloc(bytes), bytes };
  }

  /** C = op(A) op(B) as float32, into `out` (m x n, row-major). */
  run(call: GemmCall): void {
    const { m, n, k } = call;
    if (m === 0 || n === 0) return;
    if (k === 0) {
      this.heap.f32().fill(0, call.out >> 2, (call.out >> 2) + m * n);
      return;
    }
    const lay = this.layout(m, n, k);
    this.reserve(lay.floats);
    const { mr, nr } = this.tile;
    const MC = Math.min(this.blocking.mc, roundUp(m, mr));
    const KC = Math.min(this.blocking.kc, k);
    const NC = Math.min(this.blocking.nc, roundUp(n, nr));
    const base = this.scratch.offset;
    const aPack = base + lay.aPack * 4;
    const bPack = base + lay.bPack * 4;
    const tiles = base + lay.tiles * 4;
    const threads = this.threadsFor(m, n, k);
    const view = this.heap.f32();
    for (let jc = 0; jc < n; jc += NC) {
      const nc = Math.min(NC, n - jc);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        const accumulate = pc > 0 ? 1 : 0;
        if (m <= UNPACKED_B_MAX_ROWS && !call.transB) {
          // Whole panels straight from B (rows n floats apart); only the ragged last one is packed.
          packA(view, call, 0, m, pc, kc, mr, aPack >> 2);
          const whole = nc - (nc % nr);
          if (whole > 0) this.kernel(aPack, call.b + (pc * n + jc) * 4, call.out + jc * 4, m, whole, kc, n * 4, accumulate, tiles, nr * 4, n * 4);
          if (whole < nc) {
            packB(view, call, pc, kc, jc + whole, nc - whole, nr, bPack >> 2);
            this.kernel(aPack, bPack, call.out + (jc + whole) * 4, m, nc - whole, kc, n * 4, accumulate, tiles, kc * nr * 4, nr * 4);
          }
          continue;
        }
        packB(view, call, pc, kc, jc, nc, nr, bPack >> 2);
        if (threads === 1) {
          for (let ic = 0; ic < m; ic += MC) {
            const mc = Math.min(MC, m - ic);
            packA(view, call, ic, mc, pc, kc, mr, aPack >> 2);
            this.kernel(aPack, bPack, call.out + (ic * n + jc) * 4, mc, nc, kc, n * 4, accumulate, tiles, kc * nr * 4, nr * 4);
          }
          continue;
        }
        // Every row of A packed once, then contiguous row ranges (whole panels) to each thread.
        packA(view, call, 0, m, pc, kc, mr, aPack >> 2);
        const per = roundUp(Math.ceil(m / threads), mr);
        const tasks: GemmTask[] = [];
        for (let r0 = 0, t = 0; r0 < m; r0 += per, t++) {
          tasks.push({
            a: aPack + r0 * kc * 4, b: bPack, c: call.out + (r0 * n + jc) * 4, rows: Math.min(per, m - r0), nc, kc,
            ldcBytes: n * 4, accumulate, scratch: tiles + t * mr * nr * 4, mcBlock: MC, bPanelBytes: kc * nr * 4, bRowBytes: nr * 4,
          });
        }
        this.threads!.run(tasks, (task) => this.runRows(task));
      }
    }
  }

  /** One thread's share: its rows in blocks of mcBlock (what the worker source does too). */
  private runRows(t: GemmTask): void {
    for (let r = 0; r < t.rows; r += t.mcBlock) {
      this.kernel(t.a + r * t.kc * 4, t.b, t.c + r * t.ldcBytes, Math.min(t.mcBlock, t.rows - r), t.nc, t.kc, t.ldcBytes, t.accumulate, t.scratch, t.bPanelBytes, t.bRowBytes);
    }
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/**
 * Rows ic..ic+mc of op(A), columns pc..pc+kc, as panels of mr rows: panel
 * by panel, column by column, mr floats per column, zeros past row m.
 */
function packA(f: Float32Array, call: GemmCall, ic: number, mc: number, pc: number, kc: number, mr: number, dst: number): void {
  const { m, k } = call;
  const a = call.a >> 2;
  // A is stored [k, m] when transposed: a column of op(A) is contiguous.
  if (call.transA) packPanels(f, a + pc * m + ic, mc, kc, mr, 1, m, dst);
  else packPanels(f, a + ic * k + pc, mc, kc, mr, k, 1, dst);
}

/**
 * Rows pc..pc+kc of op(B), columns jc..jc+nc, as panels of nr columns: panel
 * by panel, row by row, nr floats per row, zeros past column n.
 */
function packB(f: Float32Array, call: GemmCall, pc: number, kc: number, jc: number, nc: number, nr: number, dst: number): void {
  const { n, k } = call;
  const b = call.b >> 2;
  // B is stored [n, k] when transposed: a column of op(B) is contiguous.
  if (call.transB) packPanels(f, b + jc * k + pc, nc, kc, nr, k, 1, dst);
  else packPanels(f, b + pc * n + jc, nc, kc, nr, 1, n, dst);
}

/**
 * The packing both operands share: `lines` lines (rows of op(A) or columns
 * of op(B)) of `depth` values each, element (x, p) at float index
 * src + x * lineStride + p * depthStride, written as panels of `w` lines:
 * panel by panel, step by step along the depth, w floats per step, zeros
 * past the last line. The loops read along whichever stride is 1.
 */
function packPanels(f: Float32Array, src: number, lines: number, depth: number, w: number, lineStride: number, depthStride: number, dst: number): void {
  for (let x0 = 0; x0 < lines; x0 += w) {
    const base = dst + x0 * depth;
    const count = Math.min(w, lines - x0);
    if (lineStride === 1) {
      for (let p = 0; p < depth; p++) {
        const from = src + p * depthStride + x0;
        const o = base + p * w;
        for (let r = 0; r < count; r++) f[o + r] = f[from + r];
        for (let r = count; r < w; r++) f[o + r] = 0;
      }
    } else {
      for (let r = 0; r < w; r++) {
        if (r >= count) {
          for (let p = 0; p < depth; p++) f[base + p * w + r] = 0;
          continue;
        }
        const from = src + (x0 + r) * lineStride;
        for (let p = 0; p < depth; p++) f[base + p * w + r] = f[from + p * depthStride];
      }
    }
  }
}
