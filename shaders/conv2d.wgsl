// 2-D convolution (NHWC) as an implicit GEMM C[M, N] = A[M, K] · B[K, N]:
// A and B are read straight from the tensors through the window geometry,
// never materialised (no im2col buffer). VARIANT picks the GEMM:
//   0 forward:     A = patches of x [M = pixels of y, K = kH*kW*inC], B = filter [K, outC]
//   1 input grad:  A = patches of dy seen from each x pixel [K = kH*kW*outC], B = filter^T
//   2 filter grad: A = patches of x, transposed [M = kH*kW*inC, K = pixels of y], B = dy
// Each workgroup of 16x16 invocations computes a 64x64 tile of C, staging
// 64x16 tiles of A and 16x64 tiles of B in workgroup memory; each invocation
// accumulates a 4x4 block in registers (vec4 rows), so every value loaded
// from workgroup memory is used four times. Geometry travels in the uniform:
// one pipeline per variant serves every shape. The scheduler's fused
// elementwise epilogue, `wg_epilogue(value, flat index)` (bias + activation,
// or an activation derivative backward), is generated and appended per kernel.
// Bindings and Geom: conv2d_bindings.wgsl, prepended with both operands f32.


override VARIANT: u32 = 0u;
const TM: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> tileA: array<array<f32, 64>, 16>; // [k][m]
var<workgroup> tileB: array<array<f32, 64>, 16>; // [k][n]

// x[b, iy, ix, ci] with iy, ix possibly outside (then 0: the padding).
fn x_at(b: u32, iy: i32, ix: i32, ci: u32) -> f32 {
  if (iy < 0 || ix < 0 || iy >= i32(g.inH) || ix >= i32(g.inW)) { return 0.0; }
  return in0[((b * g.inH + u32(iy)) * g.inW + u32(ix)) * g.inC + ci];
}

// Element (m, k) of A; callers check m < M and k < K.
fn a_at(m: u32, k: u32) -> f32 {
  if (VARIANT == 0u) {
    let ox = m % g.outW; let oy = (m / g.outW) % g.outH; let b = m / (g.outW * g.outH);
    let ci = k % g.inC; let kx = (k / g.inC) % g.kW; let ky = k / (g.inC * g.kW);
    return x_at(b, i32(oy * g.strideH + ky * g.dilH) - i32(g.padTop), i32(ox * g.strideW + kx * g.dilW) - i32(g.padLeft), ci);
  }
  if (VARIANT == 1u) {
    // dy[b, oy, ox, co] for the output pixel whose tap (ky, kx) reads x pixel m.
    let ix = m % g.inW; let iy = (m / g.inW) % g.inH; let b = m / (g.inW * g.inH);
    let co = k % g.outC; let kx = (k / g.outC) % g.kW; let ky = k / (g.outC * g.kW);
    let ty = i32(iy + g.padTop) - i32(ky * g.dilH);
    let tx = i32(ix + g.padLeft) - i32(kx * g.dilW);
    if (ty < 0 || tx < 0) { return 0.0; }
    let oy = u32(ty) / g.strideH; let ox = u32(tx) / g.strideW;
    if (oy * g.strideH != u32(ty) || ox * g.strideW != u32(tx) || oy >= g.outH || ox >= g.outW) { return 0.0; }
    return in0[((b * g.outH + oy) * g.outW + ox) * g.outC + co];
  }
  let ox = k % g.outW; let oy = (k / g.outW) % g.outH; let b = k / (g.outW * g.outH);
  let ci = m % g.inC; let kx = (m / g.inC) % g.kW; let ky = m / (g.inC * g.kW);
  return x_at(b, i32(oy * g.strideH + ky * g.dilH) - i32(g.padTop), i32(ox * g.strideW + kx * g.dilW) - i32(g.padLeft), ci);
}

// Element (k, n) of B; callers check k < K and n < N.
fn b_at(k: u32, n: u32) -> f32 {
  if (VARIANT == 1u) {
    // filter[ky, kx, n, co] with k = (ky, kx, co).
    let co = k % g.outC; let tap = k / g.outC;
    return in1[(tap * g.inC + n) * g.outC + co];
  }
  return in1[k * g.N + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = wid.x + wid.y * nwg.x;
  if (t >= g.blocks) { return; } // uniform per workgroup, so barriers stay uniform
  let m0 = (t / g.blocksN) * TM;
  let n0 = (t % g.blocksN) * TM;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < g.K; k0 += TK) {
    // 1024 values of each tile, 4 per invocation.
    for (var j = 0u; j < 4u; j++) {
      let e = li + j * 256u;
      let kk = e % TK; let mm = e / TK;
      var av = 0.0;
      if (m0 + mm < g.M && k0 + kk < g.K) { av = a_at(m0 + mm, k0 + kk); }
      tileA[kk][mm] = av;
      let nn = e % TM; let kb = e / TM;
      var bv = 0.0;
      if (k0 + kb < g.K && n0 + nn < g.N) { bv = b_at(k0 + kb, n0 + nn); }
      tileB[kb][nn] = bv;
    }
    workgroupBarrier();
    for (var p = 0u; p < TK; p++) {
      let a = vec4<f32>(tileA[p][lid.y * 4u], tileA[p][lid.y * 4u + 1u], tileA[p][lid.y * 4u + 2u], tileA[p][lid.y * 4u + 3u]);
      let b = vec4<f32>(tileB[p][lid.x * 4u], tileB[p][lid.x * 4u + 1u], tileB[p][lid.x * 4u + 2u], tileB[p][lid.x * 4u + 3u]);
      acc[0] += a.x * b; acc[1] += a.y * b; acc[2] += a.z * b; acc[3] += a.w * b;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = m0 + lid.y * 4u + i;
    if (r >= g.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let c = n0 + lid.x * 4u + j;
      if (c < g.N) { C[r * g.N + c] = wg_epilogue(acc[i][j], r * g.N + c); }
    }
  }
}
