// Variant 3: TM rows x 4 columns per invocation, columns strided by WG_X so
// neighbouring invocations read neighbouring B words (coalesced on GPUs,
// one vector load per SIMD group on SwiftShader) and share A words
// (broadcast). Scalar loads: works for every shape and transpose.
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
override WG_X: u32 = 16u;
override WG_Y: u32 = 4u;
fn a_at(r: u32, k: u32) -> f32 {
  if (TRANS_A) { return A[k * dims.M + r]; }
  return A[r * dims.K + k];
}
fn b_at(k: u32, c: u32) -> f32 {
  if (TRANS_B) { return B[c * dims.K + k]; }
  return B[k * dims.N + c];
}
@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = dims.M; let N = dims.N; let K = dims.K;
  let r0 = (wid.y * WG_Y + lid.y) * 4u;
  let cbase = wid.x * WG_X * 4u + lid.x;
  if (r0 >= M || cbase >= N) { return; }
  let ra = min(r0, M - 1u); let rb = min(r0 + 1u, M - 1u);
  let rc = min(r0 + 2u, M - 1u); let rd = min(r0 + 3u, M - 1u);
  let c0 = cbase; let c1 = min(cbase + WG_X, N - 1u);
  let c2 = min(cbase + 2u * WG_X, N - 1u); let c3 = min(cbase + 3u * WG_X, N - 1u);
  var acc0 = vec4<f32>(); var acc1 = vec4<f32>(); var acc2 = vec4<f32>(); var acc3 = vec4<f32>();
  for (var k = 0u; k < K; k++) {
    let b = vec4<f32>(b_at(k, c0), b_at(k, c1), b_at(k, c2), b_at(k, c3));
    acc0 += a_at(ra, k) * b;
    acc1 += a_at(rb, k) * b;
    acc2 += a_at(rc, k) * b;
    acc3 += a_at(rd, k) * b;
  }
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let r = r0 + i;
    if (r < M) {
      for (var j = 0u; j < 4u; j++) {
        let c = cbase + j * WG_X;
        if (c < N) {
          var v = accs[i][j];
          if (HAS_BIAS) { v += bias[c]; }
          C[r * N + c] = wg_activate(v, ACT, dims.alpha);
        }
      }
    }
  }
}
