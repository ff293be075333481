// The primitive ops a graph node can hold. Everything the library offers
// (activations, losses, optimizers) is composed from these.
import type { ElementwiseFn } from './elementwise_table.js';
import type { Reducer } from './kernel_spec.js';
import type { ConvOp } from './conv_op.js';
import type { LayoutOp } from './layout_op.js';

export type Op =
  /** Elementwise function of 1-2 inputs broadcast to the node's shape (also broadcastTo and cast). */
  | { kind: 'elementwise'; fn: ElementwiseFn; attrs: number[] }
  | { kind: 'transpose'; perm: number[] }
  /** Same data, new shape: never copies. */
  | { kind: 'reshape' }
  | { kind: 'matmul'; transA: boolean; transB: boolean }
  /** Reduces a contiguous run of axes [first, last] of the input. */
  | { kind: 'reduce'; reducer: Reducer; first: number; last: number }
  | { kind: 'softmax'; log: boolean }
  | { kind: 'softmaxGrad'; log: boolean }
  | { kind: 'oneHot'; depth: number }
  /** Per-row cross-entropy of softmax(logits) against labels (inputs: logits, labels). */
  | { kind: 'softmaxXent'; clip: boolean }
  /** Its gradient wrt the logits: (softmax(logits) - labels) * dy[row] (inputs: logits, labels, dy). */
  | { kind: 'softmaxXentGrad' }
  /** An input of a compiled step, bound to new data on every run. */
  | { kind: 'placeholder'; index: number }
  /** Batched matMul, slice, pad, tile, concat, gather, where (layout_op.ts). */
  | LayoutOp
  /** conv2d, its gradients, max / average pooling (conv_op.ts). */
  | ConvOp;

export type OpKind = Op['kind'];

// Core's tensors hold an op without importing this file (core sits below the
// IR): this makes `Tensor.op` this union (see OpRegistry in core/tensor.ts).
declare module '../core/tensor.js' {
  interface OpRegistry {
    op: Op;
  }
}
