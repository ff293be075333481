// Scalar functions behind the elementwise ops (activations are in
// activations.wgsl). The elementwise kernel calls these by name; one fused
// kernel may chain any number of them.
//
// NaN arguments are handled outside these functions: the generated code wraps
// each call in the NaN rule of the op's row in src/kernels/elementwise_table.ts
// (shaders/nonfinite.wgsl), so e.g. wg_maximum may use WGSL's max, whose
// result for NaN is undefined. Infinities are handled here, where a formula
// would otherwise turn them into NaN.

fn wg_identity(x: f32) -> f32 { return x; }
fn wg_neg(x: f32) -> f32 { return -x; }
fn wg_exp(x: f32) -> f32 { return exp(x); }
fn wg_log(x: f32) -> f32 {
  // log(0) = -inf and log(<0) = NaN, as in IEEE arithmetic; some drivers
  // return garbage for non-positive inputs, so spell the cases out.
  if (x < 0.0) { return wg_nan(); }
  if (x == 0.0) { return wg_neg_inf(); }
  if (x == wg_inf()) { return x; }
  return log(x);
}
// sqrt of a negative number is undefined in WGSL; IEEE says NaN.
fn wg_sqrt(x: f32) -> f32 { if (x < 0.0) { return wg_nan(); } return sqrt(x); }
fn wg_square(x: f32) -> f32 { return x * x; }
fn wg_abs(x: f32) -> f32 { return abs(x); }
fn wg_sign(x: f32) -> f32 { return sign(x); }
fn wg_reciprocal(x: f32) -> f32 { return 1.0 / x; }
fn wg_clip(x: f32, lo: f32, hi: f32) -> f32 { return min(max(x, lo), hi); }
fn wg_clip_grad(x: f32, dy: f32, lo: f32, hi: f32) -> f32 { return select(0.0, dy, x >= lo && x <= hi); }

fn wg_add(a: f32, b: f32) -> f32 { return a + b; }
fn wg_sub(a: f32, b: f32) -> f32 { return a - b; }
fn wg_mul(a: f32, b: f32) -> f32 { return a * b; }
fn wg_div(a: f32, b: f32) -> f32 { return a / b; }
fn wg_maximum(a: f32, b: f32) -> f32 { return max(a, b); }
fn wg_minimum(a: f32, b: f32) -> f32 { return min(a, b); }
fn wg_equal(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a == b); }
fn wg_greater(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a > b); }
fn wg_greater_equal(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a >= b); }
fn wg_less(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a < b); }
fn wg_less_equal(a: f32, b: f32) -> f32 { return select(0.0, 1.0, a <= b); }
