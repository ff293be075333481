// Variable: named, mutable state (a layer's kernel, an optimizer's moment).
// It always holds one tensor; assign() replaces it, and compiled training
// steps swap in the buffers they computed.
import { argError, article, shapeString, WebgradError } from './errors.js';
import type { DType, TypedArray } from './dtype.js';
import { engine } from './engine.js';
import { shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';
import type { Storage } from './storage.js';

let nextVariableId = 0;

export class Variable {
  readonly id = nextVariableId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  name: string;
  trainable: boolean;
  private current: Tensor;

  constructor(initial: Tensor, name?: string, trainable = true) {
    if (!(initial instanceof Tensor)) throw argError('variable', 'initialValue', 'a Tensor', initial);
    initial.assertAlive('variable', 'initialValue');
    this.shape = initial.shape;
    this.dtype = initial.dtype;
    this.name = name ?? `variable_${this.id}`;
    this.trainable = trainable;
    this.current = this.own(initial);
  }

  /** Takes a private handle on `t` so the caller may dispose theirs. */
  private own(t: Tensor): Tensor {
    const h = engine.make({ kind: 'reshape' }, [t], t.shape, t.dtype);
    h.kept = true;
    return h;
  }

  /**
   * The current value. The returned tensor belongs to the variable: do not
   * dispose it; it stays valid until the variable is next assigned or trained.
   */
  get value(): Tensor {
    if (this.disposed) throw new WebgradError(`variable '${this.name}' was disposed`);
    return this.current;
  }

  disposed = false;

  /** Replaces the value with `t` (same shape and dtype). */
  assign(t: Tensor): void {
    // A disposed variable would take a handle on `t` that nothing ever frees.
    if (this.disposed) throw new WebgradError(`assign: variable '${this.name}' was disposed; it cannot take a new value (create a new variable instead).`);
    if (!(t instanceof Tensor)) throw argError('assign', 'value', 'a Tensor', t);
    t.assertAlive('assign', 'value');
    if (!shapesEqual(t.shape, this.shape) || t.dtype !== this.dtype) {
      throw argError(`assign to '${this.name}'`, 'value', `${article(this.dtype)} ${this.dtype} tensor of shape ${shapeString(this.shape)}`, t);
    }
    const old = this.current;
    this.current = this.own(t);
    old.kept = false;
    old.dispose();
  }

  /** Swaps in computed storage (used by compiled steps); takes over the caller's reference. */
  setStorage(storage: Storage): void {
    const old = this.current;
    const t = engine.fromStorage(storage, this.shape, this.dtype);
    engine.releaseStorage(storage);
    t.kept = true;
    this.current = t;
    old.kept = false;
    old.dispose();
  }

  /** Reads the current value. */
  data(): Promise<TypedArray> {
    return this.value.data();
  }

  dispose(): void {
    if (this.disposed) return;
    this.current.kept = false;
    this.current.dispose();
    this.disposed = true;
  }
}

/** Creates a variable holding `initialValue` (TensorFlow.js: tf.variable). */
export function variable(initialValue: Tensor, trainable = true, name?: string): Variable {
  return new Variable(initialValue, name, trainable);
}
