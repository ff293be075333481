// Kernel specs of convolution and pooling. All three convolution kernels are
// one implicit GEMM C[M, N] = A[M, K] · B[K, N] whose A and B are read from
// the NHWC tensors through the geometry (no im2col buffer):
//   forward:    M = batch*outH*outW, N = outC, K = kH*kW*inC  (A: x patches, B: filter)
//   inputGrad:  M = batch*inH*inW,   N = inC,  K = kH*kW*outC (A: dy patches, B: filter)
//   filterGrad: M = kH*kW*inC,       N = outC, K = batch*outH*outW (A: x patches, B: dy)
import type { ConvGeometry, PoolMode } from './conv_op.js';
import type { ElementwiseExpr } from './strided_input.js';

export type ConvVariant = 'forward' | 'inputGrad' | 'filterGrad';

export interface ConvSpec {
  type: 'conv2d';
  variant: ConvVariant;
  geom: ConvGeometry;
  /**
   * Applied to each result before the store (bias + activation forward, an
   * activation derivative or an update backward); its inputs follow the two
   * operands in the call's args. Flat index = NHWC index of the result.
   */
  epilogue?: ElementwiseExpr;
}

/** Pooling over windows of x (forward) or its gradient wrt x (inputs x, dy for max; dy for avg). */
export interface PoolSpec {
  type: 'pool';
  mode: PoolMode;
  grad: boolean;
  geom: ConvGeometry;
  /**
   * Max-pool gradient only: each result is then passed through the relu
   * derivative against x (`reluGrad(x, g)`: g where x > 0, else 0), x being
   * the output of the relu before the pool. Set by fusion (src/graph/fusion.ts)
   * so that the derivative costs no pass of its own over x's shape.
   */
  reluGrad?: boolean;
}

/** The GEMM sizes [M, N, K] of a convolution kernel. */
export function convGemmSize(variant: ConvVariant, g: ConvGeometry): [number, number, number] {
  const outPixels = g.batch * g.outH * g.outW;
  if (variant === 'forward') return [outPixels, g.outC, g.kH * g.kW * g.inC];
  if (variant === 'inputGrad') return [g.batch * g.inH * g.inW, g.inC, g.kH * g.kW * g.outC];
  return [g.kH * g.kW * g.inC, g.outC, outPixels];
}

/**
 * Whether no two pooling windows share an x element (undilated, kernel <=
 * stride on both axes, as the usual 2x2 pool of stride 2): the backends then
 * compute the gradient window by window.
 */
export function poolWindowsDisjoint(g: ConvGeometry): boolean {
  return g.dilH === 1 && g.dilW === 1 && g.kH <= g.strideH && g.kW <= g.strideW;
}
