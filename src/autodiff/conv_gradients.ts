// Gradient rules of convolution and pooling (src/kernels/conv_op.ts), spread
// into the gradient table of gradients.ts. The three convolution kernels are
// one bilinear map seen from each side, so each one's gradients are the
// other two: <conv(x, W), dy> = <x, inputGrad(dy, W)> = <W, filterGrad(x, dy)>.
import { WebgradError } from '../core/errors.js';
import { engine } from '../core/engine.js';
import type { Tensor } from '../core/tensor.js';
import type { ConvGeometry, ConvOp } from '../kernels/conv_op.js';

type Grads = (Tensor | null)[];
type Rule<K extends ConvOp['kind']> = (op: Extract<ConvOp, { kind: K }>, inputs: Tensor[], y: Tensor, dy: Tensor) => Grads;

const xShape = (g: ConvGeometry): number[] => [g.batch, g.inH, g.inW, g.inC];
const yShape = (g: ConvGeometry): number[] => [g.batch, g.outH, g.outW, g.outC];
const wShape = (g: ConvGeometry): number[] => [g.kH, g.kW, g.inC, g.outC];

const forward = (geom: ConvGeometry, x: Tensor, w: Tensor): Tensor => engine.make({ kind: 'conv2d', geom }, [x, w], yShape(geom), 'float32');
const inputGrad = (geom: ConvGeometry, dy: Tensor, w: Tensor): Tensor => engine.make({ kind: 'conv2dInputGrad', geom }, [dy, w], xShape(geom), 'float32');
const filterGrad = (geom: ConvGeometry, x: Tensor, dy: Tensor): Tensor => engine.make({ kind: 'conv2dFilterGrad', geom }, [x, dy], wShape(geom), 'float32');

export const CONV_GRADS: { [K in ConvOp['kind']]: Rule<K> } = {
  conv2d: ({ geom }, [x, w], _y, dy) => [inputGrad(geom, dy, w), filterGrad(geom, x, dy)],
  // inputGrad(dy, W): its upstream gradient g has x's shape.
  conv2dInputGrad: ({ geom }, [dyIn, w], _y, g) => [forward(geom, g, w), filterGrad(geom, g, dyIn)],
  // filterGrad(x, dy): its upstream gradient g has the filter's shape.
  conv2dFilterGrad: ({ geom }, [x, dyIn], _y, g) => [inputGrad(geom, dyIn, g), forward(geom, x, g)],
  pool: ({ mode, geom }, [x], _y, dy) => [
    engine.make({ kind: 'poolGrad', mode, geom }, mode === 'max' ? [x, dy] : [dy], xShape(geom), 'float32'),
  ],
  poolGrad: ({ mode, geom }, _inputs, _y, g) => {
    // The average's gradient is linear in dy, and its transpose is the average itself.
    if (mode === 'avg') return [engine.make({ kind: 'pool', mode, geom }, [g], yShape(geom), 'float32')];
    throw new WebgradError('grad: the max-pool gradient has no gradient (second-order gradients are not supported).');
  },
};
