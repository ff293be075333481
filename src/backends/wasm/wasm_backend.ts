// The WebAssembly backend: every buffer is a range of one WebAssembly.Memory,
// and plans run kernel by kernel on the calling thread like the CPU backend.
// Kernels with a wasm version (matmul and convolution with their epilogues,
// elementwise expressions, sum / max reductions with their prologues and
// epilogues, softmax, softmax + cross-entropy, pooling and the max-pool
// gradient of disjoint windows with 4 channels or more) run in WebAssembly SIMD; every other kernel runs the CPU
// backend's TypeScript kernel on views of the same memory, so nothing is
// copied in or out.
import type { DType, TypedArray } from '../../core/dtype.js';
import { sizeOf } from '../../core/shape.js';
import type { KernelSpec, MatmulSpec, ReduceSpec } from '../../kernels/kernel_spec.js';
import type { ElementwiseExpr } from '../../kernels/strided_input.js';
import type { ConvSpec, PoolSpec } from '../../kernels/conv_spec.js';
import type { Plan } from '../../kernels/plan.js';
import { deliver, type Backend, type BackendBuffer, type BackendStats, type PreparedPlan, type ReadItem } from '../backend.js';
import { runKernelOnCpu } from '../cpu/run_kernel.js';
import { applyEpilogue, runMatmul as runMatmulTs } from '../cpu/cpu_kernels.js';
import { HostCounters } from '../host_counters.js';
import { activeRecorder } from '../profiling.js';
import { WebgradError } from '../../core/errors.js';
import { GemmThreads, logicalProcessors, threadsAvailable } from './gemm_threads.js';
import { WasmGemm } from './wasm_gemm.js';
import { ExprCompiler, type ExprFn } from './wasm_elementwise.js';
import { colFloats, convGemmShape, convRunsInWasm, MAX_COL_FLOATS, runConvWasm } from './wasm_conv.js';
import { applyBiasActivation, compileKernels, hasSimdActivation, type WasmKernels } from './wasm_kernels.js';
import { WasmHeap } from './wasm_heap.js';
import { poolArgs, poolKernelFor } from './wasm_pool.js';

let nextId = 0;

class WasmBuffer implements BackendBuffer {
  readonly id = nextId++;
  constructor(
    readonly bytes: number,
    readonly offset: number,
  ) {}
}

interface WasmPreparedPlan extends PreparedPlan {
  /** Scratch floats the plan's largest matmul needs, reserved before each run. */
  readonly scratchFloats: number;
  /** Floats of patch matrix its largest convolution needs. */
  readonly colFloats: number;
  /** Per call: its elementwise expression (the kernel itself, or a matmul's or convolution's epilogue) compiled to WebAssembly, or null. */
  readonly exprFns: (ExprFn | null)[];
  /** Per call: the elements its expression covers. */
  readonly exprSizes: number[];
  /** Per call: a reduction's prologue compiled to WebAssembly, or a matmul's activation where the kernel module has none; else null. */
  readonly preFns: (ExprFn | null)[];
  /** Per call: whether a reduction runs in WebAssembly. */
  readonly wasmReduce: boolean[];
  /** Per call: whether every slot it reads and writes is float32. */
  readonly floatCall: boolean[];
}

/**
 * Multiply-adds below which a matmul runs the small kernels
 * (wasm_small_matmul.ts), which read the operands in place: packing costs
 * more than a few thousand multiply-adds (the layers of a 2-16-16-1 MLP).
 */
const SMALL_MATMUL_BELOW = 1 << 14;

/**
 * Whether a matmul runs the small kernels: few multiply-adds, or fewer rows
 * than the packed GEMM's micro-tile (`mr`), which pads them to a whole tile:
 * one row (a single-sample predict) cost 4x its multiply-adds there, while the
 * small kernels stream B once. Both operands transposed: TypeScript, so only
 * when small.
 */
function runsSmall(s: MatmulSpec, mr: number): boolean {
  if (s.m * s.n * s.k < SMALL_MATMUL_BELOW) return true;
  return s.m < mr && !(s.transA && s.transB);
}

/** An epilogue compiled to WebAssembly and the elements it covers. */
interface CompiledExpr {
  fn: ExprFn;
  n: number;
}

/** Most threads the default picks: the step's small matmuls gain little from more. */
const DEFAULT_MAX_THREADS = 4;

/**
 * Creates the backend, compiling its modules (asynchronously, as browsers
 * require for all but tiny modules). `threads`: threads for large matmuls,
 * the calling one included; default: the logical processors (at most 4)
 * where a memory can be shared with workers (Node, cross-origin isolated
 * pages), else 1.
 */
