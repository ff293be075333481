// Max / average pooling (NHWC) and the per-window gradient (see pool.wgsl's
// pool_grad_cells) for channel counts that are multiples of 4: each
// invocation handles 4 neighbouring channels of one window with vec4 loads
// and stores, so there are a quarter of the invocations and of the loads
// (on SwiftShader each scalar load is gathered lane by lane). Per channel the
// rules are pool.wgsl's: the first maximum in window order wins (a later tap
// only when strictly greater, so NaN never displaces and a leading NaN
// stays), the window's gradient goes to it, and averages divide by the taps
// inside x. C4 = inC / 4; `total` counts vec4 groups of the output (forward)
// or of dy (gradient).

struct Geom {
  batch: u32, inH: u32, inW: u32, inC: u32,
  outH: u32, outW: u32, outC: u32, kH: u32,
  kW: u32, strideH: u32, strideW: u32, dilH: u32,
  dilW: u32, padTop: u32, padLeft: u32, total: u32,
}

@group(0) @binding(0) var<storage, read> in0: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> in1: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> g: Geom;

override MAX: bool = true;
// Gradient of max only: each result r at x element i becomes reluGrad(x[i], r)
// (r where x[i] > 0, else 0; NaN where either is NaN), the derivative of the
// relu whose output the pool read (PoolSpec.reluGrad).
override RELU: bool = false;

const NONE = 0xffffffffu;

// NaN by its bits, per lane (`v != v` may be folded away).
fn isnan4(v: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u); }

fn flat4(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * 256u; }
fn row_of(oy: u32, ky: u32) -> i32 { return i32(oy * g.strideH + ky * g.dilH) - i32(g.padTop); }
fn col_of(ox: u32, kx: u32) -> i32 { return i32(ox * g.strideW + kx * g.dilW) - i32(g.padLeft); }
fn inside4(iy: i32, ix: i32) -> bool { return iy >= 0 && ix >= 0 && iy < i32(g.inH) && ix < i32(g.inW); }
fn x4(b: u32, iy: i32, ix: i32, c4: u32) -> u32 { return ((b * g.inH + u32(iy)) * g.inW + u32(ix)) * (g.inC / 4u) + c4; }

// The window of output group i: (b, oy, ox, c4).
struct Win { b: u32, oy: u32, ox: u32, c4: u32 }

fn win_of(i: u32) -> Win {
  let c4n = g.inC / 4u;
  let c4 = i % c4n; let p = i / c4n;
  return Win(p / (g.outW * g.outH), (p / g.outW) % g.outH, p % g.outW, c4);
}

// Per channel: the vec4 index of x holding the window's first maximum (NONE: no tap inside), and that maximum.
struct Arg { at: vec4<u32>, best: vec4<f32> }

fn window_max(w: Win) -> Arg {
  var r = Arg(vec4<u32>(NONE), vec4<f32>(bitcast<f32>(0xff7fffffu)));
  // One loop over the taps with counters, not two nested ones: SwiftShader's
  // cost per loop entered is high (the MNIST CNN's first max pool took 20%
  // less CPU time this way; its gradient shares this function).
  var ky = 0u; var kx = 0u;
  for (var k = 0u; k < g.kH * g.kW; k++) {
    let iy = row_of(w.oy, ky); let ix = col_of(w.ox, kx);
    kx++;
    if (kx == g.kW) { kx = 0u; ky++; }
    if (!inside4(iy, ix)) { continue; }
    let xi = x4(w.b, iy, ix, w.c4);
    let v = in0[xi];
    // pool.wgsl's beats() per channel: a NaN beats any number, else only a greater value.
    let bestNan = isnan4(r.best);
    let take = (r.at == vec4<u32>(NONE)) | (!bestNan & (isnan4(v) | (v > r.best)));
    r.best = select(r.best, v, take);
    r.at = select(r.at, vec4<u32>(xi), take);
  }
  return r;
}

fn window_count(w: Win) -> u32 {
  var n = 0u;
  for (var ky = 0u; ky < g.kH; ky++) {
    for (var kx = 0u; kx < g.kW; kx++) {
      if (inside4(row_of(w.oy, ky), col_of(w.ox, kx))) { n++; }
    }
  }
  return n;
}

