// Variant 8 (candidate, not in the library): shaders/matmul_quad.wgsl with a 16x8 block per
// invocation (8x4 invocations, the same 64x64 tiles): each lane loads two A blocks and one B block.
//   --body bench/kernels/matmul-variants/v8_quad16x8.wgsl:16x8:8x4
// Node/Dawn: kernels about as fast as the 8x8 quad kernel, the MLP step 20-27% faster than
// matmul.wgsl (8x8 quad: 24-33%), compile ~1.1x matmul.wgsl (8x8 quad: ~0.75x). In Chromium two
// alternating bench runs were too noisy (load 3-6) to tell it from the 8x8 quad kernel.
enable subgroups;
// Matmul body for subgroups of exactly 4 invocations (SwiftShader: its SIMD
// width): the register-blocked kernel of matmul.wgsl (same loaders, same
// 64x64 workgroup tiles and epilogue) with a 16x8 block per invocation, and
// the 4 lanes of a subgroup form a 2x2 square of blocks that share their
// loads. The two lanes of a row pair need the same A blocks, the two of a
// column pair the same B blocks: each lane loads two of the four 4x4 A blocks
// and one of the two B blocks (12 vec4s per 4 values of K instead of 24) and
// gets the others from its neighbours by quad swaps. On SwiftShader
// every storage load with a per-invocation index is a 4-lane gather, while a
// quad swap is one register swizzle. 16x8 rather than matmul.wgsl's 8x8:
// half the loads again per multiply-add for about 1.5x its compile time;
// 16x16 (bench/kernels/matmul-variants/v6, v7) compiles 4x as long.
// Measured with bench/kernels/matmul-variants.mjs (variant libq).
//
// Lane layout: invocation i of the workgroup is lane i % 4 of subgroup i / 4
// (how SwiftShader groups invocations; matmul_program.ts uses this kernel only
// on emulated adapters whose subgroups are 4 wide, and
// test/ops/matmul_quad.test.ts checks the results on Dawn). Lane bit 0 picks
// the column, bit 1 the row of the 2x2 square. Preceded by
// `enable subgroups;`, the bindings and loaders.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override K_TAIL: bool = true;
// Invocations along N (x) and M (y); WG_X even. A workgroup covers
// (16 * WG_Y) rows x (8 * WG_X) columns and has WG_X * WG_Y invocations.
override WG_X: u32 = 8u;
override WG_Y: u32 = 4u;

fn act4(v: vec4<f32>) -> vec4<f32> {
  if (ACT == 0u) { return v; }
  return vec4<f32>(wg_activate(v.x, ACT, dims.alpha), wg_activate(v.y, ACT, dims.alpha),
                   wg_activate(v.z, ACT, dims.alpha), wg_activate(v.w, ACT, dims.alpha));
}

// The block of the lane `lane ^ 1` (the row pair's other lane) and of the lane
// `lane ^ 2` (the column pair's). Quad swaps, not subgroupShuffleXor: SwiftShader
// makes a quad swap one lane swizzle, a shuffle a select over all lanes, which
// made the kernel compile about 2x as long and run about 1.2x as slowly.
fn swap_x(m: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(quadSwapX(m[0]), quadSwapX(m[1]), quadSwapX(m[2]), quadSwapX(m[3]));
}
fn swap_y(m: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(quadSwapY(m[0]), quadSwapY(m[1]), quadSwapY(m[2]), quadSwapY(m[3]));
}
// `x` where `first`, else `y`.
fn pick(x: mat4x4<f32>, y: mat4x4<f32>, first: bool) -> mat4x4<f32> {
  return mat4x4<f32>(select(y[0], x[0], first), select(y[1], x[1], first), select(y[2], x[2], first), select(y[3], x[3], first));
}

