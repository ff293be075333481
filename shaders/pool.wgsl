// Max / average pooling (NHWC) and their gradients, one invocation per output
// element. The gradient is a gather, not a scatter: each x element sums the
// dy of the windows that read it (for max, of those whose first maximum it
// is), so no atomics and no host round trip. Padding never counts: averages
// divide by the taps inside x, as TensorFlow does. When windows cannot
// overlap (span <= stride on both axes: the usual 2x2 pool of stride 2),
// pool_grad_cells does the same with one invocation per window instead.

struct Geom {
  batch: u32, inH: u32, inW: u32, inC: u32,
  outH: u32, outW: u32, outC: u32, kH: u32,
  kW: u32, strideH: u32, strideW: u32, dilH: u32,
  dilW: u32, padTop: u32, padLeft: u32, total: u32,
}

@group(0) @binding(0) var<storage, read> in0: array<f32>;
@group(0) @binding(1) var<storage, read> in1: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> g: Geom;

override MAX: bool = true;
// Gradient of max only: each result r at x element i becomes reluGrad(x[i], r)
// (r where x[i] > 0, else 0; NaN where either is NaN), the derivative of the
// relu whose output the pool read (PoolSpec.reluGrad). pool_grad_cells only.
override RELU: bool = false;

fn in_row(oy: u32, ky: u32) -> i32 { return i32(oy * g.strideH + ky * g.dilH) - i32(g.padTop); }
fn in_col(ox: u32, kx: u32) -> i32 { return i32(ox * g.strideW + kx * g.dilW) - i32(g.padLeft); }
fn inside(iy: i32, ix: i32) -> bool { return iy >= 0 && ix >= 0 && iy < i32(g.inH) && ix < i32(g.inW); }
fn x_index(b: u32, iy: i32, ix: i32, c: u32) -> u32 { return ((b * g.inH + u32(iy)) * g.inW + u32(ix)) * g.inC + c; }

// As for `max`: a NaN beats any number (the window's max is NaN, and its
// gradient goes to the first NaN), else only a strictly greater value does.
// NaN is tested by its bits (nonfinite.wgsl): `v != v` may be folded away.
fn beats(v: f32, best: f32) -> bool { return !wg_isnan(best) && (wg_isnan(v) || v > best); }

// Max: the x index of the first maximum of window (b, oy, ox, c); avg: the tap count (as u32).
fn window(b: u32, oy: u32, ox: u32, c: u32) -> u32 {
  var best = bitcast<f32>(0xff7fffffu);
  var arg = 0xffffffffu;
  var count = 0u;
  for (var ky = 0u; ky < g.kH; ky++) {
    for (var kx = 0u; kx < g.kW; kx++) {
      let iy = in_row(oy, ky); let ix = in_col(ox, kx);
      if (!inside(iy, ix)) { continue; }
      count++;
      let i = x_index(b, iy, ix, c);
      if (arg == 0xffffffffu || beats(in0[i], best)) { best = in0[i]; arg = i; }
    }
  }
  if (MAX) { return arg; }
  return count;
}

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * 256u; }

@compute @workgroup_size(256)
fn pool(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i >= g.total) { return; }
  let c = i % g.inC; let ox = (i / g.inC) % g.outW; let oy = (i / (g.inC * g.outW)) % g.outH; let b = i / (g.inC * g.outW * g.outH);
  if (MAX) {
    let arg = window(b, oy, ox, c);
    out[i] = select(in0[arg], bitcast<f32>(0xff7fffffu), arg == 0xffffffffu);
    return;
  }
  var sum = 0.0;
  var count = 0u;
  for (var ky = 0u; ky < g.kH; ky++) {
    for (var kx = 0u; kx < g.kW; kx++) {
      let iy = in_row(oy, ky); let ix = in_col(ox, kx);
      if (inside(iy, ix)) { sum += in0[x_index(b, iy, ix, c)]; count++; }
    }
  }
  out[i] = sum / f32(max(count, 1u));
}

