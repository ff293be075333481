// Plan: a graph lowered to an ordered list of kernel calls over numbered
// buffer slots, with the temporaries' buffers assigned so that a buffer whose
// last reader has run is reused by a later kernel of the same plan.
import type { DType } from '../core/dtype.js';
import type { KernelSpec } from './kernel_spec.js';

export interface PlanSlot {
  dtype: DType;
  size: number;
  bytes: number;
  kind: 'input' | 'output' | 'temp';
}

export interface PlanCall {
  spec: KernelSpec;
  /** Slots read, in the kernel's input order. */
  args: number[];
  /** Slot written. */
  out: number;
  /** Human-readable name of the op(s) this call computes, for errors and DEBUG. */
  label: string;
}

export interface Plan {
  slots: PlanSlot[];
  calls: PlanCall[];
  inputSlots: number[];
  outputSlots: number[];
  /** For each slot: index of the shared temporary buffer it uses, or -1 (inputs/outputs). */
  tempOf: number[];
  /** Size in bytes of each shared temporary buffer. */
  tempBytes: number[];
}

/** Byte size of a slot's buffer: rounded to 16 so vec4 kernels may read whole vectors. */
export function slotBytes(size: number): number {
  return Math.max(16, Math.ceil((size * 4) / 16) * 16);
}

/**
 * Assigns temporaries to shared buffers by lifetime: a temp's buffer returns
 * to a free list after its last reader, and later temps of the same size take it.
 */
export function assignTemps(slots: PlanSlot[], calls: PlanCall[]): { tempOf: number[]; tempBytes: number[] } {
  const lastUse = new Array<number>(slots.length).fill(-1);
  calls.forEach((c, i) => {
    for (const a of c.args) lastUse[a] = i;
  });
  const tempOf = new Array<number>(slots.length).fill(-1);
  const tempBytes: number[] = [];
  const free = new Map<number, number[]>();
  calls.forEach((c, i) => {
    const slot = slots[c.out];
    if (slot.kind === 'temp' && tempOf[c.out] === -1) {
      const list = free.get(slot.bytes);
      const reused = list?.pop();
      if (reused !== undefined) tempOf[c.out] = reused;
      else {
        tempOf[c.out] = tempBytes.length;
        tempBytes.push(slot.bytes);
      }
    }
    // Release after the call: a kernel never reads and writes the same buffer.
    for (const a of new Set(c.args)) {
      if (lastUse[a] === i && slots[a].kind === 'temp') {
        const bytes = slots[a].bytes;
        if (!free.has(bytes)) free.set(bytes, []);
        free.get(bytes)!.push(tempOf[a]);
      }
    }
  });
  return { tempOf, tempBytes };
}