@compute @workgroup_size(WG_X * WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let M = dims.M; let N = dims.N; let K = dims.K;
  let BM = WG_Y * 16u; let BN = WG_X * 8u;
  // Workgroup-uniform exit: whole subgroups leave, so the shuffles below run
  // with all 4 lanes.
  let t = wid.x + wid.y * nwg.x;
  let tilesN = (N + BN - 1u) / BN;
  let tm = t / tilesN; let tn = t % tilesN;
  if (tm * BM >= M) { return; }
  let lx = lane & 1u; let ly = lane >> 1u;
  let quad = li / 4u;
  let x = (quad % (WG_X / 2u)) * 2u + lx;
  let y = (quad / (WG_X / 2u)) * 2u + ly;
  // Rows r0..r0+15, columns c0..c0+3 and c1..c1+3 (WG_X * 4 apart, as in matmul.wgsl).
  let r0 = tm * BM + y * 16u;
  let c0 = tn * BN + x * 4u;
  let c1 = c0 + WG_X * 4u;

  // acc<q><g>: rows r0 + 4q .. +3, columns of group g.
  var acc00 = mat4x4<f32>(); var acc01 = mat4x4<f32>(); var acc10 = mat4x4<f32>(); var acc11 = mat4x4<f32>();
  var acc20 = mat4x4<f32>(); var acc21 = mat4x4<f32>(); var acc30 = mat4x4<f32>(); var acc31 = mat4x4<f32>();
  // This lane loads A rows r0 + 8 * lx .. +7 (blocks 2lx, 2lx+1) and B columns c0 or c1 (by ly).
  let ba0 = a_bases(r0 + 8u * lx); let ba1 = a_bases(r0 + 8u * lx + 4u);
  let bb = b_bases(select(c0, c1, ly == 1u));
  let left = lx == 0u; let top = ly == 0u;
  var k = 0u;
  for (; k + 4u <= K; k += 4u) {
    let ka = a_koff(k);
    let m0 = load_a(ba0, ka); let m1 = load_a(ba1, ka); let mb = load_b(bb, b_koff(k));
    let o0 = swap_x(m0); let o1 = swap_x(m1); let ob = swap_y(mb);
    let a0 = pick(m0, o0, left); let a1 = pick(m1, o1, left);
    let a2 = pick(o0, m0, left); let a3 = pick(o1, m1, left);
    let b0 = pick(mb, ob, top); let b1 = pick(ob, mb, top);
    acc00 += b0 * a0; acc01 += b1 * a0; acc10 += b0 * a1; acc11 += b1 * a1;
    acc20 += b0 * a2; acc21 += b1 * a2; acc30 += b0 * a3; acc31 += b1 * a3;
  }
  // The last 1..3 values of K (K_TAIL, scalar loaders only), as in matmul.wgsl.
  if (K_TAIL && k < K) {
    let ka = a_koff(k);
    let m0 = load_a_tail(ba0, ka, k); let m1 = load_a_tail(ba1, ka, k); let mb = load_b_tail(bb, b_koff(k), k);
    let o0 = swap_x(m0); let o1 = swap_x(m1); let ob = swap_y(mb);
    let a0 = pick(m0, o0, left); let a1 = pick(m1, o1, left);
    let a2 = pick(o0, m0, left); let a3 = pick(o1, m1, left);
    let b0 = pick(mb, ob, top); let b1 = pick(ob, mb, top);
    acc00 += b0 * a0; acc01 += b1 * a0; acc10 += b0 * a1; acc11 += b1 * a1;
    acc20 += b0 * a2; acc21 += b1 * a2; acc30 += b0 * a3; acc31 += b1 * a3;
  }

  // Epilogue as in matmul.wgsl: one inlined copy in a loop over the 32 row pieces.
  var bias0 = vec4<f32>(); var bias1 = vec4<f32>();
  if (HAS_BIAS) { bias0 = load_bias(c0); bias1 = load_bias(c1); }
  var accs = array<mat4x4<f32>, 8>(acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31);
  for (var q = 0u; q < 32u; q++) {
    let blk = q / 4u; let i = q % 4u;
    let r = r0 + (blk / 2u) * 4u + i;
    let g = (blk & 1u) == 1u;
    let c = select(c0, c1, g);
    store_c(r, c, epi4(act4(accs[blk][i] + select(bias0, bias1, g)), r, c));
  }
}

fn epi4(v: vec4<f32>, r: u32, c: u32) -> vec4<f32> {
  let i = r * dims.N + c;
  return vec4<f32>(wg_epilogue(v.x, i), wg_epilogue(v.y, i + 1u), wg_epilogue(v.z, i + 2u), wg_epilogue(v.w, i + 3u));
}
