// Batched matmul: C_b = op(A_b) · op(B_b) for b < batch, with [M, K] x [K, N]
// matrices stored one after the other; an operand whose stride is 0 (one
// matrix, broadcast) serves every batch. Each workgroup computes a 16x16 tile
// of one C_b, staging 16x16 tiles of A and B in workgroup memory. Shapes
// travel in the uniform, so one pipeline per (TRANS_A, TRANS_B) serves every size.

struct Dims { M: u32, N: u32, K: u32, batch: u32, strideA: u32, strideB: u32, tilesM: u32, tilesN: u32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
const T: u32 = 16u;

var<workgroup> tileA: array<array<f32, 16>, 16>;
var<workgroup> tileB: array<array<f32, 16>, 16>;

// Element (r, p) of op(A_b) and (p, c) of op(B_b); callers check the bounds.
fn a_at(base: u32, r: u32, p: u32) -> f32 {
  if (TRANS_A) { return A[base + p * dims.M + r]; }
  return A[base + r * dims.K + p];
}
fn b_at(base: u32, p: u32, c: u32) -> f32 {
  if (TRANS_B) { return B[base + c * dims.K + p]; }
  return B[base + p * dims.N + c];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // Workgroups are numbered linearly over (batch, tile row, tile column).
  let g = wid.x + wid.y * nwg.x;
  let perBatch = dims.tilesM * dims.tilesN;
  if (g >= perBatch * dims.batch) { return; }
  let b = g / perBatch;
  let t = g % perBatch;
  let r = (t / dims.tilesN) * T + lid.y;
  let c = (t % dims.tilesN) * T + lid.x;
  let baseA = b * dims.strideA;
  let baseB = b * dims.strideB;
  var acc = 0.0;
  for (var k0 = 0u; k0 < dims.K; k0 += T) {
    var av = 0.0;
    if (r < dims.M && k0 + lid.x < dims.K) { av = a_at(baseA, r, k0 + lid.x); }
    tileA[lid.y][lid.x] = av;
    var bv = 0.0;
    if (k0 + lid.y < dims.K && c < dims.N) { bv = b_at(baseB, k0 + lid.y, c); }
    tileB[lid.y][lid.x] = bv;
    workgroupBarrier();
    for (var p = 0u; p < T; p++) { acc += tileA[lid.y][p] * tileB[p][lid.x]; }
    workgroupBarrier();
  }
  if (r < dims.M && c < dims.N) { C[b * dims.M * dims.N + r * dims.N + c] = acc; }
}
