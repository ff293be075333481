// What a plan's kernel is, in words and numbers: a name that says what was
// fused into it (`matmul+bias+relu [128x784x256]`), and the arithmetic and
// memory traffic it needs at the least, for the profiler's GFLOP/s and GB/s.
//
// Conventions (stated once, so figures compare across kernels):
// - FLOPs: a matmul is 2·M·N·K; every other elementwise step (bias add,
//   activation, each fused instruction, exp and erf included) is 1 per
//   element it produces; a reduction is 1 per element reduced; copies are 0.
//   The softmax family counts the passes it makes over its rows (see below).
// - Bytes: each distinct buffer the kernel binds is read once and its output
//   written once, in 4-byte elements: the traffic of a kernel with perfect
//   reuse. Real kernels move more (a register-blocked matmul re-reads A and B
//   from caches), so GB/s is a lower bound on what the memory system served.
import type { ElementwiseExpr, ElementwiseInstr, KernelSpec } from '../kernels/kernel_spec.js';
import type { PlanCall, PlanSlot } from '../kernels/plan.js';
import { convGemmSize } from '../kernels/conv_spec.js';

export interface KernelDescription {
  /** E.g. `matmul+bias+relu [128x784x256]`, `matmul(A^T)+mul+add [784x128x256]`. */
  name: string;
  /** The kernel family: matmul, elementwise, reduce, softmax, softmaxGrad, softmaxXent, oneHot. */
  kind: KernelSpec['type'];
  flops: number;
  bytes: number;
}

const dims = (shape: readonly number[]): string => (shape.length ? shape.join('x') : 'scalar');

/** Instruction names joined by '+', copies left out (a pure copy is called 'copy'). */
function chain(instrs: readonly ElementwiseInstr[]): string[] {
  return instrs.filter((i) => i.fn !== 'identity').map((i) => i.fn);
}

function exprFlops(expr: ElementwiseExpr | undefined): number {
  if (!expr) return 0;
  const per = chain(expr.instrs).length;
  return per * expr.shape.reduce((a, b) => a * b, 1);
}

/** Passes over each element made by the softmax family (max, subtract, exp, sum, divide...). */
const SOFTMAX_FLOPS_PER_ELEMENT = { softmax: 5, softmaxGrad: 4, softmaxXent: 6, softmaxXentGrad: 5 } as const;

export function describeKernel(spec: KernelSpec): { name: string; flops: number } {
  switch (spec.type) {
    case 'matmul': {
      const t = spec.transA && spec.transB ? '(A^T,B^T)' : spec.transA ? '(A^T)' : spec.transB ? '(B^T)' : '';
      const parts = [`matmul${t}`];
      if (spec.hasBias) parts.push('bias');
      if (spec.act !== 'linear') parts.push(spec.act);
      if (spec.epilogue) parts.push(...chain(spec.epilogue.instrs));
      const mn = spec.m * spec.n;
      const flops = 2 * mn * spec.k + (spec.hasBias ? mn : 0) + (spec.act !== 'linear' ? mn : 0) + exprFlops(spec.epilogue);
      return { name: `${parts.join('+')} [${spec.m}x${spec.k}x${spec.n}]`, flops };
    }
    case 'elementwise': {
      const fns = chain(spec.instrs);
      const size = spec.outShape.reduce((a, b) => a * b, 1);
      return { name: `${fns.length ? fns.join('+') : 'copy'} [${dims(spec.outShape)}]`, flops: fns.length * size };
    }
    case 'reduce': {
      const inShape = spec.outer === 1 && spec.inner === 1 ? [spec.size] : [spec.outer, spec.size, spec.inner].filter((d, i) => i === 1 || d > 1);
      const outShape = [spec.outer, spec.inner].filter((d) => d > 1);
      const parts = [...(spec.prologue ? chain(spec.prologue.instrs) : []), spec.reducer, ...(spec.epilogue ? chain(spec.epilogue.instrs) : [])];
      const flops = spec.outer * spec.size * spec.inner + exprFlops(spec.prologue) + exprFlops(spec.epilogue);
      return { name: `${parts.join('+')} [${dims(inShape)} -> ${dims(outShape)}]`, flops };
    }
    case 'softmax':
    case 'softmaxGrad': {
      const base = spec.log ? (spec.type === 'softmax' ? 'logSoftmax' : 'logSoftmaxGrad') : spec.type;
      return { name: `${base} [${spec.rows}x${spec.cols}]`, flops: SOFTMAX_FLOPS_PER_ELEMENT[spec.type] * spec.rows * spec.cols };
    }
    case 'softmaxXent': {
      const base = spec.grad ? 'softmaxXentGrad' : 'softmaxXent';
      return { name: `${base} [${spec.rows}x${spec.cols}]`, flops: SOFTMAX_FLOPS_PER_ELEMENT[base] * spec.rows * spec.cols };
    }
    case 'oneHot':
      return { name: `oneHot [${spec.n}x${spec.depth}]`, flops: 0 };
    case 'conv2d': {
      // An implicit GEMM: 2 M N K multiply-adds, plus its epilogue.
      const [m, n, k] = convGemmSize(spec.variant, spec.geom);
      const g = spec.geom;
      const base = spec.variant === 'forward' ? 'conv2d' : `conv2d${spec.variant === 'inputGrad' ? 'InputGrad' : 'FilterGrad'}`;
      const parts = [base, ...(spec.epilogue ? chain(spec.epilogue.instrs) : [])];
      return { name: `${parts.join('+')} [${g.batch}x${g.inH}x${g.inW}x${g.inC} * ${g.kH}x${g.kW} -> ${g.outH}x${g.outW}x${g.outC}]`, flops: 2 * m * n * k + exprFlops(spec.epilogue) };
    }
    case 'pool': {
      const g = spec.geom;
      const outputs = g.batch * g.outH * g.outW * g.outC;
      return { name: `${spec.mode}Pool${spec.grad ? 'Grad' : ''}${spec.reluGrad ? '+reluGrad' : ''} [${g.batch}x${g.inH}x${g.inW}x${g.inC} -> ${g.outH}x${g.outW}]`, flops: outputs * g.kH * g.kW };
    }
    default:
      // Shape ops (slice, pad, tile, concat, gather, where, batched matMul): named by kind; FLOPs not counted yet.
      return { name: spec.type, flops: 0 };
  }
}

/** Name, family, FLOPs and minimum bytes of one call of a plan. */
export function describeCall(call: PlanCall, slots: readonly PlanSlot[]): KernelDescription {
  const { name, flops } = describeKernel(call.spec);
  let bytes = slots[call.out].size * 4;
  for (const a of new Set(call.args)) bytes += slots[a].size * 4;
  return { name, kind: call.spec.type, flops, bytes };
}
