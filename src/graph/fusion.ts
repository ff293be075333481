// Fusion pass placeholder: returns calls unchanged (the scheduler fuses here).
import type { PlanCall, PlanSlot } from './plan.js';

export function fuseCalls(calls: PlanCall[], _slots: PlanSlot[]): PlanCall[] {
  return calls;
}
