// The training loop of a model: fit() over compiled steps (src/layers/model_steps.ts),
// trainOnBatch(), and the evaluation fit() runs on validation data. Holds
// what compile() settled and the model's compiled steps.
//
// fit() keeps steps in flight: it submits step k+1 before awaiting step k's
// loss (one small read-back of [loss, ...metrics] per step), unless a user
// callback has batch hooks — then each batch completes before the next
// begins, so hooks see Keras' order (begin 0, end 0, begin 1, ...).
//
// A step whose loss reads back NaN or Infinity stops fit() with the state
// from before that step; a lost GPU device makes fit() go on on the CPU from
// the last completed step. Both go through src/graph/recovery.ts.
//
// During fit: a second fit() or trainOnBatch() is refused (their steps would
// interleave); evaluate/predict run on the weights of that moment; weights
// set from a callback are computed and uploaded before the next step.
import { CallbackList, ProgressLogger, toCallbackList, type CallbackHooks, type CallbackModel, type Logs, type TrainParams } from '../callbacks/index.js';
import { WebgradError, argError, shapeString } from '../core/errors.js';
import { Random } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import { isNode } from '../core/environment.js';
import type { Variable } from '../core/variable.js';
import type { CompiledStep } from '../graph/compiled_step.js';
import { profile, type Profile } from '../graph/profile.js';
import { TrainingRecovery, type Checkpoint } from '../graph/recovery.js';
import { checkFinite, shapeX, sliceRows, targetsFor, toHost, type DataLike, type HostData } from './data.js';
import { ModelSteps, type Compiled, type StepEntry, type StepModel } from './model_steps.js';

export interface ModelFitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples before each epoch (default true). */
  shuffle?: boolean;
  /**
   * Seed for the shuffling (reproducible runs). Without one, each fit()
   * shuffles differently: even where a batch holds the same samples, their
   * rows come in another order, and on the wasm and webgpu backends (which sum
   * over the batch in float32) the weights then differ in the last bits. With
   * a seed, or shuffle: false, the same initial weights and data give the same
   * weights bit for bit, with any number of wasm threads.
   */
  seed?: number;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [xVal, yVal], evaluated at the end of each epoch (overrides validationSplit). */
  validationData?: [DataLike, DataLike];
  /** Epoch to start counting from (for resuming). */
  initialEpoch?: number;
  /** 0 = silent, 1 = progress bar per epoch (default 1 in Node, 0 in a browser). */
  verbose?: number;
  callbacks?: CallbackHooks | CallbackHooks[];
  /** Yield to the event loop at least this often, in ms (default 16), so a page stays responsive. */
  yieldEvery?: number;
  /**
   * Measure every kernel of the fit as `wg.profile` does (default false):
   * the returned history's `profile` then holds per-kernel times, FLOPs,
   * bytes, GFLOP/s and GB/s (`history.profile.table()` prints the top ones).
   * On WebGPU without `timestamp-query` this re-times each kernel on its own
   * after each step, which slows the fit down.
   */
  profile?: boolean;
}

export interface History {
  epoch: number[];
  history: Record<string, number[]>;
  params: TrainParams;
  /** With `fit(x, y, { profile: true })`: the profile of the whole fit. */
  profile?: Omit<Profile<History>, 'result'>;
}


/**
 * Steps fit() keeps in flight before it waits for the oldest one's loss:
 * readbacks take a while to come back (a round trip to the GPU process in a
 * browser), and the GPU should not idle meanwhile.
 */
const PIPELINE_DEPTH = 3;

/** Where fit() is: a resume point's position (the step after it is next). */
interface Position {
  epoch: number;
  batch: number;
  /** Size-weighted sums of [loss, ...metrics] over the epoch's steps so far, and their sample count. */
  sums: Float64Array;
  seen: number;
}

/** What the training loop needs of a model (Sequential). */
export interface TrainableModel extends StepModel, CallbackModel {
  /** Creates the weights once the input shape is known (from the first data): [null, ...sample]. */
  build(input: (number | null)[]): void;
}

