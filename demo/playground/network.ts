// The playground's model: inputs (x, y) -> hidden Dense layers -> output, for
// any activation, loss and optimizer the library offers. Losses that compare
// class distributions (categorical, sparse categorical) get a two-unit softmax
// output; the others a single sigmoid unit giving P(class 1).
import * as wg from 'webgradjs';
import { OPTIMIZERS } from '../shared/optimizers.js';
import type { Point } from './datasets.js';

/** Short aliases that name the same loss as a longer name in the list. */
const LOSS_ALIASES = new Set(['mse', 'mae']);
const TWO_CLASS_LOSSES = new Set(['categoricalCrossentropy', 'sparseCategoricalCrossentropy']);

/** Every activation Dense accepts, straight from the library. */
export const ACTIVATIONS: readonly string[] = wg.layers.ACTIVATION_NAMES;
/** Every loss compile() accepts, without the aliases. */
export const LOSSES = wg.layers.LOSS_NAMES.filter((n) => !LOSS_ALIASES.has(n)) as wg.layers.LossIdentifier[];

export interface NetConfig {
  hidden: number[];
  activation: string;
  loss: wg.layers.LossIdentifier;
  optimizer: string;
  learningRate: number;
}

/** Parses "8, 8" into [8, 8]; null when it is not 0-6 layers of 1-32 units. */
export function parseHidden(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter((s) => s.length > 0);
  const units = parts.map((s) => Number(s));
  if (units.length > 6 || !units.every((u) => Number.isInteger(u) && u >= 1 && u <= 32)) return null;
  return units;
}

export class Net {
  readonly model: wg.Sequential;
  /** 1: sigmoid output P(class 1); 2: softmax over both classes. */
  readonly outputs: 1 | 2;

  constructor(readonly config: NetConfig) {
    this.outputs = TWO_CLASS_LOSSES.has(config.loss) ? 2 : 1;
    const layers: wg.Dense[] = config.hidden.map((units, i) =>
      wg.layers.dense({ units, activation: config.activation as wg.layers.ActivationIdentifier, ...(i === 0 ? { inputShape: [2] } : {}) }));
    layers.push(wg.layers.dense({
      units: this.outputs,
      activation: this.outputs === 2 ? 'softmax' : 'sigmoid',
      ...(layers.length === 0 ? { inputShape: [2] } : {}),
    }));
    this.model = wg.sequential({ layers });
    this.model.compile({ optimizer: OPTIMIZERS[config.optimizer](config.learningRate), loss: config.loss, metrics: ['accuracy'] });
  }

  /** Inputs [n, 2] for points. */
  static inputs(points: readonly Point[]): { data: Float32Array; shape: number[] } {
    const data = new Float32Array(points.length * 2);
    points.forEach((p, i) => {
      data[2 * i] = p.x;
      data[2 * i + 1] = p.y;
    });
    return { data, shape: [points.length, 2] };
  }

  /** Targets in the form the loss expects: P(class 1) [n, 1], one-hot [n, 2], or class indices [n]. */
  targets(points: readonly Point[]): { data: Float32Array | Int32Array; shape: number[] } {
    if (this.config.loss === 'sparseCategoricalCrossentropy') return { data: Int32Array.from(points, (p) => p.label), shape: [points.length] };
    if (this.outputs === 2) {
      const data = new Float32Array(points.length * 2);
      points.forEach((p, i) => { data[2 * i + p.label] = 1; });
      return { data, shape: [points.length, 2] };
    }
    return { data: Float32Array.from(points, (p) => p.label), shape: [points.length, 1] };
  }

  /** One pass over the training points; resolves to the mean training loss seen. */
  async epoch(train: readonly Point[], batchSize: number): Promise<number> {
    const h = await this.model.fit(Net.inputs(train), this.targets(train), { epochs: 1, batchSize, shuffle: true, verbose: 0 });
    return h.history.loss.at(-1) ?? NaN;
  }

  /** [loss, accuracy] over points. */
  async evaluate(points: readonly Point[]): Promise<[number, number]> {
    const out = this.model.evaluate(Net.inputs(points), this.targets(points)) as wg.Tensor[];
    try {
      const [loss, acc] = await Promise.all(out.map((t) => t.data()));
      return [loss[0], acc[0]];
    } finally {
      wg.dispose(out);
    }
  }

  /** P(class 1) at each of the given [n, 2] inputs. */
  async probabilities(inputs: { data: Float32Array; shape: number[] }): Promise<Float32Array> {
    const out = this.model.predict(inputs);
    try {
      const v = (await out.data()) as Float32Array;
      if (this.outputs === 1) return v;
      const p = new Float32Array(inputs.shape[0]);
      for (let i = 0; i < p.length; i++) p[i] = v[2 * i + 1];
      return p;
    } finally {
      out.dispose();
    }
  }

  /** Kernels [in][out] and biases per layer, for drawing. */
  async weights(): Promise<{ kernel: number[][]; bias: number[] }[]> {
    const ws = this.model.getWeights();
    try {
      const values = await Promise.all(ws.map((t) => t.data()));
      const out: { kernel: number[][]; bias: number[] }[] = [];
      for (let i = 0; i < ws.length; i += 2) {
        const [rows, cols] = ws[i].shape;
        const k = values[i];
        out.push({
          kernel: Array.from({ length: rows }, (_, r) => Array.from(k.subarray(r * cols, (r + 1) * cols))),
          bias: Array.from(values[i + 1]),
        });
      }
      return out;
    } finally {
      wg.dispose(ws);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
