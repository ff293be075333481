// Matmul body for subgroups of exactly 4 invocations (SwiftShader: its SIMD
// width): the register-blocked kernel of matmul.wgsl (same loaders, same
// 8x8 block per invocation, same 64x64 workgroup tiles and epilogue), but the
// 4 lanes of a subgroup form a 2x2 square of blocks and share their loads.
// The two lanes of a row pair need the same A blocks, the two of a column
// pair the same B blocks: each lane loads one A block and one B block (8
// vec4s instead of 16) and gets the other two from its neighbours by quad
// swaps. On SwiftShader every storage load with a per-invocation index is a
// 4-lane gather, while a quad swap is one register swizzle; with half the
// loads the kernel also compiles faster. A 16x8 block per invocation (twice
// the work per load) was no faster in the MLP step and compiles longer.
// Measured with bench/kernels/matmul-variants.mjs (variant libq) and
// bench/kernels/mlp-step-ab.mjs.
//
// Lane layout: invocation i of the workgroup is lane i % 4 of subgroup i / 4
// (how SwiftShader groups invocations; matmul_program.ts uses this kernel only
// on emulated adapters whose subgroups are 4 wide, and
// test/ops/matmul_quad.test.ts checks the results on Dawn). Lane bit 0 picks
// the column, bit 1 the row of the 2x2 square (quadSwapX / quadSwapY partners).
// Preceded by `enable subgroups;`, the bindings and loaders.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override K_TAIL: bool = true;
// Invocations along N (x) and M (y); both even. A workgroup covers
// (8 * WG_Y) rows x (8 * WG_X) columns and has WG_X * WG_Y invocations.
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

fn act4(v: vec4<f32>) -> vec4<f32> {
  if (ACT == 0u) { return v; }
  return vec4<f32>(wg_activate(v.x, ACT, dims.alpha), wg_activate(v.y, ACT, dims.alpha),
                   wg_activate(v.z, ACT, dims.alpha), wg_activate(v.w, ACT, dims.alpha));
}

// The block of the lane `lane ^ 1` (the row pair's other lane) and of the lane
// `lane ^ 2` (the column pair's). Quad swaps, not subgroupShuffleXor: SwiftShader
// makes a quad swap one lane swizzle and a shuffle a select over all lanes;
// with shuffles this kernel compiled about as slowly as matmul.wgsl and ran
// only 3-6% faster in the MLP step.
fn swap_x(m: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(quadSwapX(m[0]), quadSwapX(m[1]), quadSwapX(m[2]), quadSwapX(m[3]));
}
fn swap_y(m: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(quadSwapY(m[0]), quadSwapY(m[1]), quadSwapY(m[2]), quadSwapY(m[3]));
}

@compute @workgroup_size(WG_X * WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let M = dims.M; let N = dims.N; let K = dims.K;
  let BM = WG_Y * 8u; let BN = WG_X * 8u;
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
  // Rows r0..r0+7, columns c0..c0+3 and c1..c1+3 (WG_X * 4 apart, as in matmul.wgsl).
  let r0 = tm * BM + y * 8u;
  let c0 = tn * BN + x * 4u;
  let c1 = c0 + WG_X * 4u;

  var acc00 = mat4x4<f32>(); var acc01 = mat4x4<f32>();
  var acc10 = mat4x4<f32>(); var acc11 = mat4x4<f32>();
  // This lane loads A rows r0 + 4 * lx .. +3 and B columns c0 or c1 (by ly).
  let ba = a_bases(r0 + 4u * lx);
  let bb = b_bases(select(c0, c1, ly == 1u));
  let left = lx == 0u; let top = ly == 0u;
  var k = 0u;
  for (; k + 4u <= K; k += 4u) {
    let ma = load_a(ba, a_koff(k)); let mb = load_b(bb, b_koff(k));
    let oa = swap_x(ma); let ob = swap_y(mb);
    let a0 = mat4x4<f32>(select(oa[0], ma[0], left), select(oa[1], ma[1], left), select(oa[2], ma[2], left), select(oa[3], ma[3], left));
    let a1 = mat4x4<f32>(select(ma[0], oa[0], left), select(ma[1], oa[1], left), select(ma[2], oa[2], left), select(ma[3], oa[3], left));
    let b0 = mat4x4<f32>(select(ob[0], mb[0], top), select(ob[1], mb[1], top), select(ob[2], mb[2], top), select(ob[3], mb[3], top));
    let b1 = mat4x4<f32>(select(mb[0], ob[0], top), select(mb[1], ob[1], top), select(mb[2], ob[2], top), select(mb[3], ob[3], top));
    acc00 += b0 * a0; acc01 += b1 * a0;
    acc10 += b0 * a1; acc11 += b1 * a1;
  }
  if (K_TAIL && k < K) {
    let ma = load_a_tail(ba, a_koff(k), k); let mb = load_b_tail(bb, b_koff(k), k);
    let oa = swap_x(ma); let ob = swap_y(mb);
    let a0 = mat4x4<f32>(select(oa[0], ma[0], left), select(oa[1], ma[1], left), select(oa[2], ma[2], left), select(oa[3], ma[3], left));
    let a1 = mat4x4<f32>(select(ma[0], oa[0], left), select(ma[1], oa[1], left), select(ma[2], oa[2], left), select(ma[3], oa[3], left));
    let b0 = mat4x4<f32>(select(ob[0], mb[0], top), select(ob[1], mb[1], top), select(ob[2], mb[2], top), select(ob[3], mb[3], top));
    let b1 = mat4x4<f32>(select(mb[0], ob[0], top), select(mb[1], ob[1], top), select(mb[2], ob[2], top), select(mb[3], ob[3], top));
    acc00 += b0 * a0; acc01 += b1 * a0;
    acc10 += b0 * a1; acc11 += b1 * a1;
  }

  // Epilogue as in matmul.wgsl: one inlined copy in a loop over the 16 row pieces.
  var bias0 = vec4<f32>(); var bias1 = vec4<f32>();
  if (HAS_BIAS) { bias0 = load_bias(c0); bias1 = load_bias(c1); }
  var accs = array<mat4x4<f32>, 4>(acc00, acc01, acc10, acc11);
  for (var q = 0u; q < 16u; q++) {
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
