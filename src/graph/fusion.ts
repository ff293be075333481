// Fusion: rewrites a plan's call list so fewer kernels run.
//  1. matmul epilogues: a bias add over rows and then an activation, each
//     consumed only by the next, fold into the matmul kernel.
//  2. elementwise chains: an elementwise call whose result is read, with the
//     same shape, by exactly one other elementwise call is inlined into it,
//     so a chain of any length becomes one kernel.
// Only temporaries are fused away; a value the caller asked for stays.
import { stridesOf } from '../core/shape.js';
import type { ElementwiseSpec, ElementwiseInstr, MatmulSpec } from '../kernels/kernel_spec.js';
import { ACTIVATION_CODES, isSmallMatmul, type ActivationName } from '../kernels/kernel_spec.js';
import type { PlanCall, PlanSlot } from './plan.js';

/** Elementwise functions the matmul epilogue can apply. */
const EPILOGUE_ACTS = new Set<string>(Object.keys(ACTIVATION_CODES));

function consumers(calls: PlanCall[]): Map<number, number> {
  const count = new Map<number, number>();
  for (const c of calls) for (const a of c.args) count.set(a, (count.get(a) ?? 0) + 1);
  return count;
}

function readsContiguously(spec: ElementwiseSpec, inputIndex: number): boolean {
  const out = stridesOf(spec.outShape);
  return spec.inputs[inputIndex].strides.every((s, d) => s === out[d] || spec.outShape[d] === 1);
}

/** Fuses `add(matmul, bias)` and then an activation into the matmul. */
function fuseEpilogues(calls: PlanCall[], slots: PlanSlot[]): PlanCall[] {
  let changed = true;
  while (changed) {
    changed = false;
    const uses = consumers(calls);
    const producer = new Map<number, number>();
    calls.forEach((c, i) => producer.set(c.out, i));
    for (let i = 0; i < calls.length && !changed; i++) {
      const e = calls[i];
      if (e.spec.type !== 'elementwise' || e.spec.instrs.length !== 1) continue;
      const ins = e.spec.instrs[0];
      for (let j = 0; j < e.args.length; j++) {
        const src = e.args[j];
        const pi = producer.get(src);
        if (pi === undefined || slots[src].kind !== 'temp' || uses.get(src) !== 1) continue;
        const m = calls[pi];
        if (m.spec.type !== 'matmul' || !readsContiguously(e.spec, j)) continue;
        const ms: MatmulSpec = m.spec;
        let fused: PlanCall | null = null;
        if (ins.fn === 'add' && !ms.hasBias && ms.act === 'linear' && e.args.length === 2) {
          // The other operand must be a length-n row vector broadcast over rows.
          const o = 1 - j;
          const st = e.spec.inputs[o].strides;
          const isRowBias = slots[e.args[o]].size === ms.n && st[0] === 0 && (ms.n === 1 || st[1] === 1);
          if (isRowBias && e.spec.outShape.length === 2) {
            fused = { spec: { ...ms, hasBias: true }, args: [...m.args, e.args[o]], out: e.out, label: `${m.label}+bias` };
          }
        } else if (EPILOGUE_ACTS.has(ins.fn) && e.args.length === 1 && ms.act === 'linear') {
          fused = { spec: { ...ms, act: ins.fn as ActivationName, alpha: ins.attrs[0] ?? 0 }, args: m.args, out: e.out, label: `${m.label}+${ins.fn}` };
        }
        if (fused) {
          // Take the consumer's place: the bias may be computed after the matmul.
          calls = calls.map((x, k) => (k === i ? fused : x)).filter((_, k) => k !== pi);
          changed = true;
          break;
        }
      }
    }
  }
  return calls;
}

/** Inlines producer `p` (read contiguously as input `j` of consumer `c`) into `c`. */
function inline(c: PlanCall & { spec: ElementwiseSpec }, j: number, p: PlanCall & { spec: ElementwiseSpec }): PlanCall {
  const cs = c.spec;
  const ps = p.spec;
  const args: number[] = [];
  const inputs: ElementwiseSpec['inputs'] = [];
  const addInput = (slot: number, input: ElementwiseSpec['inputs'][number]): number => {
    const key = `${slot}:${input.strides.join(',')}`;
    const k = args.findIndex((a, n) => `${a}:${inputs[n].strides.join(',')}` === key);
    if (k >= 0) return k;
    args.push(slot);
    inputs.push(input);
    return args.length - 1;
  };
  const pInputMap = p.args.map((a, k) => addInput(a, ps.inputs[k]));
  const cInputMap = c.args.map((a, k) => (k === j ? -1 : addInput(a, cs.inputs[k])));
  const nIn = args.length;
  const instrs: ElementwiseInstr[] = [];
  // Producer's instructions first; its values are renumbered after the inputs.
  const pVal = (v: number): number => (v < ps.inputs.length ? pInputMap[v] : nIn + (v - ps.inputs.length));
  for (const ins of ps.instrs) instrs.push({ ...ins, args: ins.args.map(pVal) });
  const pResult = nIn + ps.instrs.length - 1;
  const cBase = nIn + ps.instrs.length;
  const cVal = (v: number): number => (v < cs.inputs.length ? (v === j ? pResult : cInputMap[v]) : cBase + (v - cs.inputs.length));
  for (const ins of cs.instrs) instrs.push({ ...ins, args: ins.args.map(cVal) });
  return { spec: { ...cs, inputs, instrs }, args, out: c.out, label: `${p.label}>${c.label}` };
}

/** Producers this small are recomputed in each consumer rather than stored. */
const MAX_DUPLICATED_INSTRS = 3;

