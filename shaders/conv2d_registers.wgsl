// 2-D convolution (NHWC) as an implicit GEMM C[M, N] = A[M, K] · B[K, N],
// register-blocked for emulated adapters (SwiftShader): each invocation
// accumulates a block of C in registers and reads A and B straight from
// the tensors, with no workgroup memory and no barriers. On SwiftShader a
// workgroup runs on one CPU thread and every barrier switches all of its
// invocations, which made the tiled kernel (conv2d.wgsl) 5-50x slower than
// this one there; real GPUs keep the tiled kernel. Same bindings and Geom
// (conv2d_bindings.wgsl, prepended) and VARIANTs as conv2d.wgsl:
//   0 forward:     A = patches of x [M = pixels of y, K = kH*kW*inC], B = filter [K, outC]
//   1 input grad:  A = patches of dy seen from each x pixel [K = kH*kW*outC], B = filter^T
//   2 filter grad: A = patches of x, transposed [M = kH*kW*inC, K = pixels of y], B = dy
// The window geometry is resolved once per row and tap, outside the loop over
// channels (or, for the filter gradient, once per output pixel), so the inner
// loops are loads and FMAs. Rows past M and columns past N are clamped on
// load and never stored. The scheduler's fused epilogue,
// `wg_epilogue(value, flat index)`, is appended per kernel.
//
// Loads: where a channel count is a multiple of 4, the operand is bound as
// array<vec4<f32>> and read 4 channels at a time (conv_program.ts prepends
// the aliases ConvIn0/ConvIn1, the flags A4/B4 and the loaders ld0/ld0v/
// ld1/ld1v). On SwiftShader every scalar load is a separate bounds-checked
// gather per lane, so a 4x4 block fed by 8 vec4 loads per 4 channels runs
// several times faster than one fed by 32 scalar loads.
// Block shapes: with A4, 4 rows x 8 columns (COLS8, forward and input
// gradient) or 8x8 (WIDE, filter gradient); without, 4x4. Where subgroups
// are 4 wide and B4 holds too, all three take conv2d_quad.wgsl instead of
// COLS8 and WIDE.
//   A4: forward and filter grad inC % 4 == 0 (x), input grad outC % 4 == 0 (dy).
//   B4: outC % 4 == 0 (filter rows in both GEMMs that read it, dy in the filter grad).

override VARIANT: u32 = 0u;
override WG: u32 = 64u;
// 8x8 blocks per invocation (filter_grad8); else 4x4.
override WIDE: bool = false;
// 4 rows x 8 columns per invocation (cols8: forward and input gradient with A4); else 4x4 (no A4).
override COLS8: bool = false;

