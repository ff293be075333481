// Activation functions and their derivatives, side by side, for every kernel
// that applies them (the elementwise kernel and the matmul epilogue).
// Derivative functions take the forward input `x` or output `y`, whichever is
// cheaper to have, plus the upstream gradient `dy`, and return dx.
// NaN arguments are dealt with by the caller (the generated code applies the
// NaN rule of each function's row in src/kernels/elementwise_table.ts, and so
// does wg_activate, generated in src/backends/webgpu/wgsl_library.ts); infinities here, where x * 0 would
// otherwise make a NaN of a well-defined limit.

fn wg_sigmoid(x: f32) -> f32 {
  // Two branches so exp never overflows into inf/inf.
  if (x >= 0.0) {
    return 1.0 / (1.0 + exp(-x));
  }
  let e = exp(x);
  return e / (1.0 + e);
}

fn wg_tanh(x: f32) -> f32 {
  // Some drivers compute tanh through exp(2x) and return NaN for large |x|;
  // tanh(15) is 1 in float32 anyway.
  return tanh(clamp(x, -15.0, 15.0));
}

// select, not max(x, 0): relu(-0) stays -0, as the CPU computes it.
fn wg_relu(x: f32) -> f32 { return select(x, 0.0, x < 0.0); }
fn wg_leaky_relu(x: f32, alpha: f32) -> f32 { return select(alpha * x, x, x >= 0.0); }
// swish(-inf) = 0 (the limit), not -inf * 0.
fn wg_swish(x: f32) -> f32 {
  let s = wg_sigmoid(x);
  return select(x * s, 0.0, s == 0.0);
}
fn wg_elu(x: f32, alpha: f32) -> f32 { return select(alpha * (exp(x) - 1.0), x, x >= 0.0); }

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): WGSL has no erf.
fn wg_erf(x: f32) -> f32 {
  let s = sign(x);
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1.0 - p * exp(-a * a));
}

// Exact (erf-based) GELU, as Keras and TensorFlow.js compute it by default.
// gelu(-inf) = 0 (the limit), not -inf * 0.
fn wg_gelu(x: f32) -> f32 {
  let cdf = 0.5 * (1.0 + wg_erf(x * 0.7071067811865476));
  return select(x * cdf, 0.0, cdf == 0.0);
}

fn wg_sigmoid_grad(y: f32, dy: f32) -> f32 { return dy * y * (1.0 - y); }
fn wg_tanh_grad(y: f32, dy: f32) -> f32 { return dy * (1.0 - y * y); }
fn wg_relu_grad(x: f32, dy: f32) -> f32 { return select(0.0, dy, x > 0.0); }
fn wg_leaky_relu_grad(x: f32, dy: f32, alpha: f32) -> f32 { return select(alpha * dy, dy, x > 0.0); }
fn wg_swish_grad(x: f32, dy: f32) -> f32 {
  // At +-inf, s(1 - s) is 0 and x * 0 would be NaN; the limits are dy and 0.
  let s = wg_sigmoid(x);
  let t = select(x * s * (1.0 - s), 0.0, s == 0.0 || s == 1.0);
  return dy * (s + t);
}
fn wg_elu_grad(x: f32, dy: f32, alpha: f32) -> f32 { return select(dy * alpha * exp(x), dy, x > 0.0); }
fn wg_gelu_grad(x: f32, dy: f32) -> f32 {
  let cdf = 0.5 * (1.0 + wg_erf(x * 0.7071067811865476));
  let pdf = 0.3989422804014327 * exp(-0.5 * x * x);
  // At +-inf, pdf is 0 and x * 0 would be NaN; the limits are dy and 0.
  return dy * (cdf + select(x * pdf, 0.0, pdf == 0.0));
}
