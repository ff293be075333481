// Data types and the typed arrays that hold them on the CPU side.
import { argError } from './errors.js';

export type DType = 'float32' | 'int32';
export type TypedArray = Float32Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'int32'];

/** Refuses anything but a supported dtype ('bool', 'string', typos), naming the op. */
export function checkDType(op: string, dtype: unknown, arg = 'dtype'): DType {
  if (!DTYPES.includes(dtype as DType)) throw argError(op, arg, DTYPES.map((d) => `'${d}'`).join(' or '), dtype);
  return dtype as DType;
}
