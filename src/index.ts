// webgrad's public API. Ops record a graph; values are computed when read.
// The declarations name WebGPU's types (GPU, GPUDevice, ...): this directive
// is kept in dist/index.d.ts (preserve) so a consumer's compiler loads
// @webgpu/types (a dependency of the package) without configuring anything.
/// <reference types="@webgpu/types" preserve="true" />
import { installRuntime } from './runtime.js';
// Types only: makes the IR's op kinds part of the package's declarations, so
// `Tensor.op` is typed by them there too (see OpRegistry in core/tensor.ts).
import './kernels/op.js';

// The package's one start-up step (see src/runtime.ts).
installRuntime();

export { Tensor, type NestedArray } from './core/tensor.js';
export type { DType, TypedArray } from './core/dtype.js';
export { WebgradError } from './core/errors.js';
export { tidy, keep, dispose, type TensorContainer } from './core/scope.js';
export { stats, getWebGPUDevice, type Stats } from './graph/introspect.js';
export { profile, time, type Profile, type KernelRecord, type KernelSummary } from './graph/profile.js';
export type { TimingSource } from './backends/profiling.js';
export { ready, getBackend, type ReadyOptions, type BackendInfo, type BackendName } from './backends/select.js';

export { tensor, type TensorLike } from './ops/convert.js';
export { fill, zeros, ones, scalar, randomUniform, randomNormal, truncatedNormal } from './ops/creation.js';
// Every elementwise function: one per row of src/kernels/elementwise_table.ts.
export * from './ops/elementwise.js';
export { matMul } from './ops/matmul.js';
export { slice, split, pad } from './ops/slicing.js';
export { concat, stack, tile } from './ops/joining.js';
export { gather } from './ops/gather.js';
export { conv2d, conv2dTranspose } from './ops/conv.js';
export { maxPool, avgPool } from './ops/pool.js';
export { where } from './ops/where.js';
export { dropout } from './ops/dropout.js';
export { batchNorm } from './ops/batch_norm.js';
export { sum, mean, max, argMax } from './ops/reduce.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { reshape, transpose, broadcastTo, cast, expandDims, oneHot, clone } from './ops/shape_ops.js';
export { meanSquaredError, meanAbsoluteError, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy } from './ops/losses.js';
export * as losses from './ops/losses.js';
export { grad, grads, valueAndGrad, valueAndGrads } from './autodiff/grad.js';
export { Variable, variable } from './core/variable.js';
export { compileStep, type CompiledStep, type StepDefinition, type StepInputSpec } from './graph/compiled_step.js';
export * as layers from './layers/index.js';
export { Sequential, sequential, sequentialFromConfig, type History, type ModelCompileArgs, type ModelFitArgs } from './layers/sequential.js';
export { Dense } from './layers/dense.js';
export * as initializers from './layers/initializers.js';
export * as train from './train/index.js';
export * as callbacks from './callbacks/index.js';
export { CustomCallback, Callback } from './callbacks/index.js';
export { loadLayersModel, type LoadOptions } from './io/load.js';
export * as io from './io/index.js';

// Tensor methods for the ops (x.matMul(w).add(b).relu()), installed once.
// The bare import keeps chain.ts' declarations of the methods in the
// published types (an import used only at run time is dropped from them).
import './ops/chain.js';
import { installChaining } from './ops/chain.js';
installChaining();
