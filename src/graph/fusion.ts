// Fusion: rewrites a plan's call list so fewer kernels run. Each rule looks
// at one edge (a producer call whose result a consumer call reads) and may
// merge the two; the driver applies a rule until nothing changes.
//  1. matmul bias + activation: `add(matmul, rowBias)` and then an activation
//     fold into the matmul kernel's built-in epilogue.
//  2. elementwise chains: an elementwise producer read with the same shape by
//     elementwise consumers is inlined into them (recomputed when it is cheap
//     and has several readers), so a chain of any length is one kernel.
//  0. a max pool's gradient followed by the derivative of the relu before
//     the pool becomes one pool-gradient kernel.
//  3. kernel edges: an elementwise consumer of a matmul, conv2d or reduce
//     becomes its generated epilogue (e.g. an SGD update on the matmul
//     computing the gradient, conv2d's bias + activation once rule 2 has
//     joined them); an elementwise producer of a reduce becomes its prologue.
// Only temporaries are fused away; a value the caller asked for stays.
import { readsInOrder, readsOneValue, shapesEqual, stridesOf } from '../core/shape.js';
import type { ElementwiseInstr, ElementwiseSpec, MatmulSpec } from '../kernels/kernel_spec.js';
import { EPILOGUE_ACTIVATIONS, type EpilogueActivation } from '../kernels/elementwise_table.js';
import { isSmallMatmul } from '../kernels/kernel_spec.js';
import type { PlanCall, PlanSlot } from '../kernels/plan.js';
import { poolWindowsDisjoint } from '../kernels/conv_spec.js';

/** Most storage buffers a kernel binds besides its output (WebGPU's default limit is 8 per stage). */
const MAX_KERNEL_INPUTS = 7;
/** Elementwise producers this small are recomputed in each consumer rather than stored. */
const MAX_DUPLICATED_INSTRS = 3;
/** Elementwise functions the matmul's built-in epilogue can apply. */
const EPILOGUE_ACTS = new Set<string>(EPILOGUE_ACTIVATIONS.filter((a) => a !== 'linear'));

type EwCall = PlanCall & { spec: ElementwiseSpec };

/** One producer -> consumer edge of the call list. */
interface Edge {
  consumer: PlanCall;
  /** Which of the consumer's args reads the producer's result. */
  arg: number;
  producer: PlanCall;
  /** Whether the consumer is the producer's only reader. */
  single: boolean;
  calls: readonly PlanCall[];
  slots: readonly PlanSlot[];
}

/** A rule's result: the merged call (placed where the consumer was), and whether the producer stays. */
type Rule = (e: Edge) => { fused: PlanCall; keepProducer?: boolean } | null;

function applyRule(calls: PlanCall[], slots: PlanSlot[], rule: Rule): PlanCall[] {
  for (;;) {
    const uses = new Map<number, number>();
    for (const c of calls) for (const a of c.args) uses.set(a, (uses.get(a) ?? 0) + 1);
    const producerOf = new Map<number, number>();
    calls.forEach((c, i) => producerOf.set(c.out, i));
    let rewritten: PlanCall[] | null = null;
    for (let i = 0; i < calls.length && !rewritten; i++) {
      for (let j = 0; j < calls[i].args.length && !rewritten; j++) {
        const src = calls[i].args[j];
        const pi = producerOf.get(src);
        if (pi === undefined || slots[src].kind !== 'temp') continue;
        const r = rule({ consumer: calls[i], arg: j, producer: calls[pi], single: uses.get(src) === 1, calls, slots });
        // The merged call takes the consumer's place: every input it reads exists by then.
        if (r) rewritten = calls.map((x, k) => (k === i ? r.fused : x)).filter((_, k) => k !== pi || r.keepProducer);
      }
    }
    if (!rewritten) return calls;
    calls = rewritten;
  }
}

function readsContiguously(spec: ElementwiseSpec, inputIndex: number): boolean {
  return readsInOrder(spec.inputs[inputIndex].strides, spec.outShape);
}

