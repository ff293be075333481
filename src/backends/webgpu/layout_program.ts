// Kernel descriptors of the shape ops: generated glue over shaders/layout.wgsl
// (slice / pad / tile windows, concat, where: index arithmetic with the shapes
// baked in), and uniform-driven shaders for gather (shaders/gather.wgsl) and
// batched matMul (shaders/batch_matmul.wgsl), which compile once for every size.
import batchMatmulWgsl from '../../../shaders/batch_matmul.wgsl?raw';
import gatherWgsl from '../../../shaders/gather.wgsl?raw';
import layoutWgsl from '../../../shaders/layout.wgsl?raw';
import type { DType } from '../../core/dtype.js';
import { sizeOf, stridesOf } from '../../core/shape.js';
import type { BatchMatmulSpec, ConcatSpec, GatherSpec, LayoutSpec, WhereSpec, WindowSpec } from '../../kernels/layout_spec.js';
import { spread, type GpuProgram } from './gpu_program.js';

const WG = 256;

/** The 32-bit word a value is stored as in a tensor of `dtype` (as the CPU's typed arrays convert it). */
function wordLiteral(value: number, dtype: DType): string {
  const word = dtype === 'int32' ? Int32Array.of(value)[0] >>> 0 : new Uint32Array(Float32Array.of(value).buffer)[0];
  return `0x${word.toString(16)}u`;
}

/** Lines computing coordinates c0.. of flat index i in `shape` (c{d} = 0u for size-1 axes). */
function coordLines(shape: readonly number[]): string[] {
  const strides = stridesOf(shape);
  const lines = ['var r = i;'];
  shape.forEach((n, d) => {
    if (n === 1) lines.push(`let c${d} = 0u;`);
    else lines.push(`let c${d} = r / ${strides[d]}u;`, `r = r - c${d} * ${strides[d]}u;`);
  });
  return lines;
}

/** The generated kernel over shaders/layout.wgsl: `nIn` word inputs, `body` computes element(i). */
function layoutKernel(nIn: number, total: number, body: string[]): GpuProgram {
  const bindings = Array.from({ length: nIn }, (_, j) => `@group(0) @binding(${j}) var<storage, read> in${j}: array<u32>;`);
  bindings.push(`@group(0) @binding(${nIn}) var<storage, read_write> out: array<u32>;`);
  const code = layoutWgsl.replace('//@BINDINGS', bindings.join('\n')).replace('//@BODY', body.join('\n  '));
  return {
    key: code,
    code,
    entryPoint: 'main',
    constants: { TOTAL: total },
    workgroups: spread(Math.ceil(total / WG)),
    argBindings: Array.from({ length: nIn }, (_, j) => j),
    dummyBindings: [],
    outBinding: nIn,
    uniform: null,
    uniformBinding: -1,
  };
}

function windowProgram(s: WindowSpec): GpuProgram {
  const inStrides = stridesOf(s.inShape);
  const body = coordLines(s.outShape);
  const terms: string[] = [];
  s.outShape.forEach((n, d) => {
    const size = s.inShape[d];
    const k = s.shift[d];
    let coord: string;
    if (s.wrap) coord = size === 1 ? '' : n <= size ? `c${d}` : `(c${d} % ${size}u)`;
    else if (k >= 0) coord = `(c${d} + ${k}u)`;
    else {
      // Padding in front (-k values) and maybe behind: those positions get the constant.
      const before = -k;
      body.push(`if (c${d} < ${before}u || c${d} >= ${before + size}u) { return ${wordLiteral(s.value, s.dtype)}; }`);
      coord = `(c${d} - ${before}u)`;
    }
    if (!s.wrap && k >= 0 && n + k > size) {
      // Padding only behind this axis.
      body.push(`if (c${d} + ${k}u >= ${size}u) { return ${wordLiteral(s.value, s.dtype)}; }`);
    }
    if (coord && size !== 1) terms.push(`${coord} * ${inStrides[d]}u`);
  });
  body.push(`return in0[${terms.length ? terms.join(' + ') : '0u'}];`);
  return layoutKernel(1, sizeOf(s.outShape), body);
}

function concatProgram(s: ConcatSpec): GpuProgram {
  const total = s.sizes.reduce((a, b) => a + b, 0);
  const body = [`let o = i / ${total * s.inner}u;`, `let a = (i / ${s.inner}u) % ${total}u;`, `let q = i % ${s.inner}u;`];
  let start = 0;
  s.sizes.forEach((size, j) => {
    const read = `in${j}[(o * ${size}u + a - ${start}u) * ${s.inner}u + q]`;
    body.push(j === s.sizes.length - 1 ? `return ${read};` : `if (a < ${start + size}u) { return ${read}; }`);
    start += size;
  });
  return layoutKernel(s.sizes.length, s.outer * total * s.inner, body);
}

function whereProgram(s: WhereSpec): GpuProgram {
  const body = coordLines(s.outShape);
  const index = (strides: readonly number[]): string => {
    const terms = strides.map((st, d) => (st === 0 || s.outShape[d] === 1 ? '' : `c${d} * ${st}u`)).filter(Boolean);
    return terms.length ? terms.join(' + ') : '0u';
  };
  const [c, a, b] = s.inputs;
  body.push(`let cond = wg_cond_${c.dtype === 'int32' ? 'i32' : 'f32'}(in0[${index(c.strides)}]);`);
  body.push(`return select(in2[${index(b.strides)}], in1[${index(a.strides)}], cond);`);
  return layoutKernel(3, sizeOf(s.outShape), body);
}

function gatherProgram(s: GatherSpec): GpuProgram {
  const total = s.outer * (s.grad ? s.axisSize : s.n) * s.inner;
  return {
    key: 'gather',
    code: gatherWgsl,
    entryPoint: s.grad ? 'gather_grad' : 'gather',
    constants: {},
    workgroups: spread(Math.ceil(total / WG)),
    // gather's args are (x, indices); its gradient's (indices, dy).
    argBindings: s.grad ? [1, 0] : [0, 1],
    dummyBindings: [],
    outBinding: 2,
    uniform: new Uint32Array([s.outer, s.axisSize, s.inner, s.n]).buffer,
    uniformBinding: 3,
  };
}

function batchMatmulProgram(s: BatchMatmulSpec): GpuProgram {
  const tilesM = Math.ceil(s.m / 16);
  const tilesN = Math.ceil(s.n / 16);
  const uniform = new Uint32Array([s.m, s.n, s.k, s.batch, s.broadcastA ? 0 : s.m * s.k, s.broadcastB ? 0 : s.k * s.n, tilesM, tilesN]).buffer;
  return {
    key: 'batchMatmul',
    code: batchMatmulWgsl,
    entryPoint: 'main',
    constants: { TRANS_A: +s.transA, TRANS_B: +s.transB },
    workgroups: spread(s.batch * tilesM * tilesN),
    argBindings: [0, 1],
    dummyBindings: [],
    outBinding: 2,
    uniform,
    uniformBinding: 3,
  };
}

export function layoutProgram(spec: LayoutSpec): GpuProgram {
  switch (spec.type) {
    case 'window': return windowProgram(spec);
    case 'concat': return concatProgram(spec);
    case 'where': return whereProgram(spec);
    case 'gather': return gatherProgram(spec);
    case 'batchMatmul': return batchMatmulProgram(spec);
  }
}
