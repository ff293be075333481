// The source of a matmul worker thread, as text: a worker is started from a
// string (a Blob URL in browsers, `eval: true` in Node's worker_threads), so
// the library needs no separate worker file that bundlers would have to find.
// It is plain JavaScript that runs in both: it instantiates the kernel module
// on the shared memory it is sent, says 'ready', then waits on its control
// block for row ranges of the matmul to compute.

/** Int32 slots of a worker's control block (in the shared memory). */
export const CONTROL = {
  /** Incremented by the main thread to start a task. */
  seq: 0,
  /** 1: a matmul task; 2: stop. */
  command: 1,
  /** The task's arguments, GEMM_ARGS in order. */
  args: 2,
  /** Set to `seq` by the worker when the task is done. */
  done: 14,
  /** Set to 1 by the worker when its task threw (a trap); the main thread then reports it. */
  failed: 15,
  /** Slots in a block (64 bytes). */
  size: 16,
} as const;

export const COMMAND_GEMM = 1;
export const COMMAND_STOP = 2;

/**
 * A task's arguments: the packed A panels of its rows, the packed B block,
 * its first element of C, its row count, the block's columns and depth, C's
 * row pitch in bytes, whether to add to C, its own tile scratch, the rows
 * per kernel call (the A block that stays in cache), and B's panel and row
 * pitches in bytes.
 */
export const GEMM_ARGS = ['a', 'b', 'c', 'rows', 'nc', 'kc', 'ldcBytes', 'accumulate', 'scratch', 'mcBlock', 'bPanelBytes', 'bRowBytes'] as const;

export const GEMM_WORKER_SOURCE = `'use strict';
const inNode = typeof self === 'undefined';
const port = inNode ? require('node:worker_threads').parentPort : self;
function start(msg) {
  const gemm = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } }).exports.gemm;
  const ctl = new Int32Array(msg.memory.buffer, msg.control, ${CONTROL.size});
  // Read before saying 'ready': the main thread starts the first task (seq + 1)
  // as soon as it hears it, and a worker that read seq after that would wait
  // for a change that had already happened (seen under load: a 20 s timeout).
  let seen = Atomics.load(ctl, ${CONTROL.seq});
  port.postMessage('ready');
  for (;;) {
    Atomics.wait(ctl, ${CONTROL.seq}, seen);
    seen = Atomics.load(ctl, ${CONTROL.seq});
    if (Atomics.load(ctl, ${CONTROL.command}) === ${COMMAND_STOP}) return;
    const g = ${CONTROL.args};
    const a = ctl[g], b = ctl[g + 1], c = ctl[g + 2], rows = ctl[g + 3], nc = ctl[g + 4], kc = ctl[g + 5];
    const ldc = ctl[g + 6], accumulate = ctl[g + 7], scratch = ctl[g + 8], mcBlock = ctl[g + 9], bPanel = ctl[g + 10], bRow = ctl[g + 11];
    try {
      for (let r = 0; r < rows; r += mcBlock) gemm(a + r * kc * 4, b, c + r * ldc, Math.min(mcBlock, rows - r), nc, kc, ldc, accumulate, scratch, bPanel, bRow);
    } catch (e) {
      Atomics.store(ctl, ${CONTROL.failed}, 1);
    }
    Atomics.store(ctl, ${CONTROL.done}, seen);
    Atomics.notify(ctl, ${CONTROL.done});
  }
}
if (inNode) port.once('message', start);
else self.onmessage = (e) => { self.onmessage = null; start(e.data); };
`;
