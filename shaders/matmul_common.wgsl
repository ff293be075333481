// What the two register-blocked matmul kernels share (matmul.wgsl and its
// quad-sharing version matmul_quad.wgsl): their override constants, and the
// epilogue that stores an invocation's 8x8 block of C. Placed after the
// bindings and loaders, before the kernel (matmul_program.ts).

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
// Whether K % 4 != 0 (only the scalar loaders allow it): false leaves the
// tail block out of the compiled kernel, which halves its compile time.
override K_TAIL: bool = true;
// Threads per workgroup along N (x) and M (y); a workgroup covers
// (8 * WG_Y) rows x (8 * WG_X) columns. The descriptor must use the same values.
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

fn act4(v: vec4<f32>) -> vec4<f32> {
  if (ACT == 0u) { return v; }
  return vec4<f32>(wg_activate(v.x, ACT, dims.alpha), wg_activate(v.y, ACT, dims.alpha),
                   wg_activate(v.z, ACT, dims.alpha), wg_activate(v.w, ACT, dims.alpha));
}

// Stores the 8x8 block at rows r0..r0+7 and the column groups c0 and c1:
// accs[2q + g] holds rows r0 + 4q .. +3 (column i of the matrix = row
// r0 + 4q + i) of group g. Bias (the loader clamps the read; columns past N
// are not stored), activation and the fused epilogue, in a loop over the 16
// row pieces of 4 columns: written out 16 times (inlined), the epilogue made
// the kernel compile about twice as slowly on SwiftShader; the loop runs once
// per invocation, after the K loop.
fn store_block(r0: u32, c0: u32, c1: u32, accs: array<mat4x4<f32>, 4>) {
  var bias0 = vec4<f32>(); var bias1 = vec4<f32>();
  if (HAS_BIAS) { bias0 = load_bias(c0); bias1 = load_bias(c1); }
  var blocks = accs;
  for (var q = 0u; q < 16u; q++) {
    let blk = q / 4u; let i = q % 4u;
    let r = r0 + (blk / 2u) * 4u + i;
    let g = (blk & 1u) == 1u;
    let c = select(c0, c1, g);
    store_c(r, c, epi4(act4(blocks[blk][i] + select(bias0, bias1, g)), r, c));
  }
}

// The scheduler's fused elementwise epilogue, `wg_epilogue(value, flat index)`,
// is generated per kernel and appended to the source (identity when nothing
// is fused). Lanes past N compute garbage that store_c never writes.
fn epi4(v: vec4<f32>, r: u32, c: u32) -> vec4<f32> {
  let i = r * dims.N + c;
  return vec4<f32>(wg_epilogue(v.x, i), wg_epilogue(v.y, i + 1u), wg_epilogue(v.z, i + 2u), wg_epilogue(v.w, i + 3u));
}
