// Early stopping (TF.js: tf.callbacks.earlyStopping).
import { argError, WebgradError } from '../core/errors.js';
import { Callback, type Logs } from './base.js';

export interface EarlyStoppingArgs {
  /** Quantity to watch (default 'val_loss'). */
  monitor?: string;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 'min', 'max', or 'auto' (default: 'max' when the name contains 'acc', else 'min'). */
  mode?: 'auto' | 'min' | 'max';
  /** Value the monitored quantity must beat; training stops if it does not. */
  baseline?: number;
  verbose?: number;
}

/**
 * Stops training when the monitored quantity has not improved by more than
 * minDelta for `patience` epochs (TF.js: tf.callbacks.earlyStopping).
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline?: number;
  readonly verbose: number;
  wait = 0;
  best = Infinity;
  stoppedEpoch = 0;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    if (typeof args !== 'object' || args === null) throw argError('earlyStopping', 'args', 'an object', args);
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw argError('earlyStopping', 'monitor', 'a log name like "val_loss"', args.monitor);
    if (args.minDelta !== undefined && (typeof args.minDelta !== 'number' || !Number.isFinite(args.minDelta))) throw argError('earlyStopping', 'minDelta', 'a finite number', args.minDelta);
    this.minDelta = Math.abs(args.minDelta ?? 0);
    if (args.patience !== undefined && (!Number.isInteger(args.patience) || args.patience < 0)) throw argError('earlyStopping', 'patience', 'a non-negative integer', args.patience);
    this.patience = args.patience ?? 0;
    const mode = args.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode)) throw argError('earlyStopping', 'mode', "'auto', 'min' or 'max'", mode);
    this.mode = mode === 'auto' ? (this.monitor.includes('acc') ? 'max' : 'min') : mode;
    this.baseline = args.baseline;
    this.verbose = args.verbose ?? 0;
  }

  private improved(current: number): boolean {
    return this.mode === 'min' ? current + this.minDelta < this.best : current - this.minDelta > this.best;
  }

  onTrainBegin(): void {
    const keys = this.params?.metrics;
    if (keys && !keys.includes(this.monitor)) {
      throw new WebgradError(`earlyStopping: the monitored quantity '${this.monitor}' will not be logged; fit logs ${keys.join(', ')}${this.monitor.startsWith('val_') ? ' (pass validationData or validationSplit to fit for val_ values)' : ''}.`);
    }
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.baseline ?? (this.mode === 'min' ? Infinity : -Infinity);
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      throw new WebgradError(`earlyStopping: the monitored quantity '${this.monitor}' is not in the logs; available: ${Object.keys(logs).join(', ') || '(none)'}${this.monitor.startsWith('val_') ? ' (pass validationData or validationSplit to fit)' : ''}.`);
    }
    if (this.improved(current)) {
      this.best = current;
      this.wait = 0;
    } else {
      this.wait++;
      if (this.wait >= this.patience) {
        this.stoppedEpoch = epoch;
        if (this.model) this.model.stopTraining = true;
      }
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose) console.log(`Epoch ${this.stoppedEpoch}: early stopping.`);
  }
}

/** webgrad.callbacks.earlyStopping(args) (TF.js: tf.callbacks.earlyStopping). */
export function earlyStopping(args: EarlyStoppingArgs = {}): EarlyStopping {
  return new EarlyStopping(args);
}

