// Convolution (NHWC) forward, input gradient and filter gradient for
// subgroups of exactly 4 invocations (SwiftShader: its SIMD width), with both
// operands read 4 channels per load (A4 and B4): the implicit GEMMs of
// conv2d_registers.wgsl (same Geom, taps, loaders and epilogue; the filter
// gradient's as in its filter_grad8), but the 4 lanes of a subgroup
// share their loads the way matmul_quad.wgsl's do. Each lane computes an 8x8
// block of C, the subgroup a 16x16 one; each lane loads one 4-row group of A
// and one 4-column group of B per 4 channels (8 vec4s) and gets the other
// row group from its quadSwapX partner and the other column group from its
// quadSwapY partner. On SwiftShader every storage load with a per-invocation
// index is a 4-lane gather and a quad swap one register swizzle: per
// multiply-add this reads a third of what the 4x8 blocks of cols8 read.
//
// Rows of the forward and input gradient: the 4 row groups of a subgroup are
// the same 4 pixels of 4 images
// (group j: image 4 * bb + j, pixels 4 * pg .. 4 * pg + 3 of the image), so
// every lane sees the same taps. Hence the input gradient's test for taps
// that reach past dy for all 4 pixels gives the same answer in all lanes
// and skips as often as cols8's (28% of the MNIST CNN's second input
// gradient), which it could not with 16 consecutive pixels. Pixels past the
// image (the last group of an image whose size is no multiple of 4) and
// images past the batch repeat the last valid ones and are never stored.
// The filter gradient's rows (filter taps) are 16 consecutive ones.
//
// Lane layout as in matmul_quad.wgsl (checked by quad_probe.wgsl): lane bit 0
// (lx) picks the column octet, bit 1 (ly) the row groups 2 ly and 2 ly + 1.
// Lane (lx, ly) loads row group 2 ly + lx and the column group 4 ly of its
// octet. Preceded by `enable subgroups;`, quad_blocks.wgsl, the loaders, conv2d_bindings.wgsl
// and conv2d_taps.wgsl (conv_program.ts); the epilogue is appended.
// Geom: blocksN = column octet pairs (16 columns), blocks = 4 * subgroups.

override VARIANT: u32 = 0u;
override WG: u32 = 64u;

// swap_x, swap_y, pick and by_position: quad_blocks.wgsl.

// The 8x8 block: m[2 * g + h] holds row group g (of the lane's two) times
// column group h, column i of the matrix being row i of the group.
struct Block { m: array<mat4x4<f32>, 4> }

// While the K loop runs, the four products are kept by whose groups they
// multiply, not by position: m[0] = this lane's column group x its row group,
// m[1] = the y neighbour's column group x own row group, m[2] = own column
// group x the x neighbour's row group, m[3] = both neighbours'. by_position
// (quad_blocks.wgsl, shared with matmul_quad.wgsl) sorts them once after the loop.

// One step of 4 channels: ma = this lane's row group (column i: row i's 4
// channels), mb = its column group (column k: channel k's 4 columns).
fn quad_step(acc: ptr<function, Block>, ma: mat4x4<f32>, mb: mat4x4<f32>) {
  let oa = swap_x(ma); let ob = swap_y(mb);
  (*acc).m[0] += mb * ma; (*acc).m[1] += ob * ma;
  (*acc).m[2] += mb * oa; (*acc).m[3] += ob * oa;
}

// Filter gradient (VARIANT 2): rows are filter taps (ky, kx, ci), K runs
// over the output pixels, and each row group is channels ci .. ci+3 of one
// tap (A4). Per pixel a lane loads one vec4 of x (its row group) and one of
// dy (its column group), half of what filter_grad8 loads for the same 8x8
// block, and swaps for the others.
fn filter_grad_quad(r0: u32, cl: u32, lx: u32, ly: u32) -> Block {
  var acc: Block;
  // This lane's row group (rows past M repeat the last group, never stored).
  let q = min(r0 + 4u * lx, g.M - 4u);
  let ci = q % g.inC; let kx = (q / g.inC) % g.kW; let ky = q / (g.inC * g.kW);
  if (g.inside != 0u) {
    // Every window inside x: no bounds checks, x's index steps by a constant
    // along a row of y. One loop over the output pixels p = (b, oy, ox), not
    // three nested ones: 15-30% less CPU time for the MNIST CNN's second
    // filter gradient on SwiftShader, whose cost per loop entered is high.
    let step = g.strideW * g.inC;
    var ox = 0u; var oy = 0u; var b = 0u;
    var i = (ky * g.dilH * g.inW + kx * g.dilW) * g.inC + ci;
    for (var p = 0u; p < g.K; p++) {
      fq_step(&acc, ld0v(i), ld1v(p * g.N + cl));
      i += step; ox++;
      if (ox == g.outW) {
        ox = 0u; oy++;
        if (oy == g.outH) { oy = 0u; b++; }
        i = ((b * g.inH + oy * g.strideH + ky * g.dilH) * g.inW + kx * g.dilW) * g.inC + ci;
      }
    }
    return acc;
  }
  var p = 0u;
  for (var b = 0u; b < g.batch; b++) {
    for (var oy = 0u; oy < g.outH; oy++) {
      let iy = i32(oy * g.strideH + ky * g.dilH) - i32(g.padTop);
      let okY = iy >= 0 && iy < i32(g.inH);
      let base = (b * g.inH + u32(max(iy, 0))) * g.inW;
      for (var ox = 0u; ox < g.outW; ox++) {
        let ix = i32(ox * g.strideW + kx * g.dilW) - i32(g.padLeft);
        let ok = okY && ix >= 0 && ix < i32(g.inW);
        let a = select(vec4<f32>(0.0), ld0v(select(0u, (base + u32(max(ix, 0))) * g.inC + ci, ok)), ok);
        fq_step(&acc, a, ld1v(p * g.N + cl));
        p++;
      }
    }
  }
  return acc;
}

