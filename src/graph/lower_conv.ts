// Lowering of convolution and pooling nodes (conv_op.ts) to their kernels
// (conv_spec.ts): the geometry travels unchanged, the variant says which
// implicit GEMM the node is.
import type { ConvOp } from '../kernels/conv_op.js';
import type { ConvSpec, PoolSpec } from '../kernels/conv_spec.js';

export function lowerConv(op: ConvOp): ConvSpec | PoolSpec {
  const geom = { ...op.geom };
  switch (op.kind) {
    case 'conv2d': return { type: 'conv2d', variant: 'forward', geom };
    case 'conv2dInputGrad': return { type: 'conv2d', variant: 'inputGrad', geom };
    case 'conv2dFilterGrad': return { type: 'conv2d', variant: 'filterGrad', geom };
    case 'pool': return { type: 'pool', mode: op.mode, grad: false, geom };
    case 'poolGrad': return { type: 'pool', mode: op.mode, grad: true, geom };
  }
}
