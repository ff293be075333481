// Caches plans for repeated eager computations (e.g. predict() on batches of
// one shape): the pending graph is summarised as a structural key (ops,
// attributes, shapes, dtypes and wiring, not data), and a hit reuses the
// lowered, fused and prepared plan, so only buffers are bound anew.
import type { Backend, PreparedPlan } from '../backends/backend.js';
import type { Tensor } from '../core/tensor.js';
import { buildPlan, topoOrder, type BuiltPlan } from './build_plan.js';
import type { Plan } from '../kernels/plan.js';

export interface CachedPlan {
  built: BuiltPlan;
  prepared: PreparedPlan;
}

const MAX_ENTRIES = 64;

/** JSON keeps numbers JSON cannot tell apart (NaN, +-Infinity are all null; -0 is 0) distinct in keys. */
function exactNumbers(_key: string, v: unknown): unknown {
  return typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `#${String(Object.is(v, -0) ? '-0' : v)}` : v;
}

/** Structural key of the graph behind `outputs`, and its source tensors in plan order. */
export function graphKey(outputs: readonly Tensor[]): { key: string; sources: Tensor[] } {
  const order = topoOrder(outputs);
  const index = new Map<number, number>();
  const sources: Tensor[] = [];
  const parts: string[] = [];
  order.forEach((t, i) => {
    index.set(t.id, i);
    const isSource = t.op === null || t.op.kind === 'placeholder';
    if (isSource) sources.push(t);
    const op = isSource ? 'S' : JSON.stringify(t.op, exactNumbers);
    parts.push(`${op}:${t.shape.join('x')}:${t.dtype}:${isSource ? '' : t.inputs.map((x) => index.get(x.id)).join(',')}`);
  });
  parts.push(`->${outputs.map((t) => index.get(t.id)).join(',')}`);
  return { key: parts.join(';'), sources };
}

export class PlanCache {
  private entries = new Map<string, CachedPlan>();
  constructor(private backend: Backend) {}

  async get(key: string, outputs: readonly Tensor[], fuse: boolean): Promise<CachedPlan> {
    const hit = this.lookup(`${fuse}|${key}`);
    if (hit) return hit;
    const built = buildPlan(outputs, { fuse });
    return this.insert(`${fuse}|${key}`, { built, prepared: await this.backend.prepare(built.plan) });
  }

  /** get() for a backend that prepares synchronously (dataSync on the CPU). */
  getSync(key: string, outputs: readonly Tensor[], fuse: boolean, prepare: (plan: Plan) => PreparedPlan): CachedPlan {
    const hit = this.lookup(`${fuse}|${key}`);
    if (hit) return hit;
    const built = buildPlan(outputs, { fuse });
    return this.insert(`${fuse}|${key}`, { built, prepared: prepare(built.plan) });
  }

  private lookup(k: string): CachedPlan | undefined {
    const hit = this.entries.get(k);
    if (hit) {
      // Refresh recency.
      this.entries.delete(k);
      this.entries.set(k, hit);
    }
    return hit;
  }

  private insert(k: string, entry: CachedPlan): CachedPlan {
    this.entries.set(k, entry);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.get(oldest)!.prepared.dispose();
      this.entries.delete(oldest);
    }
    return entry;
  }
}