// One output pixel's share of the filter gradient's block: a = x channels of
// this lane's row group, d = dy columns of its column group (kept by whose
// groups they multiply, as in quad_step).
fn fq_step(acc: ptr<function, Block>, a: vec4<f32>, d: vec4<f32>) {
  let oa = quadSwapX(a); let od = quadSwapY(d);
  (*acc).m[0] += mat4x4<f32>(a.x * d, a.y * d, a.z * d, a.w * d);
  (*acc).m[1] += mat4x4<f32>(a.x * od, a.y * od, a.z * od, a.w * od);
  (*acc).m[2] += mat4x4<f32>(oa.x * d, oa.y * d, oa.z * d, oa.w * d);
  (*acc).m[3] += mat4x4<f32>(oa.x * od, oa.y * od, oa.z * od, oa.w * od);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + li;
  // Whole subgroups leave (blocks is a multiple of 4): the swaps below run with all 4 lanes.
  if (t >= g.blocks) { return; }
  let lx = lane & 1u; let ly = lane >> 1u;
  let q = t / 4u;
  let cq = (q % g.blocksN) * 16u;
  let rq = q / g.blocksN;
  // This lane's octet starts at column c0; it loads column group cl.
  let c0 = cq + 8u * lx;
  let cl = min(c0 + 4u * ly, g.N - 4u);
  if (VARIANT == 2u) {
    // 16 consecutive rows per subgroup; this lane's start at r0.
    let r0 = rq * 16u + 8u * ly;
    let fg = Block(by_position(filter_grad_quad(r0, cl, lx, ly).m, lx, ly));
    for (var i = 0u; i < 8u; i++) {
      store_row(r0 + i, c0, fg.m[(i / 4u) * 2u][i % 4u]);
      store_row(r0 + i, c0 + 4u, fg.m[(i / 4u) * 2u + 1u][i % 4u]);
    }
    return;
  }
  let pg = rq % g.rowGroups; let bb = rq / g.rowGroups;
  var h = g.outH; var w = g.outW;
  if (VARIANT == 1u) { h = g.inH; w = g.inW; }
  let hw = h * w;
  // This lane's loaded row group: pixels p of image bl.
  let p = min(vec4<u32>(pg * 4u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(hw - 1u));
  let bl = min(bb * 4u + 2u * ly + lx, g.batch - 1u);
  let px = Pixel(vec4<u32>(bl), p / w, p % w);
  var acc: Block;
  if (VARIANT == 0u) {
    let cols = vec4<u32>(cl) + vec4<u32>(0u, 1u, 2u, 3u);
    for (var ky = 0u; ky < g.kH; ky++) {
      for (var kx = 0u; kx < g.kW; kx++) {
        let tap = x_tap(px, ky, kx);
        let krow = (ky * g.kW + kx) * g.inC;
        for (var ci = 0u; ci < g.inC; ci += 4u) {
          let ma = mat4x4<f32>(a_vec(tap, 0u, ci), a_vec(tap, 1u, ci), a_vec(tap, 2u, ci), a_vec(tap, 3u, ci));
          let mb = mat4x4<f32>(b_row(krow + ci, cl, cols), b_row(krow + ci + 1u, cl, cols), b_row(krow + ci + 2u, cl, cols), b_row(krow + ci + 3u, cl, cols));
          quad_step(&acc, ma, mb);
        }
      }
    }
  } else {
    for (var ky = 0u; ky < g.kH; ky++) {
      for (var kx = 0u; kx < g.kW; kx++) {
        let tap = dy_tap(px, ky, kx);
        // Same in all 4 lanes (same pixels): the subgroup skips together.
        if (!any(tap.ok)) { continue; }
        // filter[ky, kx, n, co ..] for the 4 columns n of the loaded group.
        let fb = ((ky * g.kW + kx) * g.inC + vec4<u32>(cl) + vec4<u32>(0u, 1u, 2u, 3u)) * g.outC;
        for (var co = 0u; co < g.outC; co += 4u) {
          let ma = mat4x4<f32>(a_vec(tap, 0u, co), a_vec(tap, 1u, co), a_vec(tap, 2u, co), a_vec(tap, 3u, co));
          let fm = mat4x4<f32>(ld1v(fb.x + co), ld1v(fb.y + co), ld1v(fb.z + co), ld1v(fb.w + co));
          quad_step(&acc, ma, transpose(fm));
        }
      }
    }
  }
  acc.m = by_position(acc.m, lx, ly);
  // Row group 2 ly + j of the subgroup: image 4 bb + 2 ly + j.
  for (var j = 0u; j < 2u; j++) {
    let b = bb * 4u + 2u * ly + j;
    if (b >= g.batch) { continue; }
    for (var i = 0u; i < 4u; i++) {
      let pi = pg * 4u + i;
      if (pi >= hw) { break; }
      let r = b * hw + pi;
      store_row(r, c0, acc.m[2u * j][i]);
      store_row(r, c0 + 4u, acc.m[2u * j + 1u][i]);
    }
  }
}
