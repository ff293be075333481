// Variant 1: naive, one output per invocation, scalar loads. Baseline.
struct Dims { M: u32, N: u32, K: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y; let col = gid.x;
  if (row >= dims.M || col >= dims.N) { return; }
  var acc = 0.0;
  for (var p = 0u; p < dims.K; p++) {
    var a: f32; var b: f32;
    if (TRANS_A) { a = A[p * dims.M + row]; } else { a = A[row * dims.K + p]; }
    if (TRANS_B) { b = B[col * dims.K + p]; } else { b = B[p * dims.N + col]; }
    acc += a * b;
  }
  if (HAS_BIAS) { acc += bias[col]; }
  C[row * dims.N + col] = wg_activate(acc, ACT, dims.alpha);
}
