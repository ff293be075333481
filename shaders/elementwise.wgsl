// Elementwise kernel template. The generator (src/backends/webgpu/
// elementwise_program.ts) fills the three marked places: the input bindings,
// the output element type, and the body, which is a list of calls to the
// functions of elementwise_ops.wgsl / activations.wgsl (one per fused op).
// Shapes and strides are baked into the body as constants, so every index
// computation is a multiply-add by a literal.

//@BINDINGS

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // Flat output index; large tensors spill into a second dispatch dimension.
  let i = gid.x + gid.y * nwg.x * 256u;
  //@BODY
}