@compute @workgroup_size(256)
fn pool4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat4(gid, nwg);
  if (i >= g.total) { return; }
  let w = win_of(i);
  if (MAX) {
    let r = window_max(w);
    out[i] = select(r.best, vec4<f32>(bitcast<f32>(0xff7fffffu)), r.at == vec4<u32>(NONE));
    return;
  }
  var sum = vec4<f32>(0.0);
  for (var ky = 0u; ky < g.kH; ky++) {
    for (var kx = 0u; kx < g.kW; kx++) {
      let iy = row_of(w.oy, ky); let ix = col_of(w.ox, kx);
      if (inside4(iy, ix)) { sum += in0[x4(w.b, iy, ix, w.c4)]; }
    }
  }
  out[i] = sum / f32(max(window_count(w), 1u));
}

// Inputs: (x, dy) for max, (dy) for avg. Windows cannot overlap; each writes its stride cell (see pool.wgsl).
@compute @workgroup_size(256)
fn pool_grad_cells4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat4(gid, nwg);
  if (i >= g.total) { return; }
  let w = win_of(i);
  var at = vec4<u32>(NONE);
  var share: vec4<f32>;
  // RELU: whether a channel's window holds a NaN (its maximum is then NaN).
  var nanWin = vec4<bool>(false);
  if (MAX) {
    let r = window_max(w);
    at = r.at;
    share = in1[i];
    if (RELU) {
      // reluGrad at the maximum, whose x is r.best; without a NaN in the
      // window every other element's is reluGrad(x, 0) = 0, so x is not read again.
      nanWin = isnan4(r.best);
      share = select(select(vec4<f32>(0.0), share, r.best > vec4<f32>(0.0)), share + r.best, nanWin | isnan4(share));
    }
  } else {
    share = in0[i] / f32(max(window_count(w), 1u));
  }
  let y0 = select(max(row_of(w.oy, 0u), 0), 0, w.oy == 0u);
  let y1 = select(row_of(w.oy + 1u, 0u), i32(g.inH), w.oy + 1u == g.outH);
  let x0 = select(max(col_of(w.ox, 0u), 0), 0, w.ox == 0u);
  let x1 = select(col_of(w.ox + 1u, 0u), i32(g.inW), w.ox + 1u == g.outW);
  let wy = row_of(w.oy, 0u); let wx = col_of(w.ox, 0u);
  // The cell's elements in one loop with counters, not two nested loops
  // (SwiftShader's cost per loop entered is high: 8-16% less CPU time for the
  // MNIST CNN's first max pool gradient with its relu derivative).
  let ye = min(y1, i32(g.inH)); let xe = min(x1, i32(g.inW));
  let n = max(ye - y0, 0) * max(xe - x0, 0);
  var y = y0; var x = x0;
  for (var k = 0; k < n; k++) {
    cell4(w, y, x, at, share, nanWin, wy, wx);
    x++;
    if (x == xe) { x = x0; y++; }
  }
}

// x element (y, x) of window w's stride cell: its share of the gradient.
fn cell4(w: Win, y: i32, x: i32, at: vec4<u32>, share: vec4<f32>, nanWin: vec4<bool>, wy: i32, wx: i32) {
  let xi = x4(w.b, y, x, w.c4);
  var v = vec4<f32>(0.0);
  if (MAX) {
    v = select(vec4<f32>(0.0), share, at == vec4<u32>(xi));
    // A NaN elsewhere in the window, or an element no window covers
    // (stride > window): reluGrad(x, 0) is NaN where x is.
    let covered = y < wy + i32(g.kH) && x < wx + i32(g.kW);
    if (RELU && (any(nanWin) || !covered)) {
      v = select(v, in0[xi], isnan4(in0[xi]));
    }
  } else if (y < wy + i32(g.kH) && x < wx + i32(g.kW) && y >= wy && x >= wx) {
    v = share;
  }
  out[xi] = v;
}