/** Rule 1: `add(matmul, rowBias)` and an activation into the matmul's built-in epilogue. */
const biasAndActivation: Rule = ({ consumer: e, arg: j, producer: m, single, slots }) => {
  if (!single || e.spec.type !== 'elementwise' || e.spec.instrs.length !== 1) return null;
  if (m.spec.type !== 'matmul' || m.spec.epilogue || !readsContiguously(e.spec, j)) return null;
  const ms: MatmulSpec = m.spec;
  const ins = e.spec.instrs[0];
  if (ins.fn === 'add' && !ms.hasBias && ms.act === 'linear' && e.args.length === 2 && e.spec.outShape.length === 2) {
    // The other operand must be a length-n row vector broadcast over rows.
    const o = 1 - j;
    const st = e.spec.inputs[o].strides;
    if (slots[e.args[o]].size !== ms.n || st[0] !== 0 || (ms.n !== 1 && st[1] !== 1)) return null;
    return { fused: { spec: { ...ms, hasBias: true }, args: [...m.args, e.args[o]], out: e.out, label: `${m.label}+bias` } };
  }
  if (EPILOGUE_ACTS.has(ins.fn) && e.args.length === 1 && ms.act === 'linear') {
    return { fused: { spec: { ...ms, act: ins.fn as EpilogueActivation, alpha: ins.attrs[0] ?? 0 }, args: m.args, out: e.out, label: `${m.label}+${ins.fn}` } };
  }
  return null;
};

