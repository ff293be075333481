// Loaders for the scalar path: any M, N, K. Same 4x4 blocks as the vec4 path,
// gathered from scalars, rows and columns clamped into the matrix, and the
// K tail (k >= K) zero-filled.
struct Dims { M: u32, N: u32, K: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;

fn a_at(r: u32, k: u32) -> f32 {
  if (TRANS_A) { return A[k * dims.M + r]; }
  return A[r * dims.K + k];
}
fn b_at(k: u32, c: u32) -> f32 {
  if (TRANS_B) { return B[c * dims.K + k]; }
  return B[k * dims.N + c];
}
fn a_row(r: u32, k: u32) -> vec4<f32> {
  return vec4<f32>(a_at(r, k), a_at(r, k + 1u), a_at(r, k + 2u), a_at(r, k + 3u));
}
fn b_row(k: u32, c: u32) -> vec4<f32> {
  let N1 = dims.N - 1u;
  return vec4<f32>(b_at(k, min(c, N1)), b_at(k, min(c + 1u, N1)), b_at(k, min(c + 2u, N1)), b_at(k, min(c + 3u, N1)));
}
fn load_a(r0: u32, k: u32) -> mat4x4<f32> {
  let M1 = dims.M - 1u;
  return mat4x4<f32>(a_row(min(r0, M1), k), a_row(min(r0 + 1u, M1), k), a_row(min(r0 + 2u, M1), k), a_row(min(r0 + 3u, M1), k));
}
fn load_b(k: u32, c0: u32) -> mat4x4<f32> {
  return mat4x4<f32>(b_row(k, c0), b_row(k + 1u, c0), b_row(k + 2u, c0), b_row(k + 3u, c0));
}
// Tail: k .. k+3 straddles K. Indices clamped to K-1 and the values zeroed in
// both operands, so padding (or an inf in the data) cannot leak in as NaN.
fn load_a_tail(r0: u32, k: u32) -> mat4x4<f32> {
  let live = vec4<u32>(k, k + 1u, k + 2u, k + 3u) < vec4<u32>(dims.K);
  let K1 = dims.K - 1u; let M1 = dims.M - 1u;
  var m: mat4x4<f32>;
  for (var i = 0u; i < 4u; i++) {
    let r = min(r0 + i, M1);
    m[i] = select(vec4<f32>(), vec4<f32>(a_at(r, min(k, K1)), a_at(r, min(k + 1u, K1)), a_at(r, min(k + 2u, K1)), a_at(r, min(k + 3u, K1))), live);
  }
  return m;
}
fn load_b_tail(k: u32, c0: u32) -> mat4x4<f32> {
  let K1 = dims.K - 1u;
  var m: mat4x4<f32>;
  for (var j = 0u; j < 4u; j++) {
    m[j] = select(vec4<f32>(), b_row(min(k + j, K1), c0), k + j < dims.K);
  }
  return m;
}
fn load_bias(c0: u32) -> vec4<f32> {
  let N1 = dims.N - 1u;
  return vec4<f32>(bias[c0], bias[min(c0 + 1u, N1)], bias[min(c0 + 2u, N1)], bias[min(c0 + 3u, N1)]);
}
fn store_c(r: u32, c0: u32, v: vec4<f32>) {
  if (r >= dims.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (c0 + j < dims.N) { C[r * dims.N + c0 + j] = v[j]; }
  }
}