export async function createWasmBackend(threads?: number): Promise<WasmBackend> {
  const available = threadsAvailable();
  if (threads !== undefined && threads > 1 && !available) {
    throw new WebgradError(`ready: { threads: ${threads} } needs SharedArrayBuffer and workers; this page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp) or this engine has no workers.`);
  }
  const count = threads ?? (available ? Math.min(DEFAULT_MAX_THREADS, await logicalProcessors()) : 1);
  const shared = count > 1;
  const heap = new WasmHeap(16, shared);
  const kernels = await compileKernels(heap.memory, shared);
  const pool = shared ? await GemmThreads.start(heap, kernels.module, count - 1) : null;
  return new WasmBackend(heap, kernels, pool);
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  private readonly gemm: WasmGemm;
  private readonly exprs: ExprCompiler;
  private readonly counters = new HostCounters();
  /**
   * Patch floats a convolution's scratch may hold: larger batches run in
   * chunks of images (wasm_conv.ts). Tests lower it to reach the chunking
   * with small tensors.
   */
  maxColFloats = MAX_COL_FLOATS;

  constructor(
    private readonly heap: WasmHeap,
    private readonly kernels: WasmKernels,
    private readonly pool: GemmThreads | null = null,
  ) {
    this.gemm = new WasmGemm(heap, kernels.gemm);
    this.gemm.useThreads(pool);
    this.exprs = new ExprCompiler(heap.memory, heap.shared);
  }

  /** Threads large matmuls run on (the calling one included). */
  get threads(): number {
    return (this.pool?.count ?? 0) + 1;
  }

  alloc(bytes: number): BackendBuffer {
    const buffer = new WasmBuffer(bytes, this.heap.alloc(bytes));
    this.counters.allocated(bytes);
    return buffer;
  }

  free(buffer: BackendBuffer): void {
    const b = buffer as WasmBuffer;
    this.counters.freed(b.bytes);
    this.heap.release(b.offset, b.bytes);
  }

  /** The buffer's values as a typed array over the wasm memory (valid until the memory grows). */
  private view(buffer: BackendBuffer, dtype: DType): TypedArray {
    const b = buffer as WasmBuffer;
    const whole = dtype === 'int32' ? this.heap.i32() : this.heap.f32();
    return whole.subarray(b.offset >> 2, (b.offset + b.bytes) >> 2);
  }

  write(buffer: BackendBuffer, data: TypedArray): void {
    this.view(buffer, data instanceof Int32Array ? 'int32' : 'float32').set(data);
  }

  read(buffer: BackendBuffer, dtype: DType, size: number): Promise<TypedArray> {
    return Promise.resolve(this.readSync(buffer, dtype, size));
  }

  readSync(buffer: BackendBuffer, dtype: DType, size: number): TypedArray {
    return this.view(buffer, dtype).slice(0, size);
  }

  readMany(items: readonly ReadItem[]): Promise<TypedArray[]> {
    return Promise.resolve(items.map((i) => deliver(i, this.readSync(i.buffer, i.dtype, i.size))));
  }

  prepare(plan: Plan): Promise<PreparedPlan> {
    return Promise.resolve(this.prepareSync(plan));
  }

  prepareSync(plan: Plan): PreparedPlan {
    let scratchFloats = 0;
    let cols = 0;
    for (const call of plan.calls) {
      const s = call.spec;
      if (s.type === 'matmul') scratchFloats = Math.max(scratchFloats, this.gemm.scratchFloats(s.m, s.n, s.k));
      if (s.type === 'conv2d' && convRunsInWasm(s, this.maxColFloats)) {
        const [m, n, k] = convGemmShape(s, this.maxColFloats);
        scratchFloats = Math.max(scratchFloats, this.gemm.scratchFloats(m, n, k));
        cols = Math.max(cols, colFloats(s, this.maxColFloats));
      }
    }
    const exprFns = plan.calls.map((call) => this.exprFnFor(call.spec));
    const exprSizes = plan.calls.map(({ spec: s }) => sizeOf(s.type === 'elementwise' ? s.outShape : (s.type === 'matmul' || s.type === 'conv2d' || s.type === 'reduce') && s.epilogue ? s.epilogue.shape : []));
    const preFns = plan.calls.map(({ spec: s }) => this.preFnFor(s));
    const wasmReduce = plan.calls.map(({ spec: s, args, out }, c) => {
      if (s.type !== 'reduce' || s.reducer === 'argmax' || plan.slots[out].dtype !== 'float32') return false;
      if (s.prologue) return preFns[c] !== null;
      return plan.slots[args[0]].dtype === 'float32';
    });
    // A reduction's prologue values go to the convolutions' patch scratch (no kernel needs both at once).
    plan.calls.forEach(({ spec: s }, c) => {
      if (wasmReduce[c] && s.type === 'reduce' && s.prologue) cols = Math.max(cols, sizeOf(s.prologue.shape));
    });
    const floatCall = plan.calls.map(({ args, out }) => [...args, out].every((slot) => plan.slots[slot].dtype === 'float32'));
    const prepared: WasmPreparedPlan = { plan, scratchFloats, colFloats: cols, exprFns, exprSizes, preFns, wasmReduce, floatCall, dispose: () => undefined };
    return prepared;
  }

  run(prepared: PreparedPlan, buffers: readonly BackendBuffer[], readback?: readonly ReadItem[]): Promise<TypedArray[]> | null {
    const { plan, scratchFloats, colFloats: cols, exprFns, exprSizes, preFns, wasmReduce, floatCall } = prepared as WasmPreparedPlan;
    this.counters.submits++;
    // Reserve first: growing the memory would invalidate the views taken below.
    this.gemm.reserve(scratchFloats);
    this.reserveCols(cols);
    const view = (slot: number): TypedArray => this.view(buffers[slot], plan.slots[slot].dtype);
    const recorder = activeRecorder();
    const times: number[] = [];
    plan.calls.forEach((call, c) => {
      const t0 = recorder ? performance.now() : 0;
      this.counters.dispatches++;
      const s = call.spec;
      const args = call.args.map((a) => buffers[a] as WasmBuffer);
      const out = buffers[call.out] as WasmBuffer;
      const expr = exprFns[c];
      const n = exprSizes[c];
      const compiled = expr && { fn: expr, n };
      if (s.type === 'elementwise' && expr) expr(out.offset, n, ...args.map((a) => a.offset));
      else if (s.type === 'matmul') this.runMatmul(s, args, out, call.args.map(view), compiled, preFns[c]);
      else if (s.type === 'conv2d' && convRunsInWasm(s, this.maxColFloats)) this.runConv(s, args, out, call.args.map(view), compiled);
      else if (s.type === 'reduce' && wasmReduce[c]) this.runReduce(s, args, out, call.args.map(view), compiled, preFns[c]);
      else if (s.type === 'pool' && floatCall[c] && poolKernelFor(s)) this.runPool(s, args, out);
      else if (s.type === 'softmax' && floatCall[c]) this.kernels.softmax(s.log)(args[0].offset, out.offset, s.rows, s.cols);
      else if (s.type === 'softmaxXent' && floatCall[c]) this.kernels.xent(s.grad, s.clip)(args[0].offset, args[1].offset, s.grad ? args[2].offset : 0, out.offset, s.rows, s.cols);
      else {
        this.fallbacks.set(s.type, (this.fallbacks.get(s.type) ?? 0) + 1);
        runKernelOnCpu(s, call.args.map(view), view(call.out));
      }
      if (recorder) times.push(performance.now() - t0);
    });
    recorder?.record({ plan, backend: 'wasm', source: 'cpu-wall', times: () => Promise.resolve(times) });
    return readback?.length ? this.readMany(readback) : null;
  }

  /** The patch-matrix scratch of convolutions (kept, grown when a plan needs more). */
  private cols = { offset: 0, bytes: 0 };

  private reserveCols(floats: number): void {
    if (floats * 4 <= this.cols.bytes) return;
    if (this.cols.bytes > 0) this.heap.release(this.cols.offset, this.cols.bytes);
    this.cols = { offset: this.heap.alloc(floats * 4), bytes: floats * 4 };
  }

  /** The compiled form of a kernel's elementwise expression, where it has one that compiles. */
  private exprFnFor(s: KernelSpec): ExprFn | null {
    if (s.type === 'elementwise') return s.outDtype === 'float32' ? this.exprs.compile(s.outShape, 0, s.inputs, s.instrs) : null;
    if ((s.type === 'matmul' || s.type === 'conv2d' || s.type === 'reduce') && s.epilogue) return this.exprs.compile(s.epilogue.shape, 1, s.epilogue.inputs, s.epilogue.instrs);
    return null;
  }

  /** A reduction's prologue, or the activation of a matmul whose kernel module has no SIMD version of it, compiled. */
  private preFnFor(s: KernelSpec): ExprFn | null {
    if (s.type === 'reduce' && s.prologue) return this.exprs.compile(s.prologue.shape, 0, s.prologue.inputs, s.prologue.instrs);
    if (s.type === 'matmul' && s.act !== 'linear' && !hasSimdActivation(this.kernels, s.act)) return this.exprs.compile([s.m * s.n], 1, [], [{ fn: s.act, args: [0], attrs: [s.alpha] }]);
    return null;
  }

  /**
   * Kernels run by the TypeScript fallback since the backend was made, by
   * kind: lets tests check that a kernel ran in WebAssembly.
   */
  readonly fallbacks = new Map<KernelSpec['type'], number>();

  /** Sum or max in WebAssembly, from the input or from the prologue's values (computed into the scratch first). */
  private runReduce(s: ReduceSpec, args: WasmBuffer[], out: WasmBuffer, views: TypedArray[], expr: CompiledExpr | null, prologue: ExprFn | null): void {
    let src = args[0].offset;
    let first = 1;
    if (s.prologue && prologue) {
      first = s.prologue.inputs.length;
      prologue(this.cols.offset, sizeOf(s.prologue.shape), ...args.slice(0, first).map((a) => a.offset));
      src = this.cols.offset;
    }
    this.kernels.reducers[s.reducer === 'max' ? 'max' : 'sum'](src, out.offset, s.outer, s.size, s.inner);
    if (s.epilogue) this.runEpilogue(s.epilogue, out, args.slice(first), views.slice(first), expr);
  }

  /** A fused epilogue on the result in place: compiled, or the TypeScript kernel. */
  private runEpilogue(ep: ElementwiseExpr, out: WasmBuffer, extra: WasmBuffer[], extraViews: TypedArray[], expr: CompiledExpr | null): void {
    if (expr) expr.fn(out.offset, expr.n, out.offset, ...extra.map((a) => a.offset));
    else applyEpilogue(ep, this.view(out, 'float32'), extraViews);
  }

  /** Pooling or a max-pool gradient that poolKernelFor gives a wasm kernel. */
  private runPool(s: PoolSpec, args: WasmBuffer[], out: WasmBuffer): void {
    const kernel = poolKernelFor(s);
    if (!kernel) return;
    this.kernels.pool[kernel](...args.map((a) => a.offset), out.offset, ...poolArgs(s.geom));
  }

  private runConv(s: ConvSpec, args: WasmBuffer[], out: WasmBuffer, views: TypedArray[], expr: CompiledExpr | null): void {
    runConvWasm(s, this.gemm, () => this.heap.f32(), args[0].offset, args[1].offset, out.offset, this.cols.offset, this.maxColFloats);
    if (s.epilogue) this.runEpilogue(s.epilogue, out, args.slice(2), views.slice(2), expr);
  }

  /**
   * The product in SIMD (packed, or in place when it is small, see
   * SMALL_MATMUL_BELOW; both operands transposed and small: TypeScript), then
   * bias, activation and epilogue in SIMD.
   */
  private runMatmul(s: MatmulSpec, args: WasmBuffer[], out: WasmBuffer, views: TypedArray[], expr: CompiledExpr | null, act: ExprFn | null): void {
    const [a, b] = [args[0].offset, args[1].offset];
    if (!runsSmall(s, this.gemm.tile.mr)) this.gemm.run({ m: s.m, n: s.n, k: s.k, transA: s.transA, transB: s.transB, a, b, out: out.offset });
    // A(i, p) at a + i strideI + p strideP: [m, k] row-major, or its transpose stored [k, m].
    else if (!s.transB) this.kernels.smallRows(a, b, out.offset, s.m, s.n, s.k, s.transA ? 4 : 4 * s.k, s.transA ? 4 * s.m : 4);
    else if (!s.transA) this.kernels.smallDots(a, b, out.offset, s.m, s.n, s.k);
    else {
      this.fallbacks.set('matmul', (this.fallbacks.get('matmul') ?? 0) + 1);
      runMatmulTs({ ...s, hasBias: false, act: 'linear' }, views[0], views[1], null, this.view(out, 'float32'));
    }
    applyBiasActivation(this.kernels, this.heap, s, s.hasBias ? args[2].offset : null, out.offset, act);
    const first = s.hasBias ? 3 : 2;
    if (s.epilogue) this.runEpilogue(s.epilogue, out, args.slice(first), views.slice(first), expr);
  }

  async sync(): Promise<void> {}

  stats(): BackendStats {
    return this.counters.stats();
  }

  /** Stops the worker threads; the memory goes with the last reference to the backend. */
  destroy(): void {
    this.pool?.stop();
  }
}
