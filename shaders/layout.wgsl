// Data-movement kernel template (slice, pad, tile, concat, where): every
// output element is one input element, or a constant, copied as a raw 32-bit
// word, so one kernel serves float32 and int32. The generator
// (src/backends/webgpu/layout_program.ts) fills in the bindings and the body
// of `element`: index arithmetic with the shapes baked in as literals. It
// only ever forms in-bounds indices (padding returns the constant instead).

//@BINDINGS

override TOTAL: u32;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // Large tensors spill into a second dispatch dimension.
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= TOTAL) { return; }
  out[i] = element(i);
}

// where(): whether a condition word is true. Float32: any value but +0 and
// -0 (NaN counts as true, tested by its bits); int32: any value but 0.
fn wg_cond_f32(bits: u32) -> bool { return (bits & 0x7fffffffu) != 0u; }
fn wg_cond_i32(bits: u32) -> bool { return bits != 0u; }

fn element(i: u32) -> u32 {
  //@BODY
}
