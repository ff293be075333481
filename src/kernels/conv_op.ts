// Op kinds of 2-D convolution and pooling (NHWC, as TensorFlow.js). Kept apart
// from op.ts so that file stays a short list. src/graph/lower_conv.ts lowers
// them to the kernels of conv_spec.ts, src/autodiff/conv_gradients.ts
// differentiates them.

/**
 * Where a sliding window reads: input [batch, inH, inW, inC], output
 * [batch, outH, outW, outC]; output (oy, ox) reads input rows
 * oy * strideH + ky * dilH - padTop (columns alike) for ky < kH.
 */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padTop: number;
  padLeft: number;
}

export type PoolMode = 'max' | 'avg';

export type ConvOp =
  /** y = conv(x, filter) (inputs: x, filter [kH, kW, inC, outC]). */
  | { kind: 'conv2d'; geom: ConvGeometry }
  /** Gradient wrt x, also conv2dTranspose (inputs: dy, filter); the node has x's shape. */
  | { kind: 'conv2dInputGrad'; geom: ConvGeometry }
  /** Gradient wrt the filter (inputs: x, dy); the node has the filter's shape. */
  | { kind: 'conv2dFilterGrad'; geom: ConvGeometry }
  /** Max or average over each window (inC = outC; padding never counts). */
  | { kind: 'pool'; mode: PoolMode; geom: ConvGeometry }
  /** Its gradient wrt x (inputs: x, dy for max; dy for avg). */
  | { kind: 'poolGrad'; mode: PoolMode; geom: ConvGeometry };
