// Row-wise softmax family over a [rows, cols] view: forward (softmax or
// log-softmax), backward (Jacobian-vector product), and the fused softmax +
// cross-entropy used by training steps. One thread per row; the row maximum is
// subtracted before exp so large logits never overflow.

struct SoftmaxDims { rows: u32, cols: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> dims: SoftmaxDims;

override LOG: bool = false;
// softmax_xent only: write the gradient instead of the loss, and whether the
// loss clips probabilities to [1e-7, 1 - 1e-7] as Keras does.
override GRAD: bool = false;
override CLIP: bool = false;

fn row_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * 64u; }

// Row maximum and log(sum(exp(a - max))): callers form (a - max) - logSum,
// which stays exact for large logits where a - (max + logSum) would round.
fn row_max(base: u32) -> f32 {
  var mx = -3.4028234e38;
  for (var col = 0u; col < dims.cols; col++) { mx = max(mx, a[base + col]); }
  return mx;
}

fn row_log_sum(base: u32, mx: f32) -> f32 {
  var s = 0.0;
  for (var col = 0u; col < dims.cols; col++) { s += exp(a[base + col] - mx); }
  return log(s);
}

// a = logits -> out = softmax(a) or log_softmax(a). (b is unused.)
@compute @workgroup_size(64)
fn softmax_fwd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = row_index(gid, nwg);
  if (r >= dims.rows) { return; }
  let base = r * dims.cols;
  let mx = row_max(base);
  let ls = row_log_sum(base, mx);
  for (var col = 0u; col < dims.cols; col++) {
    let l = (a[base + col] - mx) - ls;
    out[base + col] = select(exp(l), l, LOG);
  }
}

// a = y (softmax output, or log-softmax output when LOG), b = dy -> dx.
@compute @workgroup_size(64)
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
    out[base + col] = select(y * (dy - dot), dy - exp(y) * dot, LOG);
  }
}

// a = logits, b = one-hot labels, c = upstream gradient per row.
// Forward (GRAD = false): out[r] = row loss. Backward: out = (softmax(a) - b) * c[r].
@compute @workgroup_size(64)
fn softmax_xent(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = row_index(gid, nwg);
  if (r >= dims.rows) { return; }
  let base = r * dims.cols;
  let mx = row_max(base);
  let ls = row_log_sum(base, mx);
  if (GRAD) {
    for (var col = 0u; col < dims.cols; col++) {
      out[base + col] = (exp((a[base + col] - mx) - ls) - b[base + col]) * c[r];
    }
  } else {
    var loss = 0.0;
    for (var col = 0u; col < dims.cols; col++) {
      var logp = (a[base + col] - mx) - ls;
      if (CLIP) { logp = log(clamp(exp(logp), 1e-7, 1.0 - 1e-7)); }
      loss -= b[base + col] * logp;
    }
    out[r] = loss;
  }
}