// Inputs: (x, dy) for max, (dy) for avg (then in0 is dy and the window count is computed without reading x).
@compute @workgroup_size(256)
fn pool_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i >= g.total) { return; }
  let c = i % g.inC; let ix = (i / g.inC) % g.inW; let iy = (i / (g.inC * g.inW)) % g.inH; let b = i / (g.inC * g.inW * g.inH);
  var acc = 0.0;
  for (var ky = 0u; ky < g.kH; ky++) {
    let ty = i32(iy + g.padTop) - i32(ky * g.dilH);
    if (ty < 0) { continue; }
    let oy = u32(ty) / g.strideH;
    if (oy * g.strideH != u32(ty) || oy >= g.outH) { continue; }
    for (var kx = 0u; kx < g.kW; kx++) {
      let tx = i32(ix + g.padLeft) - i32(kx * g.dilW);
      if (tx < 0) { continue; }
      let ox = u32(tx) / g.strideW;
      if (ox * g.strideW != u32(tx) || ox >= g.outW) { continue; }
      let o = ((b * g.outH + oy) * g.outW + ox) * g.inC + c;
      if (MAX) {
        if (window(b, oy, ox, c) == i) { acc += in1[o]; }
      } else {
        var count = 0u;
        for (var y = 0u; y < g.kH; y++) {
          for (var x = 0u; x < g.kW; x++) {
            if (inside(in_row(oy, y), in_col(ox, x))) { count++; }
          }
        }
        acc += in0[o] / f32(count);
      }
    }
  }
  out[i] = acc;
}

// Gradient when windows do not overlap. The stride cells of the windows,
// rows [oy*strideH - padTop, (oy+1)*strideH - padTop) (the first cell
// extended up to row 0, the last one down to inH; columns alike), partition
// x, and each window lies inside its cell. One invocation per window finds
// its maximum (or tap count) once and writes its whole cell: dy where the
// window sends it, 0 elsewhere. Compared with pool_grad, each window is
// searched once rather than once per tap, and there is no division per tap.
@compute @workgroup_size(256)
fn pool_grad_cells(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i >= g.total) { return; }
  let c = i % g.inC; let ox = (i / g.inC) % g.outW; let oy = (i / (g.inC * g.outW)) % g.outH; let b = i / (g.inC * g.outW * g.outH);
  let o = ((b * g.outH + oy) * g.outW + ox) * g.inC + c;
  var arg = 0xffffffffu;
  var share = 0.0;
  // RELU: whether the window holds a NaN (its maximum is then NaN).
  var nanWin = false;
  if (MAX) {
    arg = window(b, oy, ox, c);
    share = in1[o];
    if (RELU && arg != 0xffffffffu) {
      // reluGrad at the maximum; without a NaN in the window every other
      // element's is reluGrad(x, 0) = 0, so x is not read again.
      let best = in0[arg];
      nanWin = wg_isnan(best);
      share = select(select(0.0, share, best > 0.0), share + best, nanWin || wg_isnan(share));
    }
  } else {
    // in0 is dy here: count the taps inside x without reading it.
    var count = 0u;
    for (var ky = 0u; ky < g.kH; ky++) {
      for (var kx = 0u; kx < g.kW; kx++) {
        if (inside(in_row(oy, ky), in_col(ox, kx))) { count++; }
      }
    }
    share = in0[o] / f32(max(count, 1u));
  }
  let y0 = select(max(in_row(oy, 0u), 0), 0, oy == 0u);
  let y1 = select(in_row(oy + 1u, 0u), i32(g.inH), oy + 1u == g.outH);
  let x0 = select(max(in_col(ox, 0u), 0), 0, ox == 0u);
  let x1 = select(in_col(ox + 1u, 0u), i32(g.inW), ox + 1u == g.outW);
  let wy = in_row(oy, 0u); let wx = in_col(ox, 0u);
  for (var y = y0; y < min(y1, i32(g.inH)); y++) {
    for (var x = x0; x < min(x1, i32(g.inW)); x++) {
      let xi = x_index(b, y, x, c);
      var v = 0.0;
      if (MAX) {
        if (xi == arg) { v = share; }
        // A NaN elsewhere in the window, or an element no window covers
        // (stride > window): reluGrad(x, 0) is NaN where x is.
        let covered = y < wy + i32(g.kH) && x < wx + i32(g.kW);
        if (RELU && (nanWin || !covered) && wg_isnan(in0[xi])) { v = in0[xi]; }
      } else if (y < wy + i32(g.kH) && x < wx + i32(g.kW) && y >= wy && x >= wx) {
        v = share;
      }
      out[xi] = v;
    }
  }
}
