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

// pow(a, b) as TensorFlow.js computes it (JavaScript's Math.pow): a negative
// base takes an integer exponent (pow(-2, 3) = -8) and gives NaN for any
// other (pow(-2, 0.5)); pow(x, 0) = 1; pow(+-1, +-inf) = NaN. exp2(b log2 |a|)
// alone is undefined for a <= 0 in WGSL, so zeros, infinities and the sign
// are spelled out, and the exponent of 2 is bounded before exp2 sees it.
fn wg_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (b == 1.0) { return a; }
  let m = abs(a);
  let infiniteB = abs(b) == wg_inf();
  if (m == 1.0 && infiniteB) { return wg_nan(); }
  var r: f32;
  if (m == wg_inf()) {
    r = select(0.0, wg_inf(), b > 0.0);
  } else if (m == 0.0) {
    r = select(wg_inf(), 0.0, b > 0.0);
  } else if (infiniteB) {
    r = select(0.0, wg_inf(), (m > 1.0) == (b > 0.0));
  } else {
    let e = b * log2(m);
    if (e > 128.0) { r = wg_inf(); } else if (e < -160.0) { r = 0.0; } else { r = exp2(e); }
  }
  // The sign bit, so that -0 counts as negative: pow(-0, -1) = -inf.
  if ((bitcast<u32>(a) & 0x80000000u) == 0u || infiniteB) { return r; }
  if (floor(b) != b) {
    // A fractional power of a negative number: NaN, except at -0 and -inf.
    if (m == 0.0 || m == wg_inf()) { return r; }
    return wg_nan();
  }
  // Odd integer exponent: negative result. Floats of 2^24 and more are even.
  let odd = abs(b) < 16777216.0 && fract(b * 0.5) != 0.0;
  return select(r, -r, odd);
}

// sin and cos, range-reduced here because WGSL only bounds the builtins'
// error on [-pi, pi] (and loosely: 2^-11). x = k pi/2 + r with |r| <= pi/4,
// then a Taylor polynomial of r (error < 2e-9 there). pi/2 is split into six
// pieces of 8 significant bits and a last one of 24 (Cody and Waite), so
// k * piece is exact for k < 2^16 and r keeps its float32 precision for
// |x| <= WG_TRIG_LIMIT = 1e5; beyond, where float32 cannot reduce
// accurately, the result is NaN (as the CPU twin, elementwise_table.ts).
const WG_TRIG_LIMIT = 1e5;
fn wg_trig_reduce(x: f32) -> vec2<f32> {
  let k = round(x * 0.6366197723675814);
  var r = x - k * 1.5703125;
  r = r - k * 0.0004825592041015625;
  r = r - k * 0.0000012665987014770508;
  r = r - k * 9.89530235528946e-10;
  r = r - k * 2.5579538487363607e-12;
  r = r - k * 5.384581669432009e-15;
  r = r - k * 5.721188916458728e-18;
  return vec2<f32>(r, k - 4.0 * floor(k * 0.25));
}
fn wg_sin_poly(r: f32) -> f32 {
  let r2 = r * r;
  return r + r * r2 * (-0.16666666666666666 + r2 * (0.008333333333333333 + r2 * (-0.0001984126984126984 + r2 * 2.7557319223985893e-6)));
}
fn wg_cos_poly(r: f32) -> f32 {
  let r2 = r * r;
  return 1.0 + r2 * (-0.5 + r2 * (0.041666666666666664 + r2 * (-0.001388888888888889 + r2 * (2.48015873015873e-5 + r2 * -2.755731922398589e-7))));
}
// sin(x) by quadrant q of x: sin r, cos r, -sin r, -cos r; cos(x) is sin(x + pi/2).
fn wg_trig(x: f32, shift: f32) -> f32 {
  if (!(abs(x) <= WG_TRIG_LIMIT)) { return wg_nan(); }
  let rq = wg_trig_reduce(x);
  let q = rq.y + shift - 4.0 * floor((rq.y + shift) * 0.25);
  let s = wg_sin_poly(rq.x);
  let c = wg_cos_poly(rq.x);
  if (q == 0.0) { return s; }
  if (q == 1.0) { return c; }
  if (q == 2.0) { return -s; }
  return -c;
}
fn wg_sin(x: f32) -> f32 { return wg_trig(x, 0.0); }
fn wg_cos(x: f32) -> f32 { return wg_trig(x, 1.0); }
