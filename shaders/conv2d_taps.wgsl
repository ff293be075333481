// Window taps, operand loads and the store of the register-blocked
// convolution kernels (conv2d_registers.wgsl, and conv2d_quad.wgsl where
// subgroups are 4 wide), prepended to them after conv2d_bindings.wgsl and the
// loaders ld0/ld0v/ld1/ld1v and flags A4/B4 (conv_program.ts).

// Where row i's window tap starts in a tensor, and whether it lies inside.
struct Tap { base: vec4<u32>, ok: vec4<bool> }

// A pixel index p = (b, y, x) of an H x W image, split once per invocation
// (integer division is slow on CPUs' vector units).
struct Pixel { b: vec4<u32>, y: vec4<u32>, x: vec4<u32> }

fn pixel(p: vec4<u32>, h: u32, w: u32) -> Pixel {
  let bh = p / w;
  return Pixel(bh / h, bh % h, p % w);
}

// x pixel (b, iy, ix) that output pixel o reads at tap (ky, kx).
fn x_tap(o: Pixel, ky: u32, kx: u32) -> Tap {
  let iy = vec4<i32>(o.y * g.strideH + ky * g.dilH) - i32(g.padTop);
  let ix = vec4<i32>(o.x * g.strideW + kx * g.dilW) - i32(g.padLeft);
  let ok = (iy >= vec4<i32>(0)) & (ix >= vec4<i32>(0)) & (iy < vec4<i32>(i32(g.inH))) & (ix < vec4<i32>(i32(g.inW)));
  let base = ((o.b * g.inH + vec4<u32>(max(iy, vec4<i32>(0)))) * g.inW + vec4<u32>(max(ix, vec4<i32>(0)))) * g.inC;
  return Tap(select(vec4<u32>(0u), base, ok), ok);
}

// dy pixel (b, oy, ox) whose tap (ky, kx) reads x pixel i.
fn dy_tap(i: Pixel, ky: u32, kx: u32) -> Tap {
  let ty = vec4<i32>(i.y + g.padTop) - i32(ky * g.dilH);
  let tx = vec4<i32>(i.x + g.padLeft) - i32(kx * g.dilW);
  let uy = vec4<u32>(max(ty, vec4<i32>(0))); let ux = vec4<u32>(max(tx, vec4<i32>(0)));
  // Strides of 1 (the usual case) need no division.
  var oy = uy; var ox = ux;
  if (g.strideH != 1u) { oy = uy / g.strideH; }
  if (g.strideW != 1u) { ox = ux / g.strideW; }
  let ok = (ty >= vec4<i32>(0)) & (tx >= vec4<i32>(0)) & (oy * g.strideH == uy) & (ox * g.strideW == ux) & (oy < vec4<u32>(g.outH)) & (ox < vec4<u32>(g.outW));
  return Tap(select(vec4<u32>(0u), ((i.b * g.outH + oy) * g.outW + ox) * g.outC, ok), ok);
}

fn a4(t: Tap, off: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(ld0(t.base.x + off), ld0(t.base.y + off), ld0(t.base.z + off), ld0(t.base.w + off)), t.ok);
}

// Channels off .. off+3 of row i's tap (A4 only: base and off are multiples of 4).
fn a_vec(t: Tap, i: u32, off: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), ld0v(t.base[i] + off), t.ok[i]);
}

// B[k, c0 .. c0+3] of a row-major B with N columns: one vec4 where N % 4 == 0.
fn b_row(k: u32, c0: u32, cols: vec4<u32>) -> vec4<f32> {
  if (B4) { return ld1v(k * g.N + c0); }
  let i = k * g.N + cols;
  return vec4<f32>(ld1(i.x), ld1(i.y), ld1(i.z), ld1(i.w));
}

// Row r of C, columns c0 .. c0+3 (those inside C), through the epilogue.
fn store_row(r: u32, c0: u32, v: vec4<f32>) {
  if (r >= g.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    let c = c0 + j;
    if (c < g.N) { C[r * g.N + c] = wg_epilogue(v[j], r * g.N + c); }
  }
}