/** Inlines producer `p` (read contiguously as input `j` of consumer `c`) into `c`. */
function inline(c: EwCall, j: number, p: EwCall): PlanCall {
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

/** Every reader of `slot` is an elementwise kernel that reads it once, contiguously. */
function allReadersInline(calls: readonly PlanCall[], slot: number): boolean {
  return calls.every((c) => {
    const k = c.args.indexOf(slot);
    if (k < 0) return true;
    return c.spec.type === 'elementwise' && c.args.lastIndexOf(slot) === k && readsContiguously(c.spec, k);
  });
}

/**
 * The producer's inputs as read at the consumer's elements. A reshape between
 * them (the consumer reads the producer's buffer in order, with another
 * shape) changes the coordinates the strides apply to: an input read in order
 * or as one value is re-expressed in the consumer's shape; any other
 * (broadcast along some axes) cannot be, and then the two are not fused (null).
 */
function inputsAt(p: ElementwiseSpec, shape: readonly number[]): ElementwiseSpec['inputs'] | null {
  if (shapesEqual(p.outShape, shape)) return p.inputs;
  const out: ElementwiseSpec['inputs'] = [];
  for (const input of p.inputs) {
    if (readsOneValue(input.strides, p.outShape)) out.push({ ...input, strides: shape.map(() => 0) });
    else if (readsInOrder(input.strides, p.outShape)) out.push({ ...input, strides: stridesOf(shape) });
    else return null;
  }
  return out;
}

/** Rule 2: elementwise into elementwise. */
const elementwiseChain: Rule = ({ consumer: c, arg: j, producer: p, single, calls }) => {
  if (c.spec.type !== 'elementwise' || p.spec.type !== 'elementwise' || p.spec.outDtype !== 'float32') return null;
  if (!readsContiguously(c.spec, j) || p.args.length + c.args.length - 1 > MAX_KERNEL_INPUTS) return null;
  // A cheap producer with several readers is inlined into each of them (and
  // dropped with the last one), but only if every reader can take it.
  if (!single && (p.spec.instrs.length > MAX_DUPLICATED_INSTRS || !allReadersInline(calls, c.args[j]))) return null;
  const inputs = inputsAt(p.spec, c.spec.outShape);
  if (!inputs) return null;
  const producer: EwCall = { ...p, spec: { ...p.spec, outShape: [...c.spec.outShape], inputs } };
  return { fused: inline(c as EwCall, j, producer), keepProducer: !single };
};

/**
 * Rule 0: `reluGrad(x, maxPoolGrad(x, dy))`, a relu's derivative after the
 * gradient of the max pool that reads the relu's output x, into the pool
 * gradient kernel (PoolSpec.reluGrad). Only for windows that do not overlap:
 * the kernels that visit window by window apply it there.
 */
const poolReluGrad: Rule = ({ consumer: e, arg: j, producer: p, single }) => {
  if (!single || e.spec.type !== 'elementwise' || e.spec.outDtype !== 'float32' || e.spec.instrs.length !== 1) return null;
  const ps = p.spec;
  if (ps.type !== 'pool' || ps.mode !== 'max' || !ps.grad || ps.reluGrad || !poolWindowsDisjoint(ps.geom)) return null;
  const ins = e.spec.instrs[0];
  if (ins.fn !== 'reluGrad' || e.args.length !== 2 || ins.args[1] !== j || ins.args[0] !== 1 - j) return null;
  // The derivative's x is the pool's x, and both are read element by element in x's shape.
  if (e.args[1 - j] !== p.args[0] || !readsContiguously(e.spec, 0) || !readsContiguously(e.spec, 1)) return null;
  const g = ps.geom;
  if (!shapesEqual(e.spec.outShape, [g.batch, g.inH, g.inW, g.inC])) return null;
  return { fused: { spec: { ...ps, reluGrad: true }, args: p.args, out: e.out, label: `${p.label}>${e.label}` } };
};

/** Rule 3a: an elementwise consumer of a matmul, conv2d or reduce becomes its epilogue. */
const kernelEpilogue: Rule = ({ consumer: e, arg: j, producer: k, single }) => {
  if (!single || e.spec.type !== 'elementwise' || e.spec.outDtype !== 'float32') return null;
  const es: ElementwiseSpec = e.spec;
  const ks = k.spec;
  if ((ks.type !== 'matmul' && ks.type !== 'reduce' && ks.type !== 'conv2d') || ks.epilogue || (ks.type === 'reduce' && ks.reducer === 'argmax')) return null;
  // Big matmuls take only epilogues shared by many layers (the same code for
  // each): an SGD-style update or an activation derivative, a few inputs at
  // most besides constants. Each big variant costs seconds to compile on some drivers.
  if (ks.type === 'matmul' && !isSmallMatmul(ks.m, ks.n, ks.k) && (e.args.length > 3 || es.instrs.length > 3)) return null;
  if (!readsContiguously(es, j) || e.args.filter((a) => a === e.args[j]).length !== 1) return null;
  if (k.args.length + e.args.length - 1 > MAX_KERNEL_INPUTS) return null;
  const others = e.args.map((_, n) => n).filter((n) => n !== j);
  // Epilogue values: 0 is the kernel's result, then the other inputs, then the instructions.
  const remap = (v: number): number => (v === j ? 0 : v < es.inputs.length ? others.indexOf(v) + 1 : v);
  const epilogue = { shape: es.outShape, inputs: others.map((n) => es.inputs[n]), instrs: es.instrs.map((ins) => ({ ...ins, args: ins.args.map(remap) })) };
  return { fused: { spec: { ...ks, epilogue }, args: [...k.args, ...others.map((n) => e.args[n])], out: e.out, label: `${k.label}>${e.label}` } };
};

/** Rule 3b: an elementwise producer of a reduce becomes its prologue. */
const reducePrologue: Rule = ({ consumer: r, arg: j, producer: p, single }) => {
  if (!single || j !== 0 || r.spec.type !== 'reduce' || r.spec.prologue) return null;
  if (p.spec.type !== 'elementwise' || p.spec.outDtype !== 'float32' || p.args.length + r.args.length - 1 > MAX_KERNEL_INPUTS) return null;
  const prologue = { shape: p.spec.outShape, inputs: p.spec.inputs, instrs: p.spec.instrs };
  return { fused: { spec: { ...r.spec, prologue }, args: [...p.args, ...r.args.slice(1)], out: r.out, label: `${p.label}>${r.label}` } };
};

export function fuseCalls(calls: PlanCall[], slots: PlanSlot[]): PlanCall[] {
  let out = applyRule(calls, slots, poolReluGrad);
  out = applyRule(out, slots, biasAndActivation);
  out = applyRule(out, slots, elementwiseChain);
  out = applyRule(out, slots, (e) => kernelEpilogue(e) ?? reducePrologue(e));
  return out;
}
