// Data types and the typed arrays that hold them on the CPU side.
export type DType = 'float32' | 'int32';
export type TypedArray = Float32Array | Int32Array;

export function typedArrayFor(dtype: DType, size: number): TypedArray {
  return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}

export const BYTES_PER_ELEMENT = 4;
