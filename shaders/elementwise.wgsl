// Elementwise kernel template. The generator (src/backends/webgpu/
// elementwise_program.ts) fills the three marked places: the input bindings,
// the output element type, and the body, which is a list of calls to the
// functions of elementwise_ops.wgsl / activations.wgsl (one per fused op).
// Shapes and strides are baked into the body as constants, so every index
// computation is a multiply-add by a literal.

//@BINDINGS

// Each invocation computes 4 elements, a whole grid apart, so neighbouring
// invocations still touch neighbouring addresses (contiguous vector loads on
// SIMD hardware and CPU emulation) while 4x fewer invocations are scheduled.
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // Large tensors spill into a second dispatch dimension.
  let grid = nwg.x * nwg.y * 256u;
  let g = gid.x + gid.y * nwg.x * 256u;
  for (var k = 0u; k < 4u; k++) {
    element(g + k * grid);
  }
}

fn element(i: u32) {
  //@BODY
}