function fuseElementwise(calls: PlanCall[], slots: PlanSlot[]): PlanCall[] {
  let changed = true;
  while (changed) {
    changed = false;
    const uses = consumers(calls);
    const producer = new Map<number, number>();
    calls.forEach((c, i) => producer.set(c.out, i));
    for (let i = 0; i < calls.length && !changed; i++) {
      const c = calls[i];
      if (c.spec.type !== 'elementwise') continue;
      for (let j = 0; j < c.args.length; j++) {
        const src = c.args[j];
        const pi = producer.get(src);
        if (pi === undefined || slots[src].kind !== 'temp') continue;
        const p = calls[pi];
        if (p.spec.type !== 'elementwise' || !readsContiguously(c.spec, j)) continue;
        const single = uses.get(src) === 1;
        // A cheap producer with several readers is inlined into each of them,
        // but only when every reader is an elementwise kernel that can take it.
        if (!single && (p.spec.instrs.length > MAX_DUPLICATED_INSTRS || !allReadersInline(calls, src))) continue;
        // Elementwise kernels bind at most 8 inputs (WebGPU guarantees 8 storage buffers per stage... minus the output).
        if (p.args.length + c.args.length - 1 > 7) continue;
        if (p.spec.outDtype !== 'float32') continue;
        const fused = inline(c as PlanCall & { spec: ElementwiseSpec }, j, p as PlanCall & { spec: ElementwiseSpec });
        // The fused call takes the consumer's place: all its inputs exist by then.
        calls = calls.map((x, k) => (k === i ? fused : x)).filter((_, k) => k !== pi || !single);
        changed = true;
        break;
      }
    }
  }
  return calls;
}

function allReadersInline(calls: PlanCall[], slot: number): boolean {
  return calls.every((c) => {
    const k = c.args.indexOf(slot);
    if (k < 0) return true;
    return c.spec.type === 'elementwise' && c.args.lastIndexOf(slot) === k && readsContiguously(c.spec, k);
  });
}

/** Most storage buffers a kernel binds besides its output (WebGPU's default limit is 8 per stage). */
const MAX_KERNEL_INPUTS = 7;

/**
 * Folds an elementwise consumer into the matmul or reduce that feeds it (an
 * epilogue: e.g. the SGD update of a weight into the matmul computing its
 * gradient), and an elementwise producer into the reduce that reads it (a
 * prologue: e.g. squared errors into the sum of a loss).
 */
function fuseKernelEdges(calls: PlanCall[], slots: PlanSlot[]): PlanCall[] {
  let changed = true;
  while (changed) {
    changed = false;
    const uses = consumers(calls);
    const producer = new Map<number, number>();
    calls.forEach((c, i) => producer.set(c.out, i));
    for (let i = 0; i < calls.length && !changed; i++) {
      const e = calls[i];
      // Epilogue: e is an elementwise call reading a matmul/reduce result.
      if (e.spec.type === 'elementwise' && e.spec.outDtype === 'float32') {
        const es: ElementwiseSpec = e.spec;
        for (let j = 0; j < e.args.length; j++) {
          const src = e.args[j];
          const ki = producer.get(src);
          if (ki === undefined || slots[src].kind !== 'temp' || uses.get(src) !== 1) continue;
          const k = calls[ki];
          const ks = k.spec;
          if ((ks.type !== 'matmul' && ks.type !== 'reduce') || ks.epilogue || (ks.type === 'reduce' && ks.reducer === 'argmax')) continue;
          // Big matmuls keep few shared variants (each costs seconds to compile on some drivers).
          if (ks.type === 'matmul' && !isSmallMatmul(ks.m, ks.n, ks.k)) continue;
          if (!readsContiguously(es, j) || e.args.filter((a) => a === src).length !== 1) continue;
          if (k.args.length + e.args.length - 1 > MAX_KERNEL_INPUTS) continue;
          const others = e.args.map((_, n) => n).filter((n) => n !== j);
          const remap = (v: number): number => (v === j ? 0 : v < es.inputs.length ? others.indexOf(v) + 1 : v);
          const epilogue = {
            shape: es.outShape,
            inputs: others.map((n) => es.inputs[n]),
            instrs: es.instrs.map((ins) => ({ ...ins, args: ins.args.map(remap) })),
          };
          const fused: PlanCall = { spec: { ...ks, epilogue }, args: [...k.args, ...others.map((n) => e.args[n])], out: e.out, label: `${k.label}>${e.label}` };
          calls = calls.map((x, n) => (n === i ? fused : x)).filter((_, n) => n !== ki);
          changed = true;
          break;
        }
      }
      // Prologue: e is a reduce reading an elementwise result.
      if (!changed && e.spec.type === 'reduce' && !e.spec.prologue) {
        const src = e.args[0];
        const pi = producer.get(src);
        if (pi === undefined || slots[src].kind !== 'temp' || uses.get(src) !== 1) continue;
        const p = calls[pi];
        if (p.spec.type !== 'elementwise' || p.spec.outDtype !== 'float32') continue;
        if (p.args.length + e.args.length - 1 > MAX_KERNEL_INPUTS) continue;
        const prologue = { shape: p.spec.outShape, inputs: p.spec.inputs, instrs: p.spec.instrs };
        const fused: PlanCall = { spec: { ...e.spec, prologue }, args: [...p.args, ...e.args.slice(1)], out: e.out, label: `${p.label}>${e.label}` };
        calls = calls.map((x, n) => (n === i ? fused : x)).filter((_, n) => n !== pi);
        changed = true;
      }
    }
  }
  return calls;
}

export function fuseCalls(calls: PlanCall[], slots: PlanSlot[]): PlanCall[] {
  return fuseKernelEdges(fuseElementwise(fuseEpilogues(calls, slots), slots), slots);
}
