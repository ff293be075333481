// Variant 6 (candidate, not in the library): matmul.wgsl's body with a 16x16 block per
// invocation (16 mat4x4 accumulators), run with the library loaders:
//   --body bench/kernels/matmul-variants/v6_16x16.wgsl:16x16:4x4
// On SwiftShader (2 vCPUs, loaded machine) about 1.3-1.5x the GFLOP/s of the 8x8 body
// on the MNIST MLP's products, but its pipeline compiles about 3x as long (2-3 s), which
// the time to a first training step cannot afford.
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override K_TAIL: bool = true;
override WG_X: u32 = 4u;
override WG_Y: u32 = 4u;

fn act4(v: vec4<f32>) -> vec4<f32> {
  if (ACT == 0u) { return v; }
  return vec4<f32>(wg_activate(v.x, ACT, dims.alpha), wg_activate(v.y, ACT, dims.alpha),
                   wg_activate(v.z, ACT, dims.alpha), wg_activate(v.w, ACT, dims.alpha));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = dims.M; let N = dims.N; let K = dims.K;
  let BM = WG_Y * 16u; let BN = WG_X * 16u;
  let t = wid.x + wid.y * nwg.x;
  let tilesN = (N + BN - 1u) / BN;
  let tm = t / tilesN; let tn = t % tilesN;
  if (tm * BM >= M) { return; }
  let r0 = tm * BM + lid.y * 16u;
  let c0 = tn * BN + lid.x * 4u;
  let cs = WG_X * 4u;
  var acc00 = mat4x4<f32>(); var acc01 = mat4x4<f32>(); var acc02 = mat4x4<f32>(); var acc03 = mat4x4<f32>(); var acc10 = mat4x4<f32>(); var acc11 = mat4x4<f32>(); var acc12 = mat4x4<f32>(); var acc13 = mat4x4<f32>(); var acc20 = mat4x4<f32>(); var acc21 = mat4x4<f32>(); var acc22 = mat4x4<f32>(); var acc23 = mat4x4<f32>(); var acc30 = mat4x4<f32>(); var acc31 = mat4x4<f32>(); var acc32 = mat4x4<f32>(); var acc33 = mat4x4<f32>();
  let ba0 = a_bases(r0 + 0u); let ba1 = a_bases(r0 + 4u); let ba2 = a_bases(r0 + 8u); let ba3 = a_bases(r0 + 12u);
  let bb0 = b_bases(c0 + 0u * cs); let bb1 = b_bases(c0 + 1u * cs); let bb2 = b_bases(c0 + 2u * cs); let bb3 = b_bases(c0 + 3u * cs);
  var k = 0u;
  for (; k + 4u <= K; k += 4u) {
    let ka = a_koff(k); let kb = b_koff(k);
    let a0 = load_a(ba0, ka); let a1 = load_a(ba1, ka); let a2 = load_a(ba2, ka); let a3 = load_a(ba3, ka);
    let b0 = load_b(bb0, kb); let b1 = load_b(bb1, kb); let b2 = load_b(bb2, kb); let b3 = load_b(bb3, kb);
    acc00 += b0 * a0; acc01 += b1 * a0; acc02 += b2 * a0; acc03 += b3 * a0;
    acc10 += b0 * a1; acc11 += b1 * a1; acc12 += b2 * a1; acc13 += b3 * a1;
    acc20 += b0 * a2; acc21 += b1 * a2; acc22 += b2 * a2; acc23 += b3 * a2;
    acc30 += b0 * a3; acc31 += b1 * a3; acc32 += b2 * a3; acc33 += b3 * a3;
  }
  if (K_TAIL && k < K) {
    let ka = a_koff(k); let kb = b_koff(k);
    let a0 = load_a_tail(ba0, ka, k); let a1 = load_a_tail(ba1, ka, k); let a2 = load_a_tail(ba2, ka, k); let a3 = load_a_tail(ba3, ka, k);
    let b0 = load_b_tail(bb0, kb, k); let b1 = load_b_tail(bb1, kb, k); let b2 = load_b_tail(bb2, kb, k); let b3 = load_b_tail(bb3, kb, k);
    acc00 += b0 * a0; acc01 += b1 * a0; acc02 += b2 * a0; acc03 += b3 * a0;
    acc10 += b0 * a1; acc11 += b1 * a1; acc12 += b2 * a1; acc13 += b3 * a1;
    acc20 += b0 * a2; acc21 += b1 * a2; acc22 += b2 * a2; acc23 += b3 * a2;
    acc30 += b0 * a3; acc31 += b1 * a3; acc32 += b2 * a3; acc33 += b3 * a3;
  }
  var bias = array<vec4<f32>, 4>();
  if (HAS_BIAS) { for (var g = 0u; g < 4u; g++) { bias[g] = load_bias(c0 + g * cs); } }
  var accs = array<mat4x4<f32>, 16>(acc00, acc01, acc02, acc03, acc10, acc11, acc12, acc13, acc20, acc21, acc22, acc23, acc30, acc31, acc32, acc33);
  for (var p = 0u; p < 64u; p++) {
    let blk = p / 4u; let i = p % 4u;
    let g = blk % 4u;
    let r = r0 + (blk / 4u) * 4u + i;
    let c = c0 + g * cs;
    store_c(r, c, epi4(act4(accs[blk][i] + bias[g]), r, c));
  }
}

fn epi4(v: vec4<f32>, r: u32, c: u32) -> vec4<f32> {
  let i = r * dims.N + c;
  return vec4<f32>(wg_epilogue(v.x, i), wg_epilogue(v.y, i + 1u), wg_epilogue(v.z, i + 2u), wg_epilogue(v.w, i + 3u));
}
