// Matmul loaders, scalar path (any M, N, K): the fallback when the vec4 path
// does not fit. Same 4x4 blocks gathered from scalars, rows and columns clamped
// into the matrix, the K tail zero-filled. Followed by matmul.wgsl (the body).
// Bindings: matmul_bindings.wgsl, with A, B and C as scalars.
alias MatmulElement = f32;

// Element (row i, k + kk) of an A block sits at bases[i] + koff + kk * a_kstep().
fn a_kstep() -> u32 { return select(1u, dims.M, TRANS_A); }
fn a_bases(r0: u32) -> vec4<u32> {
  let r = min(vec4<u32>(r0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(dims.M - 1u));
  return select(r * dims.K, r, TRANS_A);
}
fn a_koff(k: u32) -> u32 { return k * a_kstep(); }
fn a_row(base: u32, s: u32) -> vec4<f32> { return vec4<f32>(A[base], A[base + s], A[base + 2u * s], A[base + 3u * s]); }
fn load_a(b: vec4<u32>, o: u32) -> mat4x4<f32> {
  let s = a_kstep();
  return mat4x4<f32>(a_row(b.x + o, s), a_row(b.y + o, s), a_row(b.z + o, s), a_row(b.w + o, s));
}
// Element (k + kk, column j) of a B block sits at bases[j] + koff + kk * b_kstep().
fn b_kstep() -> u32 { return select(dims.N, 1u, TRANS_B); }
fn b_bases(c0: u32) -> vec4<u32> {
  let c = min(vec4<u32>(c0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(dims.N - 1u));
  return select(c, c * dims.K, TRANS_B);
}
fn b_koff(k: u32) -> u32 { return k * b_kstep(); }
fn load_b(b: vec4<u32>, o: u32) -> mat4x4<f32> {
  let s = b_kstep();
  return mat4x4<f32>(vec4<f32>(B[b.x + o], B[b.y + o], B[b.z + o], B[b.w + o]),
                     vec4<f32>(B[b.x + o + s], B[b.y + o + s], B[b.z + o + s], B[b.w + o + s]),
                     vec4<f32>(B[b.x + o + 2u * s], B[b.y + o + 2u * s], B[b.z + o + 2u * s], B[b.w + o + 2u * s]),
                     vec4<f32>(B[b.x + o + 3u * s], B[b.y + o + 3u * s], B[b.z + o + 3u * s], B[b.w + o + 3u * s]));
}
// Tail: k .. k+3 straddles K. Reads clamped to k = K-1 and zeroed past K in
// both operands, so buffer padding (or an inf in the data) cannot leak in.
fn load_a_tail(b: vec4<u32>, o: u32, k: u32) -> mat4x4<f32> {
  let s = a_kstep();
  let kk = min(vec4<u32>(k) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(dims.K - 1u)) - vec4<u32>(k);
  let live = vec4<u32>(k) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(dims.K);
  var m: mat4x4<f32>;
  for (var i = 0u; i < 4u; i++) {
    let p = b[i] + o;
    m[i] = select(vec4<f32>(), vec4<f32>(A[p + kk.x * s], A[p + kk.y * s], A[p + kk.z * s], A[p + kk.w * s]), live);
  }
  return m;
}
fn load_b_tail(b: vec4<u32>, o: u32, k: u32) -> mat4x4<f32> {
  let s = b_kstep();
  var m: mat4x4<f32>;
  for (var j = 0u; j < 4u; j++) {
    let d = min(k + j, dims.K - 1u) - k;
    let v = vec4<f32>(B[b.x + o + d * s], B[b.y + o + d * s], B[b.z + o + d * s], B[b.w + o + d * s]);
    m[j] = select(vec4<f32>(), v, k + j < dims.K);
  }
  return m;
}
fn load_bias(c0: u32) -> vec4<f32> {
  let N1 = dims.N - 1u;
  return vec4<f32>(bias[min(c0, N1)], bias[min(c0 + 1u, N1)], bias[min(c0 + 2u, N1)], bias[min(c0 + 3u, N1)]);
}
fn store_c(r: u32, c0: u32, v: vec4<f32>) {
  if (r >= dims.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (c0 + j < dims.N) { C[r * dims.N + c0 + j] = v[j]; }
  }
}