// Filter gradient with inC % 4 == 0, an 8x8 block of C per invocation (WIDE):
// two row groups (rows r0 + 4g .., each channels ci .. ci+3 of one tap, one
// vec4 of x per output pixel) and two column groups (columns c0 + 4h ..), so
// each loaded value feeds twice the multiply-adds of a 4x4 block. Measured on
// SwiftShader: 26% faster than 4x4 for the MNIST CNN's second filter gradient;
// the forward and input-gradient GEMMs were not faster with 8x8 (more
// accumulators than CPU vector registers), so they keep 4x4.
// acc[2 * i + h]: row r0 + i, columns c0 + 4h .. c0 + 4h + 3.
fn filter_grad8(r0: u32, c0: u32) -> array<vec4<f32>, 16> {
  let cols0 = min(vec4<u32>(c0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(g.N - 1u));
  let cols1 = min(vec4<u32>(c0 + 4u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(g.N - 1u));
  // With B4, a column group past N reads the first group again (never stored).
  let c1 = select(c0, c0 + 4u, c0 + 4u < g.N);
  var acc: array<vec4<f32>, 16>;
  // Rows are filter taps (ky, kx, ci) with inC % 4 == 0: each row group is
  // channels ci .. ci+3 of one tap, one vec4 of x per output pixel.
  let q0 = min(r0, g.M - 4u); let q1 = min(r0 + 4u, g.M - 4u);
  let ci0 = q0 % g.inC; let kx0 = (q0 / g.inC) % g.kW; let ky0 = q0 / (g.inC * g.kW);
  let ci1 = q1 % g.inC; let kx1 = (q1 / g.inC) % g.kW; let ky1 = q1 / (g.inC * g.kW);
  var p = 0u;
  if (g.inside != 0u) {
    // Every window inside x: no bounds checks, and x's index steps by a
    // constant along a row of y (10-15% less time for the MNIST CNN's
    // second filter gradient on SwiftShader).
    let step = g.strideW * g.inC;
    for (var b = 0u; b < g.batch; b++) {
      for (var oy = 0u; oy < g.outH; oy++) {
        var i0 = ((b * g.inH + oy * g.strideH + ky0 * g.dilH) * g.inW + kx0 * g.dilW) * g.inC + ci0;
        var i1 = ((b * g.inH + oy * g.strideH + ky1 * g.dilH) * g.inW + kx1 * g.dilW) * g.inC + ci1;
        for (var ox = 0u; ox < g.outW; ox++) {
          fg8_step(&acc, ld0v(i0), ld0v(i1), b_row(p, c0, cols0), b_row(p, c1, cols1));
          i0 += step; i1 += step; p++;
        }
      }
    }
    return acc;
  }
  for (var b = 0u; b < g.batch; b++) {
    for (var oy = 0u; oy < g.outH; oy++) {
      let iy0 = i32(oy * g.strideH + ky0 * g.dilH) - i32(g.padTop);
      let iy1 = i32(oy * g.strideH + ky1 * g.dilH) - i32(g.padTop);
      let okY0 = iy0 >= 0 && iy0 < i32(g.inH);
      let okY1 = iy1 >= 0 && iy1 < i32(g.inH);
      let base0 = (b * g.inH + u32(max(iy0, 0))) * g.inW;
      let base1 = (b * g.inH + u32(max(iy1, 0))) * g.inW;
      for (var ox = 0u; ox < g.outW; ox++) {
        let ix0 = i32(ox * g.strideW + kx0 * g.dilW) - i32(g.padLeft);
        let ix1 = i32(ox * g.strideW + kx1 * g.dilW) - i32(g.padLeft);
        let ok0 = okY0 && ix0 >= 0 && ix0 < i32(g.inW);
        let ok1 = okY1 && ix1 >= 0 && ix1 < i32(g.inW);
        let a0 = select(vec4<f32>(0.0), ld0v(select(0u, (base0 + u32(max(ix0, 0))) * g.inC + ci0, ok0)), ok0);
        let a1 = select(vec4<f32>(0.0), ld0v(select(0u, (base1 + u32(max(ix1, 0))) * g.inC + ci1, ok1)), ok1);
        fg8_step(&acc, a0, a1, b_row(p, c0, cols0), b_row(p, c1, cols1));
        p++;
      }
    }
  }
  return acc;
}

// One output pixel's share of filter_grad8's block: x channels a0 (rows
// r0 ..) and a1 (rows r0 + 4 ..) times dy columns d0 and d1.
fn fg8_step(acc: ptr<function, array<vec4<f32>, 16>>, a0: vec4<f32>, a1: vec4<f32>, d0: vec4<f32>, d1: vec4<f32>) {
  (*acc)[0] += a0.x * d0; (*acc)[1] += a0.x * d1; (*acc)[2] += a0.y * d0; (*acc)[3] += a0.y * d1;
  (*acc)[4] += a0.z * d0; (*acc)[5] += a0.z * d1; (*acc)[6] += a0.w * d0; (*acc)[7] += a0.w * d1;
  (*acc)[8] += a1.x * d0; (*acc)[9] += a1.x * d1; (*acc)[10] += a1.y * d0; (*acc)[11] += a1.y * d1;
  (*acc)[12] += a1.z * d0; (*acc)[13] += a1.z * d1; (*acc)[14] += a1.w * d0; (*acc)[15] += a1.w * d1;
}

// Forward or input gradient with A4, a 4x8 block of C per invocation
// (COLS8): the rows' 4-channel loads of A each feed two column groups.
// acc[2 * i + h]: row r0 + i, columns c0 + 4h .. c0 + 4h + 3.
fn cols8(r0: u32, c0: u32) -> array<vec4<f32>, 8> {
  let rows = min(vec4<u32>(r0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(g.M - 1u));
  let cols0 = min(vec4<u32>(c0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(g.N - 1u));
  let cols1 = min(vec4<u32>(c0 + 4u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(g.N - 1u));
  // With B4, a column group past N reads the first group again (never stored).
  let c1 = select(c0, c0 + 4u, c0 + 4u < g.N);
  var acc: array<vec4<f32>, 8>;
  if (VARIANT == 0u) {
    let o = pixel(rows, g.outH, g.outW);
    for (var ky = 0u; ky < g.kH; ky++) {
      for (var kx = 0u; kx < g.kW; kx++) {
        let tap = x_tap(o, ky, kx);
        let krow = (ky * g.kW + kx) * g.inC;
        for (var ci = 0u; ci < g.inC; ci += 4u) {
          let bm0 = mat4x4<f32>(b_row(krow + ci, c0, cols0), b_row(krow + ci + 1u, c0, cols0), b_row(krow + ci + 2u, c0, cols0), b_row(krow + ci + 3u, c0, cols0));
          let bm1 = mat4x4<f32>(b_row(krow + ci, c1, cols1), b_row(krow + ci + 1u, c1, cols1), b_row(krow + ci + 2u, c1, cols1), b_row(krow + ci + 3u, c1, cols1));
          let a0 = a_vec(tap, 0u, ci); let a1 = a_vec(tap, 1u, ci); let a2 = a_vec(tap, 2u, ci); let a3 = a_vec(tap, 3u, ci);
          acc[0] += bm0 * a0; acc[1] += bm1 * a0; acc[2] += bm0 * a1; acc[3] += bm1 * a1;
          acc[4] += bm0 * a2; acc[5] += bm1 * a2; acc[6] += bm0 * a3; acc[7] += bm1 * a3;
        }
      }
    }
  } else {
    let px = pixel(rows, g.inH, g.inW);
    for (var ky = 0u; ky < g.kH; ky++) {
      for (var kx = 0u; kx < g.kW; kx++) {
        let tap = dy_tap(px, ky, kx);
        // Taps that reach past dy for all 4 rows (the rim of x in a
        // convolution without padding: 28% of the MNIST CNN's second input
        // gradient) add nothing. The 4 rows are shared by the invocations
        // of a SIMD group (consecutive ones differ in columns), so the
        // branch is uniform there.
        if (!any(tap.ok)) { continue; }
        let fb0 = ((ky * g.kW + kx) * g.inC + cols0) * g.outC;
        let fb1 = ((ky * g.kW + kx) * g.inC + cols1) * g.outC;
        for (var co = 0u; co < g.outC; co += 4u) {
          let fm0 = mat4x4<f32>(ld1v(fb0.x + co), ld1v(fb0.y + co), ld1v(fb0.z + co), ld1v(fb0.w + co));
          let fm1 = mat4x4<f32>(ld1v(fb1.x + co), ld1v(fb1.y + co), ld1v(fb1.z + co), ld1v(fb1.w + co));
          let a0 = a_vec(tap, 0u, co); let a1 = a_vec(tap, 1u, co); let a2 = a_vec(tap, 2u, co); let a3 = a_vec(tap, 3u, co);
          acc[0] += a0 * fm0; acc[1] += a0 * fm1; acc[2] += a1 * fm0; acc[3] += a1 * fm1;
          acc[4] += a2 * fm0; acc[5] += a2 * fm1; acc[6] += a3 * fm0; acc[7] += a3 * fm1;
        }
      }
    }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + li;
  if (t >= g.blocks) { return; }
  if (COLS8) {
    let w0 = (t / g.blocksN) * 4u;
    let v0 = (t % g.blocksN) * 8u;
    let blk = cols8(w0, v0);
    for (var i = 0u; i < 4u; i++) {
      store_row(w0 + i, v0, blk[2u * i]);
      store_row(w0 + i, v0 + 4u, blk[2u * i + 1u]);
    }
    return;
  }
  if (WIDE) {
    let w0 = (t / g.blocksN) * 8u;
    let v0 = (t % g.blocksN) * 8u;
    let wide = filter_grad8(w0, v0);
    for (var i = 0u; i < 8u; i++) {
      store_row(w0 + i, v0, wide[2u * i]);
      store_row(w0 + i, v0 + 4u, wide[2u * i + 1u]);
    }
    return;
  }
  let r0 = (t / g.blocksN) * 4u;
  let c0 = (t % g.blocksN) * 4u;
  let rows = min(vec4<u32>(r0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(g.M - 1u));
  let cols = min(vec4<u32>(c0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(g.N - 1u));
  // Without A4 (COLS8 and WIDE take every A4 case): a 4x4 block, operands read
  // one channel at a time. acc[i] holds row r0 + i of columns c0 .. c0 + 3.
  var acc: array<vec4<f32>, 4>;
  if (VARIANT == 0u) {
    let o = pixel(rows, g.outH, g.outW);
    // One loop over k = (ky, kx, ci), not three nested ones: with one input
    // channel (a first layer) the channel loop ran once per tap, and
    // SwiftShader's cost per loop entered, not the loads, dominated (the
    // MNIST CNN's first forward took 14-25% less CPU time this way).
    var ci = 0u; var kx = 0u; var ky = 0u;
    var tap = x_tap(o, 0u, 0u);
    for (var k = 0u; k < g.K; k++) {
      let a = a4(tap, ci);
      let b = b_row(k, c0, cols);
      acc[0] += a.x * b; acc[1] += a.y * b; acc[2] += a.z * b; acc[3] += a.w * b;
      ci++;
      if (ci == g.inC) {
        ci = 0u; kx++;
        if (kx == g.kW) { kx = 0u; ky++; }
        tap = x_tap(o, ky, kx);
      }
    }
  } else if (VARIANT == 1u) {
    let px = pixel(rows, g.inH, g.inW);
    for (var ky = 0u; ky < g.kH; ky++) {
      for (var kx = 0u; kx < g.kW; kx++) {
        let tap = dy_tap(px, ky, kx);
        // filter[ky, kx, n, co] for the 4 columns n.
        let fb = ((ky * g.kW + kx) * g.inC + cols) * g.outC;
        for (var co = 0u; co < g.outC; co++) {
          let a = a4(tap, co);
          let b = vec4<f32>(ld1(fb.x + co), ld1(fb.y + co), ld1(fb.z + co), ld1(fb.w + co));
          acc[0] += a.x * b; acc[1] += a.y * b; acc[2] += a.z * b; acc[3] += a.w * b;
        }
      }
    }
  } else {
    // Rows are filter taps (ky, kx, ci); K runs over the output pixels.
    let ci = rows % g.inC; let kx = (rows / g.inC) % g.kW; let ky = rows / (g.inC * g.kW);
    let offY = vec4<i32>(ky * g.dilH) - i32(g.padTop);
    let offX = vec4<i32>(kx * g.dilW) - i32(g.padLeft);
    var p = 0u;
    for (var b = 0u; b < g.batch; b++) {
      for (var oy = 0u; oy < g.outH; oy++) {
        let iy = offY + i32(oy * g.strideH);
        let okY = (iy >= vec4<i32>(0)) & (iy < vec4<i32>(i32(g.inH)));
        let rowBase = (b * g.inH + vec4<u32>(max(iy, vec4<i32>(0)))) * g.inW;
        for (var ox = 0u; ox < g.outW; ox++) {
          let ix = offX + i32(ox * g.strideW);
          let ok = okY & (ix >= vec4<i32>(0)) & (ix < vec4<i32>(i32(g.inW)));
          let xi = select(vec4<u32>(0u), (rowBase + vec4<u32>(max(ix, vec4<i32>(0)))) * g.inC + ci, ok);
          let a = select(vec4<f32>(0.0), vec4<f32>(ld0(xi.x), ld0(xi.y), ld0(xi.z), ld0(xi.w)), ok);
          let d = b_row(p, c0, cols);
          acc[0] += a.x * d; acc[1] += a.y * d; acc[2] += a.z * d; acc[3] += a.w * d;
          p++;
        }
      }
    }
  }
  for (var i = 0u; i < 4u; i++) { store_row(r0 + i, c0, acc[i]); }
}
