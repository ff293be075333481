// Generates a (possibly fused) elementwise kernel from shaders/elementwise.wgsl:
// input bindings, index arithmetic with the shape baked in as literals, and a
// chain of calls to the WGSL functions named in the elementwise table.
import activationsWgsl from '../../../shaders/activations.wgsl?raw';
import elementwiseWgsl from '../../../shaders/elementwise.wgsl?raw';
import opsWgsl from '../../../shaders/elementwise_ops.wgsl?raw';
import { stridesOf } from '../../core/shape.js';
import { ELEMENTWISE } from '../../kernels/elementwise_table.js';
import type { ElementwiseSpec } from '../../kernels/kernel_spec.js';
import type { GpuProgram } from './programs.js';
import { spread } from './programs.js';

/** WGSL float literal that round-trips exactly (no `1e-7` parsing surprises). */
function f32Literal(v: number): string {
  // Attributes are checked finite at the API edge; WGSL rejects non-finite constants.
  const bits = new Uint32Array(Float32Array.of(v).buffer)[0];
  return `bitcast<f32>(0x${bits.toString(16)}u)`;
}

export function elementwiseProgram(spec: ElementwiseSpec): GpuProgram {
  const total = spec.outShape.reduce((a, b) => a * b, 1);
  const outStrides = stridesOf(spec.outShape);
  const n = spec.inputs.length;
  const bindings: string[] = spec.inputs.map(
    (inp, j) => `@group(0) @binding(${j}) var<storage, read> in${j}: array<${inp.dtype === 'int32' ? 'i32' : 'f32'}>;`,
  );
  bindings.push(`@group(0) @binding(${n}) var<storage, read_write> out: array<${spec.outDtype === 'int32' ? 'i32' : 'f32'}>;`);

  const body: string[] = [`if (i >= ${total}u) { return; }`];
  // Output coordinates, computed once if any input needs them.
  const needsCoords = spec.inputs.some((inp) => !isContiguous(inp.strides, outStrides, spec.outShape) && !inp.strides.every((s) => s === 0));
  if (needsCoords) {
    body.push('var r = i;');
    outStrides.forEach((s, d) => {
      if (spec.outShape[d] === 1) return;
      body.push(`let c${d} = r / ${s}u;`, `r = r - c${d} * ${s}u;`);
    });
  }
  spec.inputs.forEach((inp, j) => {
    let index: string;
    if (isContiguous(inp.strides, outStrides, spec.outShape)) index = 'i';
    else if (inp.strides.every((s) => s === 0)) index = '0u';
    else {
      const terms = inp.strides.map((s, d) => (s === 0 || spec.outShape[d] === 1 ? '' : `c${d} * ${s}u`)).filter(Boolean);
      index = terms.length ? terms.join(' + ') : '0u';
    }
    body.push(`let v${j} = f32(in${j}[${index}]);`);
  });
  spec.instrs.forEach((ins, k) => {
    const def = ELEMENTWISE[ins.fn];
    const args = ins.args.map((a) => `v${a}`).concat(ins.attrs.map(f32Literal));
    body.push(`let v${n + k} = ${def.wgsl}(${args.join(', ')});`);
  });
  const last = `v${n + spec.instrs.length - 1}`;
  body.push(spec.outDtype === 'int32' ? `out[i] = i32(${last});` : `out[i] = ${last};`);

  const code = [activationsWgsl, opsWgsl, elementwiseWgsl.replace('//@BINDINGS', bindings.join('\n')).replace('//@BODY', body.join('\n  '))].join('\n');
  return {
    key: code,
    code,
    entryPoint: 'main',
    constants: {},
    workgroups: spread(Math.ceil(total / 256)),
    inputBindings: n,
    uniform: null,
  };
}

function isContiguous(strides: number[], outStrides: number[], shape: number[]): boolean {
  // Dimensions of size 1 contribute nothing to the index, whatever their stride.
  return strides.every((s, d) => s === outStrides[d] || shape[d] === 1);
}
