// Matmul for small problems (a layer of a tiny network, a single-sample
// prediction): one output per invocation, a plain loop over K. It compiles in
// a fraction of the time of the register-blocked kernel (matmul.wgsl), which
// only pays off once there is enough work to fill its 64x64 tiles; and being
// cheap to compile, it is the matmul that fused elementwise epilogues
// (`wg_epilogue`, generated per kernel) are attached to.
// Bindings follow the matmul contract: 0 A, 1 B, 2 bias, 3 C, 4 dims.

struct Dims { M: u32, N: u32, K: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<uniform> dims: Dims;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= dims.M * dims.N) { return; }
  let row = i / dims.N;
  let col = i - row * dims.N;
  // Element (row, p) of op(A) and (p, col) of op(B), as strides over p.
  let aBase = select(row * dims.K, row, TRANS_A);
  let aStep = select(1u, dims.M, TRANS_A);
  let bBase = select(col, col * dims.K, TRANS_B);
  let bStep = select(dims.N, 1u, TRANS_B);
  var acc = 0.0;
  for (var p = 0u; p < dims.K; p++) {
    acc += A[aBase + p * aStep] * B[bBase + p * bStep];
  }
  if (HAS_BIAS) { acc += bias[col]; }
  C[i] = wg_epilogue(wg_activate(acc, ACT, dims.alpha), i);
}
