// TEMPORARY naive matmul (placeholder until the tuned kernel lands).
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
    let a = select(A[row * dims.K + p], A[p * dims.M + row], TRANS_A);
    let b = select(B[p * dims.N + col], B[col * dims.K + p], TRANS_B);
    acc += a * b;
  }
  if (HAS_BIAS) { acc += bias[col]; }
  C[row * dims.N + col] = wg_epilogue(wg_activate(acc, ACT, dims.alpha), row * dims.N + col);
}
