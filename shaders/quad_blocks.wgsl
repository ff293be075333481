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

// A lane's four products of a 2x2 square of blocks, accumulated by whose
// blocks they multiply, put into positions. While the K loop runs the kernels
// keep r[0] = this lane's B block x its A block, r[1] = the y neighbour's B x
// own A, r[2] = own B x the x neighbour's A, r[3] = both neighbours': picking
// the swapped blocks into positions on every step instead (64 selects per 4 k)
// cost 25-30% of the matmul's time on SwiftShader. Returns the blocks by
// position: [A0 B0, A0 B1, A1 B0, A1 B1], A0 being the left lane's (lx = 0)
// A block and B0 the top lane's (ly = 0) B block.
fn by_position(r: array<mat4x4<f32>, 4>, lx: u32, ly: u32) -> array<mat4x4<f32>, 4> {
  let left = lx == 0u; let top = ly == 0u;
  // B block 0 / 1 times this lane's own A block, and times its x neighbour's.
  let b0Own = pick(top, r[0], r[1]); let b1Own = pick(top, r[1], r[0]);
  let b0Other = pick(top, r[2], r[3]); let b1Other = pick(top, r[3], r[2]);
  return array<mat4x4<f32>, 4>(pick(left, b0Own, b0Other), pick(left, b1Own, b1Other), pick(left, b0Other, b0Own), pick(left, b1Other, b1Own));
}
