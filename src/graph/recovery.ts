// Recovery of training when a step fails. One mechanism for the two ways a
// step fails: a checkpoint of the variables the steps train, put back by
// assigning its values.
//
//  - The loss is NaN or infinite: the checkpoint taken just before that
//    step is put back (zero-copy handles on the values the step replaces; a
//    step writes fresh buffers, so the old ones stay intact), and training
//    stops naming the step. No copies, no reads; the in-flight window keeps
//    older buffers alive a little longer.
//  - The GPU device is lost (the backend layer has already switched to the
//    CPU): the newest checkpoint on the host is put back — the state after
//    the newest step whose loss was read, which compiled steps copy out in
//    their own submission where memory can be lost (compileStep's
//    keepHostCopy), or else the state from before training if that is on
//    the host — and training resumes with the step after it, so no step is
//    lost or applied twice.
//
// What a "position" in training is (epoch, batch, running sums) belongs to
// the training loop; this file keeps it opaque.
import type { Backend } from '../backends/backend.js';
import { backendHost } from '../backends/select.js';
import type { TypedArray } from '../core/dtype.js';
import { engine } from '../core/engine.js';
import { WebgradError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Variable } from '../core/variable.js';
import type { CompiledStep } from './compiled_step.js';
import { hostValuesOf } from './host_values.js';
import type { HeldSnapshot } from './snapshot_ring.js';

/** Training stopped because a step's loss was NaN or infinite (never a reason to fail over). */
export class NonFiniteLossError extends WebgradError {}

/** True when `step` can no longer run because its backend is gone or replaced. */
export function stepBackendGone(step: CompiledStep): boolean {
  const current = backendHost.current();
  return current !== step.backend || step.backend.lost === true;
}

/** The values some variables had at one moment, to put back later. */
export class Checkpoint {
  private constructor(
    readonly variables: readonly Variable[],
    private held: Tensor[] | null,
    private readonly host: readonly TypedArray[] | null,
  ) {}

  /** Zero-copy handles on the variables' current values (nothing is copied or read). */
  static hold(variables: readonly Variable[]): Checkpoint {
    return new Checkpoint(variables, variables.map((v) => {
      const h = engine.make({ kind: 'reshape' }, [v.value], v.shape, v.dtype);
      h.kept = true;
      return h;
    }), null);
  }

  /** Values already on the host (e.g. a compiled step's snapshot), in `variables` order. */
  static onHost(variables: readonly Variable[], values: readonly TypedArray[]): Checkpoint {
    return new Checkpoint(variables, null, values);
  }

  /** The values on the host, when every one of them is there (a held value may be only on a device); else null. */
  hostValues(): TypedArray[] | null {
    if (this.host) return [...this.host];
    const values = (this.held ?? []).map(hostValuesOf);
    return this.held && values.every((v) => v !== null) ? values : null;
  }

  /** Puts the values back into the variables. */
  restore(): void {
    if (this.held) {
      const held = this.held;
      this.variables.forEach((v, i) => v.assign(held[i]));
      return;
    }
    this.variables.forEach((v, i) => {
      const t = engine.fromHost(this.host![i], v.shape, v.dtype);
      v.assign(t);
      t.dispose();
    });
  }

  dispose(): void {
    for (const t of this.held ?? []) {
      t.kept = false;
      t.dispose();
    }
    this.held = null;
  }
}

/**
 * Waits for the failover to settle, then writes the step's last snapshot into
 * `variables`. Returns how many runs that snapshot includes: the caller
 * resumes with run number (returned value + 1).
 */
export async function restoreFromSnapshot(step: CompiledStep, variables: readonly Variable[]): Promise<number> {
  await step.snapshotsSettled();
  await backendHost.getBackend();
  const snap = step.lastSnapshot();
  if (!snap) throw new WebgradError('the GPU device was lost before any training step completed, and no copy of the weights exists; start training again.');
  Checkpoint.onHost(variables, snap.values).restore();
  return snap.run;
}

