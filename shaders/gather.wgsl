// gather(x, indices, axis) and its gradient, over x viewed as
// [outer, axisSize, inner] and n int32 indices. Shapes travel in the
// uniform, so one pipeline serves every size. Indices outside
// [0, axisSize) are clamped to that range (the CPU backend refuses them), so
// no invocation ever reads outside x; the gradient clamps the same way, so
// it stays the exact transpose of the forward kernel.

struct GatherDims { outer: u32, axisSize: u32, inner: u32, n: u32 }

// gather: x (any 32-bit type, copied as raw words); gather_grad: dy (f32 bits).
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read> indices: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> dims: GatherDims;

fn clamped_index(j: u32) -> u32 {
  return u32(clamp(indices[j], 0, i32(dims.axisSize) - 1));
}

// out[o, j, q] = x[o, index[j], q]
@compute @workgroup_size(256)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= dims.outer * dims.n * dims.inner) { return; }
  let q = i % dims.inner;
  let r = i / dims.inner;
  let j = r % dims.n;
  let o = r / dims.n;
  out[i] = src[(o * dims.axisSize + clamped_index(j)) * dims.inner + q];
}

// dx[o, a, q] = sum over j with index[j] == a of dy[o, j, q]. Each output
// sums its own contributions in index order (no atomics, deterministic); the
// work is axisSize times that of the forward gather.
@compute @workgroup_size(256)
fn gather_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= dims.outer * dims.axisSize * dims.inner) { return; }
  let q = i % dims.inner;
  let r = i / dims.inner;
  let a = r % dims.axisSize;
  let o = r / dims.axisSize;
  var acc = 0.0;
  for (var j = 0u; j < dims.n; j++) {
    if (clamped_index(j) == a) { acc += bitcast<f32>(src[(o * dims.n + j) * dims.inner + q]); }
  }
  out[i] = bitcast<u32>(acc);
}
