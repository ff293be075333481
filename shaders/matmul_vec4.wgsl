// Matmul loaders, vec4 path: A, B, C bound as array<vec4<f32>>. Used (by
// matmul_program.ts) only when K % 4 == 0, N % 4 == 0 and TRANS_A => M % 4 == 0,
// so every vec4 asked for is wholly inside or wholly outside its matrix.
// Followed by matmul.wgsl (the body), which documents the loader contract.
// Bindings: matmul_bindings.wgsl, with A, B and C as vec4s.
alias MatmulElement = vec4<f32>;

// Indices of the 4 vec4s making the A block of rows r0..r0+3 at k = 0.
fn a_bases(r0: u32) -> vec4<u32> {
  let M = dims.M;
  if (TRANS_A) { let M4 = M / 4u; return vec4<u32>(0u, M4, 2u * M4, 3u * M4) + min(r0, M - 4u) / 4u; }
  return min(vec4<u32>(r0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(M - 1u)) * (dims.K / 4u);
}
fn a_koff(k: u32) -> u32 { return select(k / 4u, k * (dims.M / 4u), TRANS_A); }
// Column i = A[r0 + i, k .. k+3].
fn load_a(b: vec4<u32>, o: u32) -> mat4x4<f32> {
  let m = mat4x4<f32>(A[b.x + o], A[b.y + o], A[b.z + o], A[b.w + o]);
  if (TRANS_A) { return transpose(m); }
  return m;
}
fn b_bases(c0: u32) -> vec4<u32> {
  let g = min(c0, dims.N - 4u) / 4u;
  if (TRANS_B) { return (vec4<u32>(g * 4u) + vec4<u32>(0u, 1u, 2u, 3u)) * (dims.K / 4u); }
  let N4 = dims.N / 4u;
  return vec4<u32>(0u, N4, 2u * N4, 3u * N4) + g;
}
fn b_koff(k: u32) -> u32 { return select(k * (dims.N / 4u), k / 4u, TRANS_B); }
// Column j = B[k + j, c0 .. c0+3].
fn load_b(b: vec4<u32>, o: u32) -> mat4x4<f32> {
  let m = mat4x4<f32>(B[b.x + o], B[b.y + o], B[b.z + o], B[b.w + o]);
  if (TRANS_B) { return transpose(m); }
  return m;
}
// K % 4 == 0 here, so the body's K tail never runs.
fn load_a_tail(b: vec4<u32>, o: u32, k: u32) -> mat4x4<f32> { return load_a(b, o); }
fn load_b_tail(b: vec4<u32>, o: u32, k: u32) -> mat4x4<f32> { return load_b(b, o); }
fn load_bias(c0: u32) -> vec4<f32> {
  let c = min(c0, dims.N - 4u);
  return vec4<f32>(bias[c], bias[c + 1u], bias[c + 2u], bias[c + 3u]);
}
fn store_c(r: u32, c0: u32, v: vec4<f32>) {
  if (r < dims.M && c0 < dims.N) { C[(r * dims.N + c0) / 4u] = v; }
}
