// The WGSL functions that kernels call, as one source put in front of each
// kernel: the NaN / infinity helpers (shaders/nonfinite.wgsl), which every
// kernel uses, then the elementwise functions of the table (activations and
// ops), which generated code and built-in activations call by name.
import activationsWgsl from '../../../shaders/activations.wgsl?raw';
import opsWgsl from '../../../shaders/elementwise_ops.wgsl?raw';
import nonfiniteWgsl from '../../../shaders/nonfinite.wgsl?raw';

export const FUNCTIONS_WGSL = [nonfiniteWgsl, activationsWgsl, opsWgsl].join('\n');
