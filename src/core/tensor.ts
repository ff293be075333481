// Tensor: a node of the lazy graph. A tensor either holds data (a leaf, or a
// node that has been computed) or an op with inputs that will compute it when
// a value is needed. See README "Memory model".
import type { DType, TypedArray } from './dtype.js';
import { WebgradError, shapeString } from './errors.js';
import type { Storage } from './storage.js';
import { sizeOf } from './shape.js';

let nextId = 0;

/**
 * The op kinds a tensor can record are defined above core, in the IR
 * (src/kernels/op.ts), which adds its `Op` union here by declaration merging
 * (`declare module`). So core imports nothing of the IR, and yet `tensor.op`
 * is that union everywhere, narrowed by its `kind` as usual.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by kernels/op.ts (declaration merging)
export interface OpRegistry {}
/** The op of a pending tensor: the IR's `Op` (see OpRegistry). */
export type TensorOp = OpRegistry extends { op: infer O } ? O : { readonly kind: string };

/** Hooks the engine installs so this file does not import it (no cycle). */
export interface TensorRuntime {
  read(t: Tensor): Promise<TypedArray>;
  /** Computes and reads on the calling thread (CPU backend), or throws naming `op` (dataSync, arraySync). */
  readSync(t: Tensor, op: string): TypedArray;
  release(t: Tensor): void;
}
let runtime: TensorRuntime | null = null;
export function installTensorRuntime(r: TensorRuntime): void {
  runtime = r;
}

export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** The op that computes this tensor, or null once it holds data. */
  op: TensorOp | null;
  inputs: Tensor[];
  /** Where the values live once computed. */
  storage: Storage | null = null;
  /** Holders: 1 for the user's handle until dispose(), plus one per pending dependent. */
  refs = 1;
  /** True once the user disposed it (it may live on while dependents need it). */
  disposedByUser = false;
  /** Set on tensors that must survive the enclosing tidy(). */
  kept = false;
  /** Set when a composite op released the creation handle of this intermediate. */
  handleReleased = false;

  constructor(shape: readonly number[], dtype: DType, op: TensorOp | null, inputs: Tensor[]) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.op = op;
    this.inputs = inputs;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposedByUser;
  }

  /** Computes the tensor if needed and returns a copy of its values. */
  async data(): Promise<TypedArray> {
    this.assertAlive('data');
    if (!runtime) throw new WebgradError('webgrad engine not initialised');
    return runtime.read(this);
  }

  /** The values as nested JavaScript arrays of this tensor's shape. */
  async array(): Promise<NestedArray> {
    const flat = await this.data();
    return nest(flat, this.shape);
  }

  /**
   * The values, computed and read synchronously. Only where the backend runs
   * on the calling thread (the CPU); on WebGPU it throws: use `await data()`.
   */
  dataSync(): TypedArray {
    this.assertAlive('dataSync');
    if (!runtime) throw new WebgradError('webgrad engine not initialised');
    return runtime.readSync(this, 'dataSync');
  }

  /** The values as nested arrays, synchronously (CPU only; on WebGPU use `await array()`). */
  arraySync(): NestedArray {
    this.assertAlive('arraySync');
    if (!runtime) throw new WebgradError('webgrad engine not initialised');
    return nest(runtime.readSync(this, 'arraySync'), this.shape);
  }

  /** Frees the tensor's memory once nothing pending needs it. Safe to call twice. */
  dispose(): void {
    if (this.disposedByUser) return;
    this.disposedByUser = true;
    if (this.handleReleased) return;
    runtime?.release(this);
  }

  assertAlive(op: string, arg = 'tensor'): void {
    if (this.disposedByUser) {
      throw new WebgradError(`${op}: argument '${arg}' is a disposed tensor (shape ${shapeString(this.shape)}, id ${this.id}); it cannot be used after dispose() or outside the tidy() that created it.`);
    }
  }

  toString(): string {
    return `Tensor(shape=${shapeString(this.shape)}, dtype=${this.dtype}${this.op ? `, pending ${this.op.kind}` : ''})`;
  }
}

function nest(flat: TypedArray, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0];
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim];
    const out: NestedArray[] = [];
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out.push(flat[offset + i]);
      return out;
    }
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
    for (let i = 0; i < n; i++) out.push(build(offset + i * stride, dim + 1));
    return out;
  };
  return build(0, 0);
}