/** A model's compile() result, compiled steps, and training loop. */
export class Trainer {
  compiled: Compiled | null = null;
  readonly steps: ModelSteps;
  /** True while fit() runs (one at a time). */
  private training = false;

  constructor(private readonly model: TrainableModel) {
    this.steps = new ModelSteps(model);
  }

  /** Takes what compile() settled; steps traced for an earlier compile are dropped. */
  setCompiled(c: Compiled): void {
    this.compiled = c;
    this.steps.invalidate();
  }

  requireCompiled(op: string): Compiled {
    if (!this.compiled) {
      throw new WebgradError(`${this.model.name}.${op}: the model must be compiled first; call model.compile({ optimizer, loss }) before ${op}().`);
    }
    return this.compiled;
  }

  /** Names of the logged quantities: ['loss', ...metric keys]. */
  get metricsNames(): string[] {
    return this.compiled ? ['loss', ...this.compiled.metrics.map((m) => m.key)] : [];
  }

  dispose(): void {
    this.steps.dispose();
    this.compiled?.optimizer.dispose();
  }

  private async prepareXY(op: string, x: unknown, y: unknown, c: Compiled, names = ['x', 'y']): Promise<{ x: HostData; y: HostData }> {
    const units = this.model.outputUnits;
    const xh = shapeX(op, names[0], await toHost(op, names[0], x), this.model.sampleShape);
    checkFinite(op, names[0], xh);
    if (this.model.sampleShape === null) this.model.build([null, ...xh.shape.slice(1)]);
    const yh = targetsFor(op, names[1], await toHost(op, names[1], y), c.loss.kind === 'sparse', units);
    if (xh.shape[0] !== yh.shape[0]) {
      throw new WebgradError(`${op}: arguments '${names[0]}' and '${names[1]}' must have the same number of samples, but '${names[0]}' has ${xh.shape[0]} (shape ${shapeString(xh.shape)}) and '${names[1]}' has ${yh.shape[0]} (shape ${shapeString(yh.shape)}).`);
    }
    return { x: xh, y: yh };
  }

  /** fit's training data and validation data (validationData, or the last validationSplit of the samples). */
  private async fitData(op: string, x: unknown, y: unknown, args: ModelFitArgs, c: Compiled): Promise<{ x: HostData; y: HostData; val: { x: HostData; y: HostData } | null }> {
    const { x: xh, y: yh } = await this.prepareXY(op, x, y, c);
    if (xh.shape[0] === 0) throw new WebgradError(`${op}: argument 'x' has no samples.`);
    const vs = args.validationSplit;
    if (args.validationData !== undefined) {
      const vd = args.validationData;
      if (!Array.isArray(vd) || vd.length !== 2) throw argError(op, 'validationData', '[xVal, yVal]', vd);
      return { x: xh, y: yh, val: await this.prepareXY(op, vd[0], vd[1], c, ['validationData[0]', 'validationData[1]']) };
    }
    if (vs === undefined || vs === 0) return { x: xh, y: yh, val: null };
    const n = xh.shape[0];
    const at = Math.floor(n * (1 - vs));
    if (at <= 0 || at >= n) throw new WebgradError(`${op}: validationSplit ${vs} of ${n} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples.`);
    return { x: sliceRows(xh, 0, at), y: sliceRows(yh, 0, at), val: { x: sliceRows(xh, at, n), y: sliceRows(yh, at, n) } };
  }

  /**
   * Trains for `epochs` over (x, y) in batches (TF.js: model.fit). Resolves
   * to the History of epoch logs: loss, metrics, and val_* with validation.
   */
  async fit(x: DataLike, y: DataLike, args: ModelFitArgs = {}): Promise<History> {
    const profiled = typeof args === 'object' && args !== null ? args.profile : undefined;
    if (profiled !== undefined && typeof profiled !== 'boolean') throw argError(`${this.model.name}.fit`, 'profile', 'a boolean', profiled);
    if (!profiled) return this.fitUnprofiled(x, y, args);
    const { result, ...rest } = await profile(() => this.fitUnprofiled(x, y, args));
    result.profile = rest;
    return result;
  }

