// Matmul body: C = act(op(A) · op(B) + bias), float32, row-major.
// Used as activations.wgsl + matmul_vec4.wgsl or matmul_scalar.wgsl (the
// loaders, which declare the bindings and `dims`) + this file; the descriptor
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

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
// Threads per workgroup along N (x) and M (y); a workgroup covers
// (8 * WG_Y) rows x (8 * WG_X) columns. The descriptor must use the same values.
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

fn act4(v: vec4<f32>) -> vec4<f32> {
  if (ACT == 0u) { return v; }
  return vec4<f32>(wg_activate(v.x, ACT, dims.alpha), wg_activate(v.y, ACT, dims.alpha),
                   wg_activate(v.z, ACT, dims.alpha), wg_activate(v.w, ACT, dims.alpha));
}

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

  // Main loop, unrolled to 8 along K (fewer loop-control instructions per FMA;
  // measurably faster on SwiftShader).
  var k = 0u;
  for (; k + 8u <= K; k += 8u) {
    {
      let ka = a_koff(k); let kb = b_koff(k);
      let a0 = load_a(ba0, ka); let a1 = load_a(ba1, ka);
      let b0 = load_b(bb0, kb); let b1 = load_b(bb1, kb);
      acc00 += b0 * a0; acc01 += b1 * a0;
      acc10 += b0 * a1; acc11 += b1 * a1;
    }
    {
      let ka = a_koff(k + 4u); let kb = b_koff(k + 4u);
      let a0 = load_a(ba0, ka); let a1 = load_a(ba1, ka);
      let b0 = load_b(bb0, kb); let b1 = load_b(bb1, kb);
      acc00 += b0 * a0; acc01 += b1 * a0;
      acc10 += b0 * a1; acc11 += b1 * a1;
    }
  }
  // The last 1..7 values of K, 4 at a time; a partial block takes the tail loaders.
  for (; k < K; k += 4u) {
    let ka = a_koff(k); let kb = b_koff(k);
    var a0: mat4x4<f32>; var a1: mat4x4<f32>; var b0: mat4x4<f32>; var b1: mat4x4<f32>;
    if (k + 4u <= K) {
      a0 = load_a(ba0, ka); a1 = load_a(ba1, ka);
      b0 = load_b(bb0, kb); b1 = load_b(bb1, kb);
    } else {
      a0 = load_a_tail(ba0, ka, k); a1 = load_a_tail(ba1, ka, k);
      b0 = load_b_tail(bb0, kb, k); b1 = load_b_tail(bb1, kb, k);
    }
    acc00 += b0 * a0; acc01 += b1 * a0;
    acc10 += b0 * a1; acc11 += b1 * a1;
  }

  // Epilogue: bias (the loader clamps the read; columns past N are not stored).
  var bias0 = vec4<f32>(); var bias1 = vec4<f32>();
  if (HAS_BIAS) { bias0 = load_bias(c0); bias1 = load_bias(c1); }
  store_block(r0, c0, acc00, bias0); store_block(r0, c1, acc01, bias1);
  store_block(r0 + 4u, c0, acc10, bias0); store_block(r0 + 4u, c1, acc11, bias1);
}

// Constant indices only: a dynamically indexed accumulator would push it out
// of registers on some compilers (SwiftShader among them).
fn store_block(r: u32, c: u32, m: mat4x4<f32>, b: vec4<f32>) {
  store_c(r, c, epi4(act4(m[0] + b), r, c));
  store_c(r + 1u, c, epi4(act4(m[1] + b), r + 1u, c));
  store_c(r + 2u, c, epi4(act4(m[2] + b), r + 2u, c));
  store_c(r + 3u, c, epi4(act4(m[3] + b), r + 3u, c));
}

// The scheduler's fused elementwise epilogue, `wg_epilogue(value, flat index)`,
// is generated per kernel and appended to this source (identity when nothing
// is fused). Lanes past N compute garbage that store_c never writes.
fn epi4(v: vec4<f32>, r: u32, c: u32) -> vec4<f32> {
  let i = r * dims.N + c;
  return vec4<f32>(wg_epilogue(v.x, i), wg_epilogue(v.y, i + 1u), wg_epilogue(v.z, i + 2u), wg_epilogue(v.w, i + 3u));
}
