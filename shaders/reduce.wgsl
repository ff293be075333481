// Reductions of the middle axis of a tensor viewed as [outer, size, inner].
// The generator (src/backends/webgpu/reduce_program.ts) supplies the bindings
// and two functions: `wg_reduce_load(i)`, the value at flat input index i
// (a plain read, or a fused elementwise prologue), and `wg_reduce_store(v, o)`,
// applied to each result (identity, or a fused epilogue). Results are stored
// as raw 32-bit words so one binding serves float results (sum, max) and
// integer ones (argmax indices).

struct ReduceDims { outer: u32, size: u32, inner: u32, pad: u32 }

//@BINDINGS

//@FUNCTIONS

// 0 = sum, 1 = max, 2 = argmax
override REDUCER: u32 = 0u;
// Invocations per workgroup (a power of two): set by the TypeScript that
// sizes the grid with it (reduce_program.ts).
override WG: u32;

var<workgroup> partVal: array<f32, WG>;
var<workgroup> partIdx: array<u32, WG>;

// Whether value v at index i beats the best so far: NaN wins (max is NaN and
// argmax the first NaN's index), then larger values, then the smaller index.
// NaN is tested by its bits (shaders/nonfinite.wgsl): `v != v` may be folded away.
fn better(v: f32, i: u32, bestV: f32, bestI: u32) -> bool {
  let vNan = wg_isnan(v);
  let bestNan = wg_isnan(bestV);
  if (vNan) { return !bestNan || i < bestI; }
  if (bestNan) { return false; }
  return v > bestV || (v == bestV && i < bestI);
}

fn store(o: u32, v: f32, idx: u32) {
  if (REDUCER == 2u) { out[o] = idx; } else { out[o] = bitcast<u32>(wg_reduce_store(v, o)); }
}

// One workgroup per output, threads stride over its values and combine in
// workgroup memory, so long rows (a loss over a big batch) are fast. Used for
// inner == 1, and for a few long columns (inner > 1: a first conv layer's
// bias gradient, 32 sums of 43k values, which reduce_cols gives 32 threads
// of one workgroup: one CPU thread on SwiftShader).
@compute @workgroup_size(WG)
fn reduce_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x + wid.y * nwg.x;
  let valid = o < dims.outer * dims.inner;
  var acc: f32 = select(-3.4028234e38, 0.0, REDUCER == 0u);
  var accIdx: u32 = 0xffffffffu;
  if (valid) {
    let base = (o / dims.inner) * dims.size * dims.inner + o % dims.inner;
    for (var r = lid; r < dims.size; r += WG) {
      let v = wg_reduce_load(base + r * dims.inner);
      if (REDUCER == 0u) { acc += v; } else if (accIdx == 0xffffffffu || better(v, r, acc, accIdx)) { acc = v; accIdx = r; }
    }
  }
  partVal[lid] = acc;
  partIdx[lid] = accIdx;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      let v = partVal[lid + s];
      let vi = partIdx[lid + s];
      if (REDUCER == 0u) {
        partVal[lid] += v;
      } else if (vi != 0xffffffffu && (partIdx[lid] == 0xffffffffu || better(v, vi, partVal[lid], partIdx[lid]))) {
        partVal[lid] = v;
        partIdx[lid] = vi;
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u && valid) {
    var v = partVal[0];
    if (REDUCER != 0u && partIdx[0] == 0xffffffffu) { v = wg_neg_inf(); }
    store(o, v, select(partIdx[0], 0u, partIdx[0] == 0xffffffffu));
  }
}

// inner > 1: one thread per output; neighbouring threads read neighbouring
// addresses (coalesced), e.g. the bias gradient summed over a batch.
@compute @workgroup_size(WG)
fn reduce_cols(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * nwg.x * WG;
  if (o >= dims.outer * dims.inner) { return; }
  let outerIdx = o / dims.inner;
  let innerIdx = o % dims.inner;
  let base = outerIdx * dims.size * dims.inner + innerIdx;
  var acc: f32 = select(wg_neg_inf(), 0.0, REDUCER == 0u);
  var accIdx: u32 = 0u;
  for (var r = 0u; r < dims.size; r++) {
    let v = wg_reduce_load(base + r * dims.inner);
    if (REDUCER == 0u) { acc += v; } else if (r == 0u || better(v, r, acc, accIdx)) { acc = v; accIdx = r; }
  }
  store(o, acc, accIdx);
}
