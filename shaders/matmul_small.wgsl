// Matmul for small problems (a layer of a tiny network, a single-sample
// prediction, a layer with few units): each invocation computes ROWS x 4 of C
// (ROWS = 4, or 1 when M is tiny, e.g. one sample) with a plain loop over K
// and scalar loads (clamped to the matrix, see a_at). It compiles
// in a fraction of the time of the register-blocked kernel (matmul.wgsl),
// which only pays off once there is enough work to fill its 64x64 tiles; and
// being cheap to compile, it is the matmul that fused elementwise epilogues
// (`wg_epilogue`, generated per kernel) are attached to.
// Bindings: matmul_bindings.wgsl (0 A, 1 B, 2 bias, 3 C, 4 dims), as scalars.
alias MatmulElement = f32;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
// Rows of C per invocation (1 or 4) and invocations per workgroup: the
// descriptor picks them so even a one-sample product spans several workgroups.
override ROWS: u32 = 4u;
override WG: u32 = 64u;

// Element (r, p) of op(A), and row p of op(B) at columns c..c+3. Past the
// matrix (the last block's rows or columns) they read its last row or column:
// finish() stores no output that uses them. Clamping, not branching around
// the loads: on SwiftShader a load under a condition takes its slower masked
// path; this made the MNIST MLP's three products with 10 columns about a
// third faster in Chromium.
fn a_at(r: u32, p: u32) -> f32 {
  let rr = min(r, dims.M - 1u);
  return select(A[rr * dims.K + p], A[p * dims.M + rr], TRANS_A);
}

fn b_row(p: u32, c: u32) -> vec4<f32> {
  let cs = min(vec4<u32>(c) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(dims.N - 1u));
  if (TRANS_B) { return vec4<f32>(B[cs.x * dims.K + p], B[cs.y * dims.K + p], B[cs.z * dims.K + p], B[cs.w * dims.K + p]); }
  let o = p * dims.N;
  return vec4<f32>(B[o + cs.x], B[o + cs.y], B[o + cs.z], B[o + cs.w]);
}

fn finish(r: u32, c: u32, acc: vec4<f32>) {
  if (r >= dims.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    let col = c + j;
    if (col < dims.N) {
      var v = acc[j];
      if (HAS_BIAS) { v += bias[col]; }
      let i = r * dims.N + col;
      C[i] = wg_epilogue(wg_activate(v, ACT, dims.alpha), i);
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * WG;
  let blocksN = (dims.N + 3u) / 4u;
  let r0 = (t / blocksN) * ROWS;
  let c0 = (t % blocksN) * 4u;
  if (r0 >= dims.M) { return; }
  var acc0 = vec4<f32>(); var acc1 = vec4<f32>(); var acc2 = vec4<f32>(); var acc3 = vec4<f32>();
  for (var p = 0u; p < dims.K; p++) {
    let b = b_row(p, c0);
    acc0 += a_at(r0, p) * b;
    if (ROWS > 1u) {
      acc1 += a_at(r0 + 1u, p) * b;
      acc2 += a_at(r0 + 2u, p) * b;
      acc3 += a_at(r0 + 3u, p) * b;
    }
  }
  // One inlined copy of finish() (and its epilogue) in a loop, not four:
  // about 25% less compile time on SwiftShader.
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var q = 0u; q < ROWS; q++) { finish(r0 + q, c0, accs[q]); }
}
