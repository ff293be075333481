// Row-wise softmax family over a [rows, cols] view: forward (softmax or
// log-softmax), backward (Jacobian-vector product), and the fused softmax +
// cross-entropy used by training steps. One thread per row; the row maximum is
// subtracted before exp so large logits never overflow.
// NaN in a row makes the row's results NaN (and a NaN loss), as on the CPU:
// the row maximum keeps NaN and every exp/log/clamp of a value that may be
// NaN is wrapped in wg_keep_nan (shaders/nonfinite.wgsl), since WGSL's
// exp(NaN) or max(x, NaN) may be anything (exp(NaN) = inf on SwiftShader).

struct SoftmaxDims { rows: u32, cols: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> dims: SoftmaxDims;

override LOG: bool = false;
// softmax_xent only: write the gradient instead of the loss, and whether the
// loss clips probabilities to [EPS, 1 - EPS] as Keras does.
override GRAD: bool = false;
override CLIP: bool = false;
// Set by the TypeScript (programs.ts): invocations per workgroup, with which
// it sizes the grid, and the clip epsilon (kernel_spec.ts' CLIP_EPSILON).
override WG: u32;
override EPS: f32;

fn row_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// Row maximum and log(sum(exp(a - max))): callers form (a - max) - logSum,
// which stays exact for large logits where a - (max + logSum) would round.
// A row of -inf gives -inf - -inf = NaN, as on the CPU (softmax is undefined there).
fn row_max(base: u32) -> f32 {
  var mx = wg_neg_inf();
  for (var col = 0u; col < dims.cols; col++) { mx = wg_max_nan(mx, a[base + col]); }
  return mx;
}

fn exp_nan(x: f32) -> f32 { return wg_keep_nan(x, exp(x)); }

fn row_log_sum(base: u32, mx: f32) -> f32 {
  var s = 0.0;
  for (var col = 0u; col < dims.cols; col++) { s += exp_nan(a[base + col] - mx); }
  // s is NaN or in [1, cols]: exp(0) = 1 for the maximum.
  return wg_keep_nan(s, log(s));
}

// a = logits -> out = softmax(a) or log_softmax(a). (b is unused.)
@compute @workgroup_size(WG)
fn softmax_fwd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = row_index(gid, nwg);
  if (r >= dims.rows) { return; }
  let base = r * dims.cols;
  let mx = row_max(base);
  let ls = row_log_sum(base, mx);
  for (var col = 0u; col < dims.cols; col++) {
    let l = (a[base + col] - mx) - ls;
    out[base + col] = select(exp_nan(l), l, LOG);
  }
}

// a = y (softmax output, or log-softmax output when LOG), b = dy -> dx.
@compute @workgroup_size(WG)
fn softmax_bwd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = row_index(gid, nwg);
  if (r >= dims.rows) { return; }
  let base = r * dims.cols;
  var dot = 0.0;
  for (var col = 0u; col < dims.cols; col++) {
    dot += select(b[base + col] * a[base + col], b[base + col], LOG);
  }
  for (var col = 0u; col < dims.cols; col++) {
    let y = a[base + col];
    let dy = b[base + col];
    out[base + col] = select(y * (dy - dot), dy - exp_nan(y) * dot, LOG);
  }
}

// a = logits, b = one-hot labels, c = upstream gradient per row.
// Forward (GRAD = false): out[r] = row loss. Backward: out = (softmax(a) - b) * c[r].
@compute @workgroup_size(WG)
fn softmax_xent(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = row_index(gid, nwg);
  if (r >= dims.rows) { return; }
  let base = r * dims.cols;
  let mx = row_max(base);
  let ls = row_log_sum(base, mx);
  if (GRAD) {
    for (var col = 0u; col < dims.cols; col++) {
      out[base + col] = (exp_nan((a[base + col] - mx) - ls) - b[base + col]) * c[r];
    }
  } else {
    var loss = 0.0;
    for (var col = 0u; col < dims.cols; col++) {
      var logp = (a[base + col] - mx) - ls;
      if (CLIP) { logp = wg_keep_nan(logp, log(clamp(exp(logp), EPS, 1.0 - EPS))); }
      // A class labelled 0 adds nothing, even where its log-probability is
      // -inf (a -inf logit, or one that far below the maximum): 0 * -inf
      // would be NaN. NaN never hides here: it makes the whole row's logp NaN,
      // the labelled class's included, and a NaN label is not 0.
      let y = b[base + col];
      loss -= select(y * logp, 0.0, y == 0.0 && !wg_isnan(y));
    }
    out[r] = loss;
  }
}