  private async fitUnprofiled(x: DataLike, y: DataLike, args: ModelFitArgs): Promise<History> {
    const op = `${this.model.name}.fit`;
    const c = this.requireCompiled('fit');
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', 'an object like { epochs: 10, batchSize: 32 }', args);
    const epochs = args.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0) throw argError(op, 'epochs', 'a non-negative integer', args.epochs);
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw argError(op, 'batchSize', 'a positive integer', args.batchSize);
    const initialEpoch = args.initialEpoch ?? 0;
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw argError(op, 'initialEpoch', 'a non-negative integer', args.initialEpoch);
    const shuffle = args.shuffle ?? true;
    if (typeof shuffle !== 'boolean') throw argError(op, 'shuffle', 'a boolean', args.shuffle);
    if (args.seed !== undefined && !Number.isFinite(args.seed)) throw argError(op, 'seed', 'a number', args.seed);
    const vs = args.validationSplit;
    if (vs !== undefined && !(typeof vs === 'number' && vs >= 0 && vs < 1)) throw argError(op, 'validationSplit', 'a number in [0, 1)', vs);
    const verbose = args.verbose ?? (isNode() ? 1 : 0);
    const yieldEvery = args.yieldEvery ?? 16;
    const userCallbacks = toCallbackList(op, args.callbacks);
    if (this.training) {
      throw new WebgradError(`${op}: another fit() on this model is still running; a model trains in one fit() at a time (two would interleave their steps). Await the first fit() before starting the next.`);
    }
    // Claimed before the first await, so that a second fit() started meanwhile is refused.
    this.training = true;
    let data: { x: HostData; y: HostData; val: { x: HostData; y: HostData } | null };
    try {
      data = await this.fitData(op, x, y, args, c);
    } catch (e) {
      this.training = false;
      throw e;
    }
    const { x: xh, y: yh, val } = data;
    const n = xh.shape[0];
    const steps = Math.ceil(n / batchSize);
    const metricKeys = this.metricsNames;
    const logKeys = val ? [...metricKeys, ...metricKeys.map((k) => `val_${k}`)] : metricKeys;
    const params: TrainParams = { epochs, initialEpoch, samples: n, steps, batchSize, verbose, doValidation: val !== null, metrics: logKeys };
    const cbs = new CallbackList([...(verbose > 0 ? [new ProgressLogger()] : []), ...userCallbacks]);
    const strictOrder = new CallbackList(userCallbacks).hasBatchHooks;
    const history: History = { epoch: [], history: {}, params };
    const rng = new Random(args.seed);
    const order = new Int32Array(n).map((_, i) => i);
    // Where shuffled batches are gathered, reused from step to step.
    const scratch: { x: RowScratch; y: RowScratch } = { x: { buf: null }, y: { buf: null } };
    // Everything a step changes, in the order of the training step's variables.
    const stateVars = (): Variable[] => {
      const opt = c.optimizer;
      const params = this.model.trainableWeights;
      return [...params, ...opt.globals(), ...params.flatMap((p) => opt.slotsFor(p)), ...this.model.nonTrainableWeights];
    };
    let recovery: TrainingRecovery<Position> | null = null;

