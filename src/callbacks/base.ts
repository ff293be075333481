// Training callbacks (TensorFlow.js: tf.callbacks, tf.CustomCallback).
// fit() calls, in Keras order: onTrainBegin, then per epoch onEpochBegin,
// onBatchBegin/onBatchEnd per batch, onEpochEnd, and finally onTrainEnd.
// Hooks may be async; fit awaits them.
import { argError } from '../core/errors.js';

export type Logs = Record<string, number>;

/** What a callback may touch on the model. */
export interface CallbackModel {
  /** Set to true to stop fit() at the end of the current batch/epoch. */
  stopTraining: boolean;
}

export interface TrainParams {
  epochs: number;
  initialEpoch: number;
  samples: number;
  steps: number;
  batchSize: number;
  verbose: number;
  doValidation: boolean;
  metrics: string[];
}

/** Hooks an object may define (TF.js: CustomCallbackArgs). */
export interface CallbackHooks {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
  setModel?: (model: CallbackModel) => void;
  setParams?: (params: TrainParams) => void;
}

/** Base class for callbacks; subclasses override the hooks they need. */
export class Callback implements CallbackHooks {
  model: CallbackModel | null = null;
  params: TrainParams | null = null;
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: TrainParams): void {
    this.params = params;
  }
}

/** A callback from an object of hooks (TF.js: new tf.CustomCallback(args)). */
export class CustomCallback extends Callback {
  constructor(hooks: CallbackHooks) {
    super();
    if (typeof hooks !== 'object' || hooks === null) throw argError('CustomCallback', 'args', 'an object of hooks', hooks);
    for (const k of HOOKS) {
      const f = hooks[k];
      if (f !== undefined) (this as CallbackHooks)[k] = f.bind(hooks) as never;
    }
  }
}

export const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

export type CallbackArg = Callback | CallbackHooks;

/** Normalizes fit's `callbacks` option (one or a list of callbacks or hook objects). */
export function toCallbackList(op: string, cbs: unknown): CallbackHooks[] {
  if (cbs === undefined || cbs === null) return [];
  const list = Array.isArray(cbs) ? cbs : [cbs];
  return list.map((c, i) => {
    if (typeof c !== 'object' || c === null) throw argError(op, `callbacks[${i}]`, 'a callback object (with onEpochEnd etc.) or a Callback', c);
    for (const k of HOOKS) {
      const f = (c as CallbackHooks)[k];
      if (f !== undefined && typeof f !== 'function') throw argError(op, `callbacks[${i}].${k}`, 'a function', f);
    }
    return c as CallbackHooks;
  });
}

/** Runs hooks of several callbacks in order, awaiting each. */
export class CallbackList {
  constructor(readonly callbacks: CallbackHooks[]) {}
  get hasBatchHooks(): boolean {
    return this.callbacks.some((c) => c.onBatchBegin || c.onBatchEnd);
  }
  setModel(m: CallbackModel): void {
    for (const c of this.callbacks) c.setModel?.(m);
  }
  setParams(p: TrainParams): void {
    for (const c of this.callbacks) c.setParams?.(p);
  }
  async trainBegin(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) if (c.onTrainBegin) await c.onTrainBegin({ ...logs });
  }
  async trainEnd(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) if (c.onTrainEnd) await c.onTrainEnd({ ...logs });
  }
  async epochBegin(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) if (c.onEpochBegin) await c.onEpochBegin(epoch, { ...logs });
  }
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onEpochEnd) await c.onEpochEnd(epoch, { ...logs });
  }
  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onBatchBegin) await c.onBatchBegin(batch, { ...logs });
  }
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onBatchEnd) await c.onBatchEnd(batch, { ...logs });
  }
}

