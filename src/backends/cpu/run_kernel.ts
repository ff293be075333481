// One kernel of a plan, run in TypeScript on views of its buffers: the CPU
// backend's whole job, and the wasm backend's way to run the kernels it has no
// WebAssembly version of.
import type { TypedArray } from '../../core/dtype.js';
import type { KernelSpec } from '../../kernels/kernel_spec.js';
import * as k from './cpu_kernels.js';
import * as layout from './cpu_layout_kernels.js';
import { runConv, runPool } from './cpu_conv_kernels.js';

/** Runs `s` reading `ins` and writing `out` (views in the slots' dtypes). */
export function runKernelOnCpu(s: KernelSpec, ins: TypedArray[], out: TypedArray): void {
  switch (s.type) {
    case 'elementwise': k.runElementwise(s, ins, out); break;
    case 'matmul': {
      k.runMatmul(s, ins[0], ins[1], s.hasBias ? ins[2] : null, out);
      if (s.epilogue) k.applyEpilogue(s.epilogue, out, ins.slice(s.hasBias ? 3 : 2));
      break;
    }
    case 'reduce': {
      const np = s.prologue ? s.prologue.inputs.length : 1;
      k.runReduce(s, s.prologue ? k.evalPrologue(s.prologue, ins.slice(0, np)) : ins[0], out);
      if (s.epilogue) k.applyEpilogue(s.epilogue, out, ins.slice(np));
      break;
    }
    case 'softmax': k.runSoftmax(s, ins[0], out); break;
    case 'softmaxGrad': k.runSoftmaxGrad(s, ins[0], ins[1], out); break;
    case 'oneHot': k.runOneHot(s, ins[0], out); break;
    case 'softmaxXent': k.runSoftmaxXent(s, ins[0], ins[1], s.grad ? ins[2] : null, out); break;
    case 'window': layout.runWindow(s, ins[0], out); break;
    case 'concat': layout.runConcat(s, ins, out); break;
    case 'gather': layout.runGather(s, ins[0], ins[1], out); break;
    case 'where': layout.runWhere(s, ins[0], ins[1], ins[2], out); break;
    case 'batchMatmul': layout.runBatchMatmul(s, ins[0], ins[1], out); break;
    case 'conv2d':
      runConv(s, ins[0], ins[1], out);
      if (s.epilogue) k.applyEpilogue(s.epilogue, out, ins.slice(2));
      break;
    case 'pool':
      runPool(s, ins, out);
      if (s.reluGrad) k.reluMask(ins[0], out);
      break;
  }
}
