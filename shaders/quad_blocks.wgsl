// 4x4 blocks moved between the lanes of a 4-wide subgroup, for the kernels
// that share their loads across a subgroup (matmul_quad.wgsl,
// conv2d_quad.wgsl). Placed after `enable subgroups;` and before the kernel.

// The block of the lane `lane ^ 1` (quadSwapX) and of the lane `lane ^ 2`
// (quadSwapY). Quad swaps, not subgroupShuffleXor: SwiftShader makes a quad
// swap one lane swizzle and a shuffle a select over all lanes; with shuffles
// the matmul compiled about as slowly as matmul.wgsl and ran only 3-6%
// faster in the MLP step.
fn swap_x(m: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(quadSwapX(m[0]), quadSwapX(m[1]), quadSwapX(m[2]), quadSwapX(m[3]));
}
fn swap_y(m: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(quadSwapY(m[0]), quadSwapY(m[1]), quadSwapY(m[2]), quadSwapY(m[3]));
}

// `t` where `c`, else `f`, column by column (select on matrices).
fn pick(c: bool, t: mat4x4<f32>, f: mat4x4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(select(f[0], t[0], c), select(f[1], t[1], c), select(f[2], t[2], c), select(f[3], t[3], c));
}
