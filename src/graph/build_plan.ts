// Builds a Plan from the pending graph behind some output tensors: collects
// the nodes in dependency order, gives every value a slot (reshapes share
// their input's), lowers each node to a kernel, optionally fuses, then
// assigns temporaries to shared buffers.
import type { Tensor } from '../core/tensor.js';
import { lowerNode } from './lower.js';
import { assignTemps, slotBytes, type Plan, type PlanCall, type PlanSlot } from '../kernels/plan.js';
import { fuseCalls } from './fusion.js';

export interface BuiltPlan {
  plan: Plan;
  /** Tensors whose stored data feed the plan, in inputSlots order. */
  sources: Tensor[];
  /** Slot of each requested output. */
  outputSlotOf: number[];
}

/** True for tensors the plan reads rather than computes (`extra`: ids of pending tensors computed elsewhere). */
function isSource(t: Tensor, extra?: ReadonlySet<number>): boolean {
  return t.op === null || t.op.kind === 'placeholder' || extra?.has(t.id) === true;
}

/** `sources`: ids of pending tensors to treat as inputs (their inputs are not visited). */
export function topoOrder(outputs: readonly Tensor[], sources?: ReadonlySet<number>): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  // Iterative DFS: deep graphs (long training unrolls) must not overflow the stack.
  for (const root of outputs) {
    if (seen.has(root.id)) continue;
    const stack: Array<[Tensor, number]> = [[root, 0]];
    seen.add(root.id);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [t, i] = top;
      const inputs = isSource(t, sources) ? [] : t.inputs;
      if (i < inputs.length) {
        top[1]++;
        const child = inputs[i];
        if (!seen.has(child.id)) {
          seen.add(child.id);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(t);
      }
    }
  }
  return order;
}

/**
 * `options.sources`: ids of pending tensors the plan reads as inputs, to be
 * computed before it runs (a compiled step's constants, folded while its
 * kernels compile).
 */
export function buildPlan(outputs: readonly Tensor[], options: { fuse?: boolean; sources?: ReadonlySet<number> } = {}): BuiltPlan {
  const order = topoOrder(outputs, options.sources);
  const slots: PlanSlot[] = [];
  const slotOf = new Map<number, number>();
  const sources: Tensor[] = [];
  const inputSlots: number[] = [];
  let calls: PlanCall[] = [];
  const newSlot = (t: Tensor, kind: PlanSlot['kind']): number => {
    slots.push({ dtype: t.dtype, size: t.size, bytes: slotBytes(t.size), kind });
    return slots.length - 1;
  };
  for (const t of order) {
    if (isSource(t, options.sources)) {
      const s = newSlot(t, 'input');
      slotOf.set(t.id, s);
      sources.push(t);
      inputSlots.push(s);
    } else if (t.op!.kind === 'reshape') {
      slotOf.set(t.id, slotOf.get(t.inputs[0].id)!);
    } else {
      const s = newSlot(t, 'temp');
      slotOf.set(t.id, s);
      calls.push({ spec: lowerNode(t), args: t.inputs.map((x) => slotOf.get(x.id)!), out: s, label: opLabel(t) });
    }
  }
  const outputSlotOf = outputs.map((t) => slotOf.get(t.id)!);
  const outputSlots: number[] = [];
  for (const s of outputSlotOf) {
    if (slots[s].kind === 'temp') slots[s].kind = 'output';
    if (slots[s].kind === 'output' && !outputSlots.includes(s)) outputSlots.push(s);
  }
  if (options.fuse) calls = fuseCalls(calls, slots);
  const { tempOf, tempBytes } = assignTemps(slots, calls);
  return { plan: { slots, calls, inputSlots, outputSlots, tempOf, tempBytes }, sources, outputSlotOf };
}

function opLabel(t: Tensor): string {
  const op = t.op!;
  const name = op.kind === 'elementwise' ? op.fn : op.kind === 'reduce' ? `${op.reducer}` : op.kind;
  return `${name}[${t.inputs.map((x) => x.shape.join('x') || 'scalar').join(', ')}]`;
}
