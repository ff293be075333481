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
// the work per load) was no faster in the MLP step and compiles longer (again
// 10-20% slower once the per-step picks were gone). Loads whose lanes read
// consecutive floats are no cheaper (bench/kernels/load-patterns.mjs).
// Measured with bench/kernels/matmul-variants.mjs (variant libq) and
// bench/kernels/mlp-step-ab.mjs.
//
// Lane layout: invocation i of the workgroup is lane i % 4 of subgroup i / 4
// (how SwiftShader groups invocations; matmul_program.ts uses this kernel only
// on emulated adapters whose subgroups are 4 wide, and
// test/ops/matmul_quad.test.ts checks the results on Dawn). Lane bit 0 picks
// the column, bit 1 the row of the 2x2 square (quadSwapX / quadSwapY partners).
// Preceded by `enable subgroups;`, quad_blocks.wgsl, the bindings, the loaders and matmul_common.wgsl.

// Overrides (WG_X and WG_Y both even here), act4 and the epilogue
// (store_block): matmul_common.wgsl.

// swap_x / swap_y (the blocks of the lanes lane ^ 1 and lane ^ 2), pick and by_position:
// quad_blocks.wgsl.

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

  // Accumulators by whose blocks they multiply, not by position: accOwnOwn
  // (this lane's B block x its A block), accOtherOwn (the y neighbour's B x
  // own A), accOwnOther, accOtherOther. Sorted into positions once, after the
  // K loop (by_position, quad_blocks.wgsl).
  var accOwnOwn = mat4x4<f32>(); var accOtherOwn = mat4x4<f32>();
  var accOwnOther = mat4x4<f32>(); var accOtherOther = mat4x4<f32>();
  // This lane loads A rows r0 + 4 * lx .. +3 and B columns c0 or c1 (by ly).
  let ba = a_bases(r0 + 4u * lx);
  let bb = b_bases(select(c0, c1, ly == 1u));
  var k = 0u;
  for (; k + 4u <= K; k += 4u) {
    let ma = load_a(ba, a_koff(k)); let mb = load_b(bb, b_koff(k));
    let oa = swap_x(ma); let ob = swap_y(mb);
    accOwnOwn += mb * ma; accOtherOwn += ob * ma;
    accOwnOther += mb * oa; accOtherOther += ob * oa;
  }
  if (K_TAIL && k < K) {
    let ma = load_a_tail(ba, a_koff(k), k); let mb = load_b_tail(bb, b_koff(k), k);
    let oa = swap_x(ma); let ob = swap_y(mb);
    accOwnOwn += mb * ma; accOtherOwn += ob * ma;
    accOwnOther += mb * oa; accOtherOther += ob * oa;
  }

  // Into positions: rows r0..r0+3 are the left lane's A block, column group
  // c0 the top lane's B block.
  store_block(r0, c0, c1, by_position(array<mat4x4<f32>, 4>(accOwnOwn, accOtherOwn, accOwnOther, accOtherOther), lx, ly));
}
