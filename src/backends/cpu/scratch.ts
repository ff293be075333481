// Scratch arrays the CPU kernels reuse from one kernel to the next, by
// register number: a fresh large typed array costs far more than the
// arithmetic on it (its memory is faulted in page by page, several ms per
// MB on the project's machines), and kernels run one at a time on the
// calling thread, so each register's array is kept and grown when needed.
// An array is valid until the next request of the same register and type.

const pool: { f64: Float64Array[]; f32: Float32Array[]; i32: Int32Array[] } = { f64: [], f32: [], i32: [] };

function grown<T extends Float64Array | Float32Array | Int32Array>(list: T[], reg: number, n: number, make: (length: number) => T): T {
  let a = list[reg];
  if (!a || a.length < n) a = list[reg] = make(Math.max(n, (a?.length ?? 0) * 2));
  return a.subarray(0, n) as T;
}

/** n float64 values of register `reg` (old contents: fill it if that matters). */
export function scratch64(reg: number, n: number): Float64Array {
  return grown(pool.f64, reg, n, (len) => new Float64Array(len));
}

/** n float32 values of register `reg`. */
export function scratch32(reg: number, n: number): Float32Array {
  return grown(pool.f32, reg, n, (len) => new Float32Array(len));
}

/** n int32 values of register `reg`. */
export function scratchI32(reg: number, n: number): Int32Array {
  return grown(pool.i32, reg, n, (len) => new Int32Array(len));
}
