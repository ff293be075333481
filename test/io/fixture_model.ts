// A small TensorFlow.js layers model written out by hand (the layout
// tfjs-layers' model.save writes): InputLayer [null, 5] → Dense 4 relu →
// Dense 3 + Activation tanh → Dense 2 softmax, with seeded weights. Every
// weight has a distinct shape and byte size, so a weight that lands in the
// wrong place cannot go unnoticed. No TF.js import: the fuzz test stays fast.
import type * as wg from '../../src/index.js';

export const WEIGHT_FILE = 'weights.bin';

export const SPECS = [
  { name: 'd0/kernel', shape: [5, 4], dtype: 'float32' },
  { name: 'd0/bias', shape: [4], dtype: 'float32' },
  { name: 'd1/kernel', shape: [4, 3], dtype: 'float32' },
  { name: 'd1/bias', shape: [3], dtype: 'float32' },
  { name: 'd2/kernel', shape: [3, 2], dtype: 'float32' },
  { name: 'd2/bias', shape: [2], dtype: 'float32' },
] as const;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The weights in manifest order, as float32 values (seeded, never zero). */
export function baseWeights(seed = 7): Float32Array[] {
  let s = seed >>> 0;
  return SPECS.map((spec) => {
    const v = new Float32Array(size(spec.shape));
    for (let i = 0; i < v.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      v[i] = (s / 2 ** 32) * 2 - 1 + (i + 1) / 64;
    }
    return v;
  });
}

/** The weight file: every weight, little-endian float32, in manifest order. */
export function weightBytes(weights: readonly Float32Array[]): Uint8Array {
  const total = weights.reduce((n, w) => n + w.length, 0);
  const out = new Uint8Array(total * 4);
  const view = new DataView(out.buffer);
  let off = 0;
  for (const w of weights) for (const x of w) {
    view.setFloat32(off, x, true);
    off += 4;
  }
  return out;
}

export function modelJSON(paths: string[] = [WEIGHT_FILE]): Record<string, any> {
  const dense = (name: string, units: number, activation: string, extra: Record<string, unknown> = {}) => ({
    class_name: 'Dense',
    config: {
      units, activation, use_bias: true, name, trainable: true, dtype: 'float32',
      kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
      ...extra,
    },
  });
  return {
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'fixture',
        layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 5], dtype: 'float32', sparse: false, name: 'input' } },
          dense('d0', 4, 'relu'),
          dense('d1', 3, 'linear'),
          { class_name: 'Activation', config: { activation: 'tanh', name: 'act', trainable: true } },
          dense('d2', 2, 'softmax'),
        ],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    convertedBy: null,
    weightsManifest: [{ paths, weights: SPECS.map((s) => ({ ...s, shape: [...s.shape] })) }],
  };
}

/** The model's weights as float32 arrays (getWeights order), and their shapes. */
export async function loadedWeights(model: wg.Sequential): Promise<{ shape: number[]; values: Float32Array }[]> {
  const out: { shape: number[]; values: Float32Array }[] = [];
  for (const t of model.getWeights()) {
    out.push({ shape: [...t.shape], values: Float32Array.from((await t.data()) as Float32Array) });
    t.dispose();
  }
  return out;
}

/** Same float32 values, bit for bit up to NaN payloads (-0 and 0 differ). */
export function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