/**
 * The checkpoints of one training run (one fit()): one before each step in
 * flight, for the rollback, and the newest one on the host, for resuming
 * after a device loss. `P` is the training loop's position (where to resume).
 */
export class TrainingRecovery<P> {
  /** The backend training started on. */
  private readonly startedOn: Backend | null;
  /** Whether training runs where memory can be lost: then a resume point is kept. */
  private readonly resumable: boolean;
  /** The state before training (zero-copy), until the first resume point replaces it. */
  private initial: Checkpoint | null = null;
  /** The newest completed step's state, pinned in its step's snapshot memory. */
  private resumePoint: { at: P; snap: HeldSnapshot } | null = null;
  private failedOver = false;

  /**
   * `state` lists every variable training changes (parameters, optimizer
   * state, non-trainable weights), in the order the compiled steps snapshot
   * them; `lostEarly` words the error when the device is lost before any
   * state is on the host.
   */
  constructor(private readonly state: () => Variable[], private readonly lostEarly: (reason: string) => string) {
    this.startedOn = backendHost.current() ?? null;
    this.resumable = this.startedOn?.memoryCanBeLost === true;
    // Until the first step's snapshot arrives, hold the state from before
    // training: usable after a device loss if it still has a host copy
    // (fresh or set weights), at no readback cost.
    if (this.resumable) this.initial = Checkpoint.hold(state());
  }

  /** Before a step: the checkpoint of what it replaces, to roll back to if its loss is not finite. */
  beforeStep(updated: readonly Variable[]): Checkpoint {
    return Checkpoint.hold(updated);
  }

  /**
   * A step's loss was read. Not finite: puts `before` (taken before that
   * step) back and throws NonFiniteLossError with `message()`. Finite:
   * releases `before`.
   */
  checkLoss(loss: number, before: Checkpoint, message: () => string): void {
    if (!Number.isFinite(loss)) {
      before.restore();
      before.dispose();
      throw new NonFiniteLossError(message());
    }
    before.dispose();
  }

  /**
   * Run number `run` of `step` completed with a finite loss: the state after
   * it (the step's host snapshot, where it keeps one) becomes the resume
   * point, at position `at()`.
   */
  async completed(step: CompiledStep, run: number, at: () => P): Promise<void> {
    if (!this.resumable || this.failedOver) return;
    const position = at();
    const snap = await step.snapshotAt(run);
    if (!snap) return;
    if (this.failedOver) {
      snap.release();
      return;
    }
    this.resumePoint?.snap.release();
    this.resumePoint = { at: position, snap };
    this.dropInitial();
  }

  /**
   * After a step failed with `err` (`step`: the step involved, if any): when
   * the device training started on was lost (and training has not failed
   * over already), puts back the newest state on the host and returns the
   * position to resume from (null: from the state before training). Any
   * other error is rethrown.
   */
  resumeAfter(err: unknown, step: CompiledStep | null): { at: P | null } {
    const gone = this.resumable && (backendHost.current() !== this.startedOn || (step !== null && stepBackendGone(step)));
    if (err instanceof NonFiniteLossError || !gone || this.failedOver) throw err;
    this.failedOver = true;
    // Copies: the restored variables keep these arrays as their host values.
    let point: { at: P | null; values: TypedArray[] } | null = this.resumePoint && { at: this.resumePoint.at, values: this.resumePoint.snap.values.map((v) => v.slice()) };
    this.releaseResumePoint();
    if (!point) {
      const values = this.initial?.hostValues() ?? null;
      if (!values) throw new WebgradError(this.lostEarly(String((err as Error)?.message ?? err)));
      point = { at: null, values };
    }
    this.dropInitial();
    Checkpoint.onHost(this.state(), point.values).restore();
    return { at: point.at };
  }

  private dropInitial(): void {
    this.initial?.dispose();
    this.initial = null;
  }

  private releaseResumePoint(): void {
    this.resumePoint?.snap.release();
    this.resumePoint = null;
  }

  /** Releases what is still held (call when training ends, however it ends). */
  dispose(): void {
    this.dropInitial();
    this.releaseResumePoint();
  }
}
