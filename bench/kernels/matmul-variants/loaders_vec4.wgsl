// Loaders for the vec4 path: A, B and C bound as array<vec4<f32>>. Valid when
// K % 4 == 0, N % 4 == 0 and (TRANS_A => M % 4 == 0), so every vec4 the body
// asks for is either wholly inside or wholly outside the matrix.
struct Dims { M: u32, N: u32, K: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> dims: Dims;

// Column i = A[r0 + i, k .. k+3]; rows past M are clamped (their results are never stored).
fn load_a(r0: u32, k: u32) -> mat4x4<f32> {
  let M = dims.M; let K4 = dims.K / 4u;
  if (TRANS_A) {
    let g = min(r0, M - 4u) / 4u; let M4 = M / 4u;
    return transpose(mat4x4<f32>(A[k * M4 + g], A[(k + 1u) * M4 + g], A[(k + 2u) * M4 + g], A[(k + 3u) * M4 + g]));
  }
  let k4 = k / 4u;
  return mat4x4<f32>(A[min(r0, M - 1u) * K4 + k4], A[min(r0 + 1u, M - 1u) * K4 + k4],
                     A[min(r0 + 2u, M - 1u) * K4 + k4], A[min(r0 + 3u, M - 1u) * K4 + k4]);
}
// Column j = B[k + j, c0 .. c0+3]; c0 is clamped to the last vec4 of the row.
fn load_b(k: u32, c0: u32) -> mat4x4<f32> {
  let N = dims.N; let g = min(c0, N - 4u) / 4u;
  if (TRANS_B) {
    let K4 = dims.K / 4u; let k4 = k / 4u;
    return transpose(mat4x4<f32>(B[(g * 4u) * K4 + k4], B[(g * 4u + 1u) * K4 + k4], B[(g * 4u + 2u) * K4 + k4], B[(g * 4u + 3u) * K4 + k4]));
  }
  let N4 = N / 4u;
  return mat4x4<f32>(B[k * N4 + g], B[(k + 1u) * N4 + g], B[(k + 2u) * N4 + g], B[(k + 3u) * N4 + g]);
}
// K % 4 == 0 here, so the body's K tail never runs.
fn load_a_tail(r0: u32, k: u32) -> mat4x4<f32> { return load_a(r0, k); }
fn load_b_tail(k: u32, c0: u32) -> mat4x4<f32> { return load_b(k, c0); }
fn load_bias(c0: u32) -> vec4<f32> {
  return vec4<f32>(bias[c0], bias[c0 + 1u], bias[c0 + 2u], bias[c0 + 3u]);
}
fn store_c(r: u32, c0: u32, v: vec4<f32>) {
  if (r < dims.M && c0 < dims.N) { C[(r * dims.N + c0) / 4u] = v; }
}
