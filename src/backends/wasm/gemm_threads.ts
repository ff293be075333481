// Worker threads for the wasm matmul. Each worker runs the same kernel module
// on the backend's shared memory and waits on a 64-byte control block in it;
// the main thread writes a row range's arguments there, wakes the worker,
// computes its own range, and waits for the others by polling (a browser's
// main thread may not block in Atomics.wait). Every element of C is computed
// by the same instructions on the same packed values whichever thread takes
// its row, so results are identical with any number of threads.
import { WebgradError } from '../../core/errors.js';
import { COMMAND_GEMM, COMMAND_STOP, CONTROL, GEMM_ARGS, GEMM_WORKER_SOURCE } from './gemm_worker_source.js';
import type { WasmHeap } from './wasm_heap.js';
import { isNode } from '../../core/environment.js';

/** One row range of a matmul block, as the worker source reads it (GEMM_ARGS). */
export type GemmTask = Record<(typeof GEMM_ARGS)[number], number>;

interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

interface StartedWorker {
  handle: WorkerHandle;
  /** Byte offset of its control block in the shared memory. */
  control: number;
}

/** Whether this engine can share a WebAssembly memory with workers (cross-origin isolated pages, Node). */
export function threadsAvailable(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false && (isNode() || typeof Worker === 'function');
}


/** Logical processors this engine reports (1 when it does not say). */
export async function logicalProcessors(): Promise<number> {
  if (typeof navigator !== 'undefined' && typeof navigator.hardwareConcurrency === 'number') return navigator.hardwareConcurrency;
  if (isNode()) {
    const os = (await import(/* @vite-ignore */ nodeModule('os'))) as { availableParallelism?: () => number; cpus: () => unknown[] };
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return 1;
}

/** A Node built-in's specifier, assembled so that bundlers for the browser leave it alone. */
function nodeModule(name: string): string {
  return ['node', name].join(':');
}

interface NodeWorker extends WorkerHandle {
  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): void;
  unref(): void;
}

/** A started worker, its first message, and a way to hear that it died. */
interface Spawned {
  handle: WorkerHandle;
  firstMessage: Promise<unknown>;
  onDeath(listener: (why: string) => void): void;
}

