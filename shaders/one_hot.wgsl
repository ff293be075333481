// One-hot encoding: out[i, j] = 1 if labels[i] == j else 0 (labels int32).

struct OneHotDims { n: u32, depth: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> labels: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> dims: OneHotDims;

// Invocations per workgroup: set by the TypeScript that sizes the grid with it (programs.ts).
override WG: u32;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= dims.n * dims.depth) { return; }
  let row = i / dims.depth;
  let col = i % dims.depth;
  out[i] = select(0.0, 1.0, labels[row] == i32(col));
}