    this.model.stopTraining = false;
    try {
      recovery = new TrainingRecovery<Position>(stateVars, (reason) => `${op}: the GPU device was lost before the first training step of this fit() completed, and the weights from before it were only on the GPU; set them again (setWeights) and call fit() again. (${reason})`);
      const rec = recovery;
      cbs.setModel(this.model);
      cbs.setParams(params);
      await cbs.trainBegin();
      let lastYield = performance.now();
      for (let epoch = initialEpoch; epoch < epochs; epoch++) {
        await cbs.epochBegin(epoch);
        if (shuffle) rng.shuffle(order);
        const sums = new Float64Array(metricKeys.length);
        // Steps submitted whose loss is not read yet, each with the checkpoint taken before it.
        const inflight: { batch: number; size: number; out: Tensor; before: Checkpoint; step: CompiledStep; run: number }[] = [];
        const dropAll = (): void => {
          for (const f of inflight) {
            f.out.dispose();
            f.before.dispose();
          }
          inflight.length = 0;
        };
        let seen = 0;
        let settledSeen = 0;
        let first = true;
        const settle = async (): Promise<void> => {
          const f = inflight.shift()!;
          let vals: ArrayLike<number>;
          try {
            vals = await f.out.data();
          } catch (e) {
            f.before.dispose();
            throw e;
          } finally {
            f.out.dispose();
          }
          // Not finite: back to the weights (and optimizer state) from before this step, and stop.
          rec.checkLoss(vals[0], f.before, () => `${op}: the loss became ${vals[0]} at epoch ${epoch} batch ${f.batch} (both counted from 0); training stopped and the model keeps the weights from before that batch. Try a smaller learning rate, or check the data.`);
          const logs: Logs = { batch: f.batch, size: f.size };
          metricKeys.forEach((k, i) => {
            logs[k] = vals[i];
            sums[i] += vals[i] * f.size;
          });
          settledSeen += f.size;
          // The state after this step is where training resumes if the device is lost.
          await rec.completed(f.step, f.run, () => ({ epoch, batch: f.batch, sums: sums.slice(), seen: settledSeen }));
          await cbs.batchEnd(f.batch, logs);
        };
        /**
         * After a failed step: when the GPU device was lost (the backend has
         * switched to the CPU), the state of the resume point is back; returns
         * the batch to go on from, so no step is lost or applied twice. Any
         * other error is rethrown.
         */
        const recover = (err: unknown, step: CompiledStep | null): number => {
          const { at } = rec.resumeAfter(err, step);
          dropAll();
          const sameEpoch = at !== null && at.epoch === epoch;
          sums.set(sameEpoch ? at.sums : new Float64Array(sums.length));
          seen = settledSeen = sameEpoch ? at.seen : 0;
          first = true;
          return sameEpoch ? at.batch + 1 : 0;
        };
        try {
          let b = 0;
          while (b < steps || inflight.length) {
            if (b >= steps) {
              // Drain: read the losses still in flight.
              const head = inflight[0];
              try {
                await settle();
              } catch (e) {
                b = recover(e, head.step);
              }
              continue;
            }
            const start = b * batchSize;
            const size = Math.min(batchSize, n - start);
            await cbs.batchBegin(b, { batch: b, size });
            let entry: StepEntry;
            try {
              entry = await this.steps.train(c, size);
              // First step of the epoch, or weights set since the last step
              // (setWeights in a callback): compute and upload them first.
              if (first || stateVars().some((v) => v.value.op !== null || !v.value.storage?.buffer)) {
                await entry.step.prepareVariables();
                first = false;
              }
            } catch (e) {
              b = recover(e, null);
              continue;
            }
            const xb = gatherRows(xh, shuffle ? order : null, start, size, scratch.x);
            const yb = gatherRows(yh, shuffle ? order : null, start, size, scratch.y);
            const before = rec.beforeStep(entry.updated);
            let out: Tensor;
            try {
              [out] = entry.step.run([xb, yb], { read: true });
            } catch (e) {
              before.dispose();
              b = recover(e, entry.step);
              continue;
            }
            inflight.push({ batch: b, size, out, before, step: entry.step, run: entry.step.runs });
            seen += size;
            b++;
            try {
              while (inflight.length > (strictOrder ? 0 : PIPELINE_DEPTH)) await settle();
            } catch (e) {
              b = recover(e, entry.step);
              continue;
            }
            if (performance.now() - lastYield >= yieldEvery) {
              await new Promise((r) => setTimeout(r, 0));
              lastYield = performance.now();
            }
            if (this.model.stopTraining) {
              while (inflight.length) await settle();
              break;
            }
          }
        } finally {
          dropAll();
        }
        const logs: Logs = {};
        metricKeys.forEach((k, i) => (logs[k] = sums[i] / seen));
        if (val) {
          const v = await this.evaluateHost(val.x, val.y, batchSize);
          metricKeys.forEach((k, i) => (logs[`val_${k}`] = v[i]));
        }
        history.epoch.push(epoch);
        for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
        await cbs.epochEnd(epoch, logs);
        if (this.model.stopTraining) break;
      }
      await cbs.trainEnd();
    } finally {
      this.training = false;
      recovery?.dispose();
    }
    return history;
  }

  /** Mean loss and metrics over host data, in batches, with compiled evaluation steps. */
  private async evaluateHost(xh: HostData, yh: HostData, batchSize: number): Promise<number[]> {
    const n = xh.shape[0];
    const outs: { out: Tensor; size: number }[] = [];
    let prepared = false;
    try {
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const e = await this.steps.evaluate(this.compiled!, size);
        if (!prepared) {
          await e.step.prepareVariables();
          prepared = true;
        }
        const [out] = e.step.run([gatherRows(xh, null, start, size), gatherRows(yh, null, start, size)]);
        outs.push({ out, size });
      }
      const vals = await Promise.all(outs.map((o) => o.out.data()));
      const k = this.metricsNames.length;
      const sums = new Array<number>(k).fill(0);
      vals.forEach((v, j) => {
        for (let i = 0; i < k; i++) sums[i] += v[i] * outs[j].size;
      });
      return sums.map((s) => s / n);
    } finally {
      for (const o of outs) o.out.dispose();
    }
  }

  /** One optimizer step on one batch (TF.js: model.trainOnBatch): loss, or [loss, ...metrics]. */
  async trainOnBatch(x: DataLike, y: DataLike): Promise<number | number[]> {
    const op = `${this.model.name}.trainOnBatch`;
    const c = this.requireCompiled('trainOnBatch');
    if (this.training) throw new WebgradError(`${op}: fit() is running on this model, and a step of trainOnBatch would interleave with its steps; await fit() first (evaluate and predict are allowed during fit).`);
    const { x: xh, y: yh } = await this.prepareXY(op, x, y, c);
    const entry = await this.steps.train(c, xh.shape[0]);
    await entry.step.prepareVariables();
    const [out] = entry.step.run([xh.data, yh.data]);
    try {
      const v = Array.from(await out.data());
      return c.metrics.length ? v : v[0];
    } finally {
      out.dispose();
    }
  }
}

/** Where gatherRows puts shuffled rows, kept between calls. */
interface RowScratch {
  buf: Float32Array | Int32Array | null;
}

/**
 * Rows [start, start + size) of `h`, through the permutation `order` when
 * given, gathered into `scratch.buf` (grown to fit and then reused: fresh
 * memory is slow to fault in, and steps copy their inputs when they run).
 */
function gatherRows(h: HostData, order: Int32Array | null, start: number, size: number, scratch: RowScratch = { buf: null }): Float32Array | Int32Array {
  // One sample's values: the product of every size after the first.
  const row = h.shape.slice(1).reduce((a, d) => a * d, 1);
  const src = h.data;
  // In order: the rows themselves.
  if (!order) return src.subarray(start * row, (start + size) * row);
  const int = src instanceof Int32Array;
  if (!scratch.buf || scratch.buf.length < size * row || scratch.buf instanceof Int32Array !== int) scratch.buf = int ? new Int32Array(size * row) : new Float32Array(size * row);
  const out = scratch.buf.subarray(0, size * row);
  for (let i = 0; i < size; i++) {
    const r = order[start + i];
    if (row === 1) out[i] = src[r];
    else out.set(src.subarray(r * row, (r + 1) * row), i * row);
  }
  return out;
}
