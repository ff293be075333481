// Optimizers with TensorFlow.js' update maths, written as webgrad ops so the
// update is recorded into the compiled training step and runs on the GPU
// with the forward and backward passes (one submission per step).
//
// State lives in Variables: per-parameter slots (Adam's m and v, RMSProp's
// mean square and moment, Momentum's accumulation) and global state (Adam's
// running beta1^t and beta2^t, as TF.js keeps them). The step reads them as
// placeholders and returns their new values, so nothing is read back.
import { argError, WebgradError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { zeros, scalar } from '../ops/creation.js';
import * as ew from '../ops/elementwise.js';

export interface UpdateResult {
  params: Tensor[];
  globals: Tensor[];
  slots: Tensor[][];
}

export abstract class Optimizer {
  /** TF.js' class name ('SGD', 'Momentum', 'Adam', 'RMSProp'). */
  abstract readonly className: string;
  /** Bumped when a hyperparameter changes, so compiled steps are rebuilt. */
  version = 0;
  protected slotVars = new Map<Variable, Variable[]>();
  protected globalVars: Variable[] | null = null;

  constructor(public learningRate: number) {
    checkPositive(this.constructor.name, 'learningRate', learningRate);
  }

  /** Names of the per-parameter slots, e.g. ['m', 'v'] (TF.js: `${param}/m`). */
  protected abstract slotNames(): string[];
  /** Initial values of the global state (scalars). */
  protected globalInit(): { name: string; value: number }[] {
    return [];
  }
  abstract getConfig(): Record<string, number | boolean>;

  /**
   * Records the update of `params` (current values) given their gradients,
   * the global state and each parameter's slots. Pure graph building.
   */
  abstract applyUpdates(params: Tensor[], grads: Tensor[], globals: Tensor[], slots: Tensor[][]): UpdateResult;

  setLearningRate(lr: number): void {
    checkPositive(this.constructor.name, 'learningRate', lr);
    this.learningRate = lr;
    this.version++;
  }

  /** The global state variables (created on first use). */
  globals(): Variable[] {
    if (!this.globalVars) {
      this.globalVars = this.globalInit().map((g) => {
        // The variable takes its own handle on the value; ours must go, or
        // the scalar outlives the optimizer.
        const init = scalar(g.value);
        const v = new Variable(init, `${this.className}/${g.name}`, false);
        init.dispose();
        return v;
      });
    }
    return this.globalVars;
  }

  /** The slot variables of `param` (zeros, created on first use). */
  slotsFor(param: Variable): Variable[] {
    let s = this.slotVars.get(param);
    if (!s) {
      s = this.slotNames().map((n) => {
        const z = zeros(param.shape);
        const v = new Variable(z, `${param.name}/${n}`, false);
        z.dispose();
        return v;
      });
      this.slotVars.set(param, s);
    }
    return s;
  }

  /** Every state variable, in TF.js' getWeights order-ish: globals, then each param's slots. */
  getWeights(): Variable[] {
    return [...this.globals(), ...[...this.slotVars.values()].flat()];
  }

  dispose(): void {
    for (const v of this.getWeights()) v.dispose();
    this.slotVars.clear();
    this.globalVars = null;
  }
}

function checkPositive(op: string, arg: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw argError(op, arg, 'a non-negative finite number', v);
}

function checkRange(op: string, arg: string, v: unknown, lo: number, hi: number): void {
  if (typeof v !== 'number' || !(v >= lo && v < hi)) throw argError(op, arg, `a number in [${lo}, ${hi})`, v);
}

/** Adam's and RMSProp's default epsilon, as in TF.js and Keras. */
const DEFAULT_EPSILON = 1e-7;

/** Plain SGD: p <- p - lr * g (TF.js: tf.train.sgd). */
export class SGDOptimizer extends Optimizer {
  readonly className = 'SGD';
  protected slotNames(): string[] {
    return [];
  }
  getConfig(): Record<string, number> {
    return { learningRate: this.learningRate };
  }
  applyUpdates(params: Tensor[], grads: Tensor[]): UpdateResult {
    const c = -this.learningRate;
    return { params: params.map((p, i) => ew.add(ew.mul(grads[i], c), p)), globals: [], slots: params.map(() => []) };
  }
}

/**
 * Momentum (TF.js: tf.train.momentum): a <- m a + g; p <- p - lr a, or with
 * Nesterov p <- p - lr (g + m a).
 */
export class MomentumOptimizer extends Optimizer {
  readonly className = 'Momentum';
  constructor(learningRate: number, public momentum: number, public useNesterov = false) {
    super(learningRate);
    checkPositive('momentum', 'momentum', momentum);
  }
  protected slotNames(): string[] {
    return ['momentum'];
  }
  getConfig(): Record<string, number | boolean> {
    return { learningRate: this.learningRate, momentum: this.momentum, useNesterov: this.useNesterov };
  }
  applyUpdates(params: Tensor[], grads: Tensor[], _globals: Tensor[], slots: Tensor[][]): UpdateResult {
    const c = -this.learningRate;
    const newSlots: Tensor[][] = [];
    const newParams = params.map((p, i) => {
      const acc = ew.add(ew.mul(slots[i][0], this.momentum), grads[i]);
      newSlots.push([acc]);
      const step = this.useNesterov ? ew.add(grads[i], ew.mul(acc, this.momentum)) : acc;
      return ew.add(ew.mul(step, c), p);
    });
    return { params: newParams, globals: [], slots: newSlots };
  }
}

/**
 * Adam (TF.js: tf.train.adam), with TF.js' bias correction: running products
 * accBeta1 = beta1^t and accBeta2 = beta2^t (state), m and v slots;
 * p <- p - lr * (m / (1 - accBeta1)) / (sqrt(v / (1 - accBeta2)) + epsilon).
 */
export class AdamOptimizer extends Optimizer {
  readonly className = 'Adam';
  constructor(learningRate = 0.001, public beta1 = 0.9, public beta2 = 0.999, public epsilon = DEFAULT_EPSILON) {
    super(learningRate);
    checkRange('adam', 'beta1', beta1, 0, 1);
    checkRange('adam', 'beta2', beta2, 0, 1);
    checkPositive('adam', 'epsilon', epsilon);
  }
  protected slotNames(): string[] {
    return ['m', 'v'];
  }
  protected override globalInit(): { name: string; value: number }[] {
    return [{ name: 'accBeta1', value: this.beta1 }, { name: 'accBeta2', value: this.beta2 }];
  }
  getConfig(): Record<string, number> {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
  applyUpdates(params: Tensor[], grads: Tensor[], [accBeta1, accBeta2]: Tensor[], slots: Tensor[][]): UpdateResult {
    const oneMinusAccBeta1 = ew.sub(1, accBeta1);
    const oneMinusAccBeta2 = ew.sub(1, accBeta2);
    const newSlots: Tensor[][] = [];
    const newParams = params.map((p, i) => {
      const g = grads[i];
      const [m, v] = slots[i];
      const m1 = ew.add(ew.mul(m, this.beta1), ew.mul(g, 1 - this.beta1));
      const v1 = ew.add(ew.mul(v, this.beta2), ew.mul(ew.square(g), 1 - this.beta2));
      newSlots.push([m1, v1]);
      const mHat = ew.div(m1, oneMinusAccBeta1);
      const vHat = ew.div(v1, oneMinusAccBeta2);
      return ew.add(ew.mul(ew.div(mHat, ew.add(ew.sqrt(vHat), this.epsilon)), -this.learningRate), p);
    });
    return { params: newParams, globals: [ew.mul(accBeta1, this.beta1), ew.mul(accBeta2, this.beta2)], slots: newSlots };
  }
}

/**
 * RMSProp (TF.js: tf.train.rmsprop, uncentered): ms <- decay ms + (1 - decay) g^2;
 * mom <- momentum mom + lr g / sqrt(ms + epsilon); p <- p - mom.
 */
export class RMSPropOptimizer extends Optimizer {
  readonly className = 'RMSProp';
  constructor(learningRate: number, public decay = 0.9, public momentum = 0, public epsilon = DEFAULT_EPSILON) {
    super(learningRate);
    checkRange('rmsprop', 'decay', decay, 0, 1);
    checkPositive('rmsprop', 'momentum', momentum);
    checkPositive('rmsprop', 'epsilon', epsilon);
  }
  protected slotNames(): string[] {
    return ['rms', 'momentum'];
  }
  getConfig(): Record<string, number | boolean> {
    return { learningRate: this.learningRate, decay: this.decay, momentum: this.momentum, epsilon: this.epsilon, centered: false };
  }
  applyUpdates(params: Tensor[], grads: Tensor[], _globals: Tensor[], slots: Tensor[][]): UpdateResult {
    const newSlots: Tensor[][] = [];
    const newParams = params.map((p, i) => {
      const g = grads[i];
      const [ms, mom] = slots[i];
      const ms1 = ew.add(ew.mul(ms, this.decay), ew.mul(ew.square(g), 1 - this.decay));
      const mom1 = ew.add(ew.mul(mom, this.momentum), ew.div(ew.mul(g, this.learningRate), ew.sqrt(ew.add(ms1, this.epsilon))));
      newSlots.push([ms1, mom1]);
      return ew.sub(p, mom1);
    });
    return { params: newParams, globals: [], slots: newSlots };
  }
}

// Factories with TF.js' signatures (tf.train.*); the defaults are the constructors'.
export const sgd = (learningRate: number): SGDOptimizer => new SGDOptimizer(learningRate);
export const momentum = (learningRate: number, momentum: number, useNesterov = false): MomentumOptimizer =>
  new MomentumOptimizer(learningRate, momentum, useNesterov);
export const adam = (learningRate?: number, beta1?: number, beta2?: number, epsilon?: number): AdamOptimizer =>
  new AdamOptimizer(learningRate, beta1, beta2, epsilon);
export const rmsprop = (learningRate: number, decay?: number, momentum?: number, epsilon?: number): RMSPropOptimizer =>
  new RMSPropOptimizer(learningRate, decay, momentum, epsilon);

/** The optimizer names model.compile() accepts; a typo fails to compile. */
export type OptimizerIdentifier = 'sgd' | 'adam' | 'rmsprop';

const BY_NAME: Record<OptimizerIdentifier, () => Optimizer> = {
  sgd: () => sgd(0.01),
  adam: () => adam(),
  rmsprop: () => rmsprop(0.001),
};
export const OPTIMIZER_NAMES: string[] = Object.keys(BY_NAME);

/** An Optimizer, or one of the names 'sgd' (lr 0.01), 'adam' (0.001), 'rmsprop' (0.001). */
export function getOptimizer(op: string, id: unknown): Optimizer {
  if (id instanceof Optimizer) return id;
  if (typeof id === 'string' && Object.prototype.hasOwnProperty.call(BY_NAME, id)) return BY_NAME[id as OptimizerIdentifier]();
  if (typeof id === 'string') {
    throw new WebgradError(`${op}: unknown optimizer ${JSON.stringify(id)}; valid names are ${OPTIMIZER_NAMES.map((n) => `'${n}'`).join(', ')} (or an optimizer from webgrad.train).`);
  }
  throw argError(op, 'optimizer', `an optimizer name (${OPTIMIZER_NAMES.join(', ')}) or an Optimizer from webgrad.train`, id);
}
