// Matmul for real GPUs: C = act(op(A) · op(B) + bias), float32, row-major,
// staged through workgroup memory. A workgroup of 16 x 16 invocations owns a
// 64 x 64 tile of C; for each slice of 16 along K it loads the 64 x 16 piece
// of op(A) and the 16 x 64 piece of op(B) into workgroup memory (each value
// read from global memory once per workgroup, with consecutive invocations
// reading consecutive addresses whatever the transposes), then every
// invocation multiplies its 4 rows by its 4 columns out of that shared copy.
// The register-blocked kernel (matmul.wgsl) has no workgroup memory because
// on SwiftShader barriers cost more than they save; on GPUs the shared tiles
// are what keeps the arithmetic units fed. matmul_program.ts picks this one
// when the adapter is not emulated (or when forced, which the tests do).
// Bindings: matmul_bindings.wgsl with scalar elements; the fused epilogue
// `wg_epilogue(value, flat index)` is appended per kernel.
alias MatmulElement = f32;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;

const TILE: u32 = 64u;
const TK: u32 = 16u;
const THREADS: u32 = 256u;

// tile_a[r * TK + k] = op(A)[row0 + r, k0 + k]; tile_b[k * TILE + c] = op(B)[k0 + k, col0 + c].
var<workgroup> tile_a: array<f32, 1024>;
var<workgroup> tile_b: array<f32, 1024>;

fn a_at(r: u32, k: u32) -> f32 {
  if (r >= dims.M || k >= dims.K) { return 0.0; }
  if (TRANS_A) { return A[k * dims.M + r]; }
  return A[r * dims.K + k];
}

fn b_at(k: u32, c: u32) -> f32 {
  if (k >= dims.K || c >= dims.N) { return 0.0; }
  if (TRANS_B) { return B[c * dims.K + k]; }
  return B[k * dims.N + c];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  // Tiles are numbered linearly over a grid that may span x and y; a whole
  // workgroup past the last tile leaves (uniformly, so the barriers stay valid).
  let t = wid.x + wid.y * nwg.x;
  let tilesN = (dims.N + TILE - 1u) / TILE;
  let row0 = (t / tilesN) * TILE;
  let col0 = (t % tilesN) * TILE;
  if (row0 >= dims.M) { return; }

  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < dims.K; k0 += TK) {
    for (var q = 0u; q < 4u; q++) {
      let e = li + q * THREADS;
      // Consecutive invocations take consecutive addresses of the matrix in memory.
      var ar = e / TK; var ak = e % TK;
      if (TRANS_A) { ar = e % TILE; ak = e / TILE; }
      tile_a[ar * TK + ak] = a_at(row0 + ar, k0 + ak);
      var bk = e / TILE; var bc = e % TILE;
      if (TRANS_B) { bk = e % TK; bc = e / TK; }
      tile_b[bk * TILE + bc] = b_at(k0 + bk, col0 + bc);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let o = k * TILE + lid.x * 4u;
      let b = vec4<f32>(tile_b[o], tile_b[o + 1u], tile_b[o + 2u], tile_b[o + 3u]);
      for (var i = 0u; i < 4u; i++) {
        acc[i] += tile_a[(lid.y * 4u + i) * TK + k] * b;
      }
    }
    workgroupBarrier();
  }

  let c0 = col0 + lid.x * 4u;
  var bv = vec4<f32>();
  if (HAS_BIAS) {
    for (var j = 0u; j < 4u; j++) {
      if (c0 + j < dims.N) { bv[j] = bias[c0 + j]; }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r < dims.M) {
      let v = acc[i] + bv;
      for (var j = 0u; j < 4u; j++) {
        let c = c0 + j;
        if (c < dims.N) {
          var x = v[j];
          if (ACT != 0u) { x = wg_activate(x, ACT, dims.alpha); }
          C[r * dims.N + c] = wg_epilogue(x, r * dims.N + c);
        }
      }
    }
  }
}
