// Variant 2: 4x4 outputs per invocation as a contiguous block, vec4 loads
// along K (A) and N (B). Needs K%4==0 and N%4==0 (no transposes supported).
struct Dims { M: u32, N: u32, K: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = dims.M; let N = dims.N; let K = dims.K;
  let r0 = gid.y * 4u; let c0 = gid.x * 4u;
  if (r0 >= M || c0 >= N) { return; }
  let K4 = K / 4u; let N4 = N / 4u;
  let ra = min(r0, M - 1u) * K4; let rb = min(r0 + 1u, M - 1u) * K4;
  let rc = min(r0 + 2u, M - 1u) * K4; let rd = min(r0 + 3u, M - 1u) * K4;
  var acc0 = vec4<f32>(); var acc1 = vec4<f32>(); var acc2 = vec4<f32>(); var acc3 = vec4<f32>();
  let cb = c0 / 4u;
  for (var k = 0u; k < K4; k++) {
    let b0 = B[(4u * k) * N4 + cb]; let b1 = B[(4u * k + 1u) * N4 + cb];
    let b2 = B[(4u * k + 2u) * N4 + cb]; let b3 = B[(4u * k + 3u) * N4 + cb];
    let a0 = A[ra + k]; let a1 = A[rb + k]; let a2 = A[rc + k]; let a3 = A[rd + k];
    acc0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
    acc1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
    acc2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
    acc3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
  }
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let r = r0 + i;
    if (r < M) {
      for (var j = 0u; j < 4u; j++) {
        var v = accs[i][j];
        if (HAS_BIAS) { v += bias[c0 + j]; }
        C[r * N + c0 + j] = wg_activate(v, ACT, dims.alpha);
      }
    }
  }
}
