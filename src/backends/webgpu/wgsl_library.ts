// The WGSL functions that kernels call, as one source put in front of each
// kernel: the NaN / infinity helpers (shaders/nonfinite.wgsl), which every
// kernel uses, then the elementwise functions of the table (activations and
// ops, and shaders/random.wgsl's counter-based random bits for dropout),
// which generated code and built-in activations call by name, and
// wg_activate, the matmul epilogue's activation switch, generated from the
// table's rows so that its codes cannot drift from the TypeScript's.
import activationsWgsl from '../../../shaders/activations.wgsl?raw';
import opsWgsl from '../../../shaders/elementwise_ops.wgsl?raw';
import nonfiniteWgsl from '../../../shaders/nonfinite.wgsl?raw';
import randomWgsl from '../../../shaders/random.wgsl?raw';
import { EPILOGUE_ACTIVATIONS, primitiveDef } from '../../kernels/elementwise_table.js';
import { activationCode } from '../../kernels/kernel_spec.js';

/**
 * `wg_activate(x, act, alpha)`: the built-in epilogue activation of code
 * `act` (activationCode), `alpha` being its one attribute where it has one.
 * NaN in, NaN out: every such row has the 'propagate' NaN rule
 * (test/ops/nonfinite.test.ts checks that), applied here once for all of
 * them, one test per output rather than per multiply-add.
 */
function activateWgsl(): string {
  const cases = EPILOGUE_ACTIVATIONS.filter((a) => a !== 'linear').map((a) => {
    const def = primitiveDef(a);
    return `    case ${activationCode(a)}u: { return ${def.wgsl}(x${def.attrs.length ? ', alpha' : ''}); }`;
  });
  return [
    'fn wg_activate(x: f32, act: u32, alpha: f32) -> f32 {',
    '  if (wg_isnan(x)) { return x; }',
    '  switch act {',
    ...cases,
    '    default: { return x; }',
    '  }',
    '}',
  ].join('\n');
}

export const FUNCTIONS_WGSL = [nonfiniteWgsl, activationsWgsl, opsWgsl, randomWgsl, activateWgsl()].join('\n');
