// Matmul body: C = act(op(A) · op(B) + bias), float32, row-major.
// Used as activations.wgsl + matmul_vec4.wgsl or matmul_scalar.wgsl (the
// loaders, which declare the bindings and `dims`) + matmul_common.wgsl (the
// overrides and the epilogue, store_block) + this file; the descriptor
// is src/backends/webgpu/matmul_program.ts, the variants that chose it
// bench/kernels/matmul-variants.mjs.
//
// Loader contract (4x4 blocks as mat4x4, so one `b * a` is 64 FMAs):
//   a_bases(r0) / a_koff(k): precomputed indices of the A block at rows r0..r0+3
//   load_a(bases, koff)   -> column i = A[r0 + i, k .. k+3]
//   b_bases(c0) / b_koff(k), load_b(bases, koff) -> column j = B[k + j, c0 .. c0+3]
//   load_*_tail(..., k)   -> the same with k + j >= K read as 0 (K % 4 != 0)
//   load_bias(c0) -> bias[c0 .. c0+3], store_c(r, c0, v) -> masked store of one row piece.
// Rows/columns past M/N are clamped by the loaders and never stored, so the
// inner loop has no bounds branches.
//
// Each invocation owns an 8x8 block of C: rows r0..r0+7 and two groups of 4
// columns, WG_X * 4 columns apart, so neighbouring invocations read
// neighbouring 16-byte pieces of B (coalesced on GPUs) and the same A words.
// 16 accumulators of 4 floats: register blocking that stays within GPU
// register files. No workgroup memory: on SwiftShader barriers cost more than
// they save, and on GPUs the L1 cache serves the reuse inside a workgroup.

// Overrides, act4 and the epilogue (store_block): matmul_common.wgsl.

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = dims.M; let N = dims.N; let K = dims.K;
  let BM = WG_Y * 8u; let BN = WG_X * 8u;
  // Tiles are numbered linearly and the grid may be spread over x and y (at
  // most 65535 workgroups per dimension); the excess workgroups leave here.
  let t = wid.x + wid.y * nwg.x;
  let tilesN = (N + BN - 1u) / BN;
  let tm = t / tilesN; let tn = t % tilesN;
  if (tm * BM >= M) { return; }
  let r0 = tm * BM + lid.y * 8u;
  let c0 = tn * BN + lid.x * 4u;
  let c1 = c0 + WG_X * 4u;

  // acc<q><g>: rows r0 + 4q .. +3 (column i of the matrix = row r0 + 4q + i),
  // columns of group g.
  var acc00 = mat4x4<f32>(); var acc01 = mat4x4<f32>();
  var acc10 = mat4x4<f32>(); var acc11 = mat4x4<f32>();
  let ba0 = a_bases(r0); let ba1 = a_bases(r0 + 4u);
  let bb0 = b_bases(c0); let bb1 = b_bases(c1);

  // Main loop, one 4-deep block of K per iteration, and one copy of the
  // block: on SwiftShader, compile time grows with every copy (unrolling to
  // 8 and a separate full-block path in the tail made this kernel compile
  // about 4x slower, 1.3 s, for no measurable speed at run time).
  var k = 0u;
  for (; k + 4u <= K; k += 4u) {
    let ka = a_koff(k); let kb = b_koff(k);
    let a0 = load_a(ba0, ka); let a1 = load_a(ba1, ka);
    let b0 = load_b(bb0, kb); let b1 = load_b(bb1, kb);
    acc00 += b0 * a0; acc01 += b1 * a0;
    acc10 += b0 * a1; acc11 += b1 * a1;
  }
  // The last 1..3 values of K (K_TAIL, scalar loaders only), through the tail
  // loaders, which read what lies past K as 0.
  if (K_TAIL && k < K) {
    let ka = a_koff(k); let kb = b_koff(k);
    let a0 = load_a_tail(ba0, ka, k); let a1 = load_a_tail(ba1, ka, k);
    let b0 = load_b_tail(bb0, kb, k); let b1 = load_b_tail(bb1, kb, k);
    acc00 += b0 * a0; acc01 += b1 * a0;
    acc10 += b0 * a1; acc11 += b1 * a1;
  }

  store_block(r0, c0, c1, array<mat4x4<f32>, 4>(acc00, acc01, acc10, acc11));
}
