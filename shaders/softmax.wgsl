// Row-wise softmax family over a [rows, cols] view: forward (softmax or
// log-softmax), backward (Jacobian-vector product), and the fused softmax +
// cross-entropy used by training steps. One thread per row; the row maximum is
// subtracted before exp so large logits never overflow.

struct SoftmaxDims { rows: u32, cols: u32, scale: f32, pad: u32 }

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> dims: SoftmaxDims;

override LOG: bool = false;
// softmax_xent only: write the gradient instead of the loss.
override GRAD: bool = false;

fn row_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * 64u; }

fn row_log_sum_exp(base: u32) -> f32 {
  var mx = -3.4028234e38;
  for (var c = 0u; c < dims.cols; c++) { mx = max(mx, a[base + c]); }
  var s = 0.0;
  for (var c = 0u; c < dims.cols; c++) { s += exp(a[base + c] - mx); }
  return mx + log(s);
}

// a = logits -> out = softmax(a) or log_softmax(a). (b is unused.)
@compute @workgroup_size(64)
fn softmax_fwd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = row_index(gid, nwg);
  if (r >= dims.rows) { return; }
  let base = r * dims.cols;
  let lse = row_log_sum_exp(base);
  for (var c = 0u; c < dims.cols; c++) {
    let l = a[base + c] - lse;
    out[base + c] = select(exp(l), l, LOG);
  }
}

// a = y (softmax output, or log-softmax output when LOG), b = dy -> dx.
@compute @workgroup_size(64)
fn softmax_bwd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = row_index(gid, nwg);
  if (r >= dims.rows) { return; }
  let base = r * dims.cols;
  var dot = 0.0;
  for (var c = 0u; c < dims.cols; c++) {
    dot += select(b[base + c] * a[base + c], b[base + c], LOG);
  }
  for (var c = 0u; c < dims.cols; c++) {
    let y = a[base + c];
    let dy = b[base + c];
    out[base + c] = select(y * (dy - dot), dy - exp(y) * dot, LOG);
  }
}

// a = logits, b = one-hot labels. Forward (GRAD = false): out[r] = row loss.
// Backward (GRAD = true): out = (softmax(a) - b) * scale.
@compute @workgroup_size(64)
fn softmax_xent(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = row_index(gid, nwg);
  if (r >= dims.rows) { return; }
  let base = r * dims.cols;
  let lse = row_log_sum_exp(base);
  if (GRAD) {
    for (var c = 0u; c < dims.cols; c++) {
      out[base + c] = (exp(a[base + c] - lse) - b[base + c]) * dims.scale;
    }
  } else {
    var loss = 0.0;
    for (var c = 0u; c < dims.cols; c++) { loss -= b[base + c] * (a[base + c] - lse); }
    out[r] = loss;
  }
}
