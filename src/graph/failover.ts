// Resuming training after the GPU device is lost: the backend layer has
// already switched to the CPU; this restores the variables a compiled step
// trains from its last host snapshot, so the caller can replay the runs that
// came after it, and no run is lost or applied twice.
import type { Backend } from '../backends/backend.js';
import { engine } from '../core/engine.js';
import { WebgradError } from '../core/errors.js';
import type { Variable } from '../core/variable.js';
import type { CompiledStep } from './compiled_step.js';

/** True when `step` can no longer run because its backend is gone or replaced. */
export function stepBackendGone(step: CompiledStep): boolean {
  const current = engine.host?.current();
  return current !== step.backend || (step.backend as Backend & { lost?: boolean }).lost === true;
}

/**
 * Waits for the failover to settle, then writes the step's last snapshot into
 * `variables`. Returns how many runs that snapshot includes: the caller
 * resumes with run number (returned value + 1).
 */
export async function restoreFromSnapshot(step: CompiledStep, variables: readonly Variable[]): Promise<number> {
  await step.snapshotsSettled();
  await engine.host!.getBackend();
  const snap = step.lastSnapshot();
  if (!snap) throw new WebgradError('the GPU device was lost before any training step completed, and no copy of the weights exists; start training again.');
  snap.values.forEach((values, i) => {
    const v = variables[i];
    v.assign(engine.fromHost(values, v.shape, v.dtype));
  });
  return snap.run;
}
