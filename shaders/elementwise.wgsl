// Elementwise kernel template. The generator (src/backends/webgpu/
// elementwise_program.ts) fills the three marked places: the input bindings,
// the output element type, and the body, which is a list of calls to the
// functions of elementwise_ops.wgsl / activations.wgsl (one per fused op).
// Shapes and strides are baked into the body as constants, so every index
// computation is a multiply-add by a literal.

//@BINDINGS

// Invocations per workgroup, and elements per invocation: set by the
// TypeScript that sizes the grid with them (elementwise_program.ts).
override WG: u32;
override PER_THREAD: u32;

// Each invocation computes PER_THREAD elements, a whole grid apart, so
// neighbouring invocations still touch neighbouring addresses (contiguous
// vector loads on SIMD hardware and CPU emulation) while fewer invocations
// are scheduled.
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // Large tensors spill into a second dispatch dimension.
  let grid = nwg.x * nwg.y * WG;
  let g = gid.x + gid.y * nwg.x * WG;
  for (var k = 0u; k < PER_THREAD; k++) {
    element(g + k * grid);
  }
}

fn element(i: u32) {
  //@BODY
}
