// NaN and infinity helpers, put in front of every kernel's source (see
// src/backends/webgpu/wgsl_library.ts). The convention they serve (README,
// "NaN and infinity"): NaN in, NaN out, in every kernel on every backend.
//
// WGSL leaves min, max, clamp and most builtins (exp, log, tanh, sign, ...)
// of NaN to the driver (SwiftShader: exp(NaN) = inf, log(NaN) = 89.1,
// tanh(NaN) = -1, max(3, NaN) = 3), and compilers may fold `x != x` to false,
// as if NaN did not exist. So NaN is recognised by its bits, which no
// floating-point assumption can fold away, and every kernel whose result
// would lose a NaN tests for it explicitly.

// Non-finite constants are built at run time: WGSL rejects NaN and infinity
// in constant expressions, so the bits go through a variable.
fn wg_nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn wg_inf() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
fn wg_neg_inf() -> f32 { var bits = 0xff800000u; return bitcast<f32>(bits); }

// Exponent all ones and a non-zero mantissa, whatever the sign.
fn wg_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }

// `r`, unless `x` is NaN: then `x`. Wraps a computation from `x` whose NaN
// result WGSL does not define, e.g. wg_keep_nan(x, exp(x)).
fn wg_keep_nan(x: f32, r: f32) -> f32 { return select(r, x, wg_isnan(x)); }

// The two NaN rules of the elementwise table (src/kernels/elementwise_table.ts),
// applied by the generated code around each call to a row's function:
// 'propagate' returns the first NaN argument, 'false' returns 0 (a comparison
// with NaN is false, as in IEEE arithmetic).
fn wg_nan_rule1(a: f32, r: f32) -> f32 { return select(r, a, wg_isnan(a)); }
fn wg_nan_rule2(a: f32, b: f32, r: f32) -> f32 { return select(select(r, b, wg_isnan(b)), a, wg_isnan(a)); }
fn wg_nan_false2(a: f32, b: f32, r: f32) -> f32 { return select(r, 0.0, wg_isnan(a) || wg_isnan(b)); }

// Larger of a and b; NaN if either is NaN (WGSL's max of NaN is the driver's choice).
fn wg_max_nan(a: f32, b: f32) -> f32 { return wg_nan_rule2(a, b, max(a, b)); }

// float32 -> int32 as the CPU backend converts: truncated toward zero and
// saturated at the int32 range, NaN -> 0. WGSL's i32() leaves NaN undefined
// (SwiftShader: -2147483648) and saturates at 2147483520, the largest float32
// below 2^31.
fn wg_to_i32(x: f32) -> i32 {
  if (wg_isnan(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  return i32(x);
}