async function spawn(): Promise<Spawned> {
  if (isNode()) {
    const { Worker: NodeWorkerClass } = (await import(/* @vite-ignore */ nodeModule('worker_threads'))) as { Worker: new (src: string, opts: { eval: boolean }) => NodeWorker };
    const w = new NodeWorkerClass(GEMM_WORKER_SOURCE, { eval: true });
    // Idle workers must not keep a finished script's process alive.
    w.unref();
    const firstMessage = new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    return { handle: w, firstMessage, onDeath: (listener) => w.once('exit', (code) => listener(`a worker exited with code ${String(code)}`)) };
  }
  const url = URL.createObjectURL(new Blob([GEMM_WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  let died: (why: string) => void = () => undefined;
  const firstMessage = new Promise<unknown>((resolve, reject) => {
    w.onmessage = (e: MessageEvent) => resolve(e.data);
    w.onerror = (e: ErrorEvent) => {
      reject(new Error(e.message));
      died(`a worker failed: ${e.message}`);
    };
  });
  return { handle: w, firstMessage, onDeath: (listener) => (died = listener) };
}

/** How long the main thread waits for a worker's rows before it gives up. */
const WORKER_TIMEOUT_MS = 20_000;

export class GemmThreads {
  private seq = 0;
  /** Why a worker stopped or failed, if one did; the pool is then not used again. */
  failure: string | null = null;
  private stopped = false;

  private constructor(
    private readonly heap: WasmHeap,
    private readonly workers: StartedWorker[],
  ) {}

  /** Starts `count` workers on `module` and the heap's (shared) memory; resolves when all are ready. */
  static async start(heap: WasmHeap, module: WebAssembly.Module, count: number): Promise<GemmThreads> {
    if (!heap.shared) throw new WebgradError('wasm: worker threads need a shared WebAssembly memory.');
    const workers: StartedWorker[] = [];
    const pool = new GemmThreads(heap, workers);
    try {
      for (let i = 0; i < count; i++) {
        const control = heap.alloc(CONTROL.size * 4);
        const spawned = await spawn();
        const { handle, firstMessage } = spawned;
        workers.push({ handle, control });
        spawned.onDeath((why) => {
          if (!pool.stopped) pool.failure ??= why;
        });
        handle.postMessage({ module, memory: heap.memory, control });
        const said = await withTimeout(firstMessage, 10_000, 'a wasm worker did not start within 10 s');
        if (said !== 'ready') throw new Error(`a wasm worker said ${String(said)} instead of 'ready'`);
      }
    } catch (e) {
      for (const w of workers) w.handle.terminate();
      throw e;
    }
    return pool;
  }

  /** Whether the workers can take tasks (none has died or failed). */
  get usable(): boolean {
    return this.failure === null && !this.stopped;
  }

  /** Workers besides the calling thread. */
  get count(): number {
    return this.workers.length;
  }

  /**
   * Runs `tasks[0]` on the calling thread with `runHere` and `tasks[i]` on
   * worker i - 1, returning when all are done.
   */
  run(tasks: readonly GemmTask[], runHere: (task: GemmTask) => void): void {
    if (tasks.length - 1 > this.workers.length) throw new WebgradError(`wasm: ${tasks.length} tasks for ${this.workers.length} workers and this thread`);
    const seq = (this.seq = (this.seq + 1) | 0);
    const i32 = this.heap.i32();
    for (let t = 1; t < tasks.length; t++) {
      const base = this.workers[t - 1].control >> 2;
      GEMM_ARGS.forEach((name, j) => (i32[base + CONTROL.args + j] = tasks[t][name]));
      Atomics.store(i32, base + CONTROL.command, COMMAND_GEMM);
      Atomics.store(i32, base + CONTROL.seq, seq);
      Atomics.notify(i32, base + CONTROL.seq);
    }
    runHere(tasks[0]);
    const t0 = performance.now();
    for (let t = 1; t < tasks.length; t++) {
      const slot = (this.workers[t - 1].control >> 2) + CONTROL.done;
      // Polling: the workers' share is about as long as this thread's, so the
      // wait is short; a worker that died must not hang the page, though.
      for (let spins = 1; Atomics.load(i32, slot) !== seq; spins++) {
        if (spins % 4096 === 0 && performance.now() - t0 > WORKER_TIMEOUT_MS) {
          this.failure ??= `worker ${t} did not finish its rows within ${WORKER_TIMEOUT_MS / 1000} s`;
          throw new WebgradError(`wasm: matmul ${this.failure}; later matmuls run on one thread.`);
        }
      }
      if (Atomics.load(i32, (this.workers[t - 1].control >> 2) + CONTROL.failed) !== 0) {
        this.failure = `worker ${t} threw while computing its rows`;
        throw new WebgradError(`wasm: matmul ${this.failure}; later matmuls run on one thread.`);
      }
    }
  }

  /** Stops the workers; their control blocks are freed once they have exited. */
  stop(): void {
    this.stopped = true;
    const i32 = this.heap.i32();
    for (const w of this.workers) {
      const base = w.control >> 2;
      Atomics.store(i32, base + CONTROL.command, COMMAND_STOP);
      Atomics.add(i32, base + CONTROL.seq, 1);
      Atomics.notify(i32, base + CONTROL.seq);
      // The control block goes back to the heap only once the worker is gone:
      // woken by the notify above, it still reads its command from there, and
      // Node's terminate() finishes asynchronously (a browser's at once).
      const control = w.control;
      void Promise.resolve(w.handle.terminate()).then(() => this.heap.release(control, CONTROL.size * 4));
    }
    this.workers.length = 0;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WebgradError(`wasm: ${message}.`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
