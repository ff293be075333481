// Checks, once per device, the lane layout matmul_quad.wgsl relies on: in a
// workgroup of 64, invocation i is lane i % 4 of a 4-wide subgroup, and the
// quad swaps exchange values with invocations i ^ 1 and i ^ 2. WGSL does not
// promise this layout; where it does not hold, webgrad keeps matmul.wgsl.
enable subgroups;

@group(0) @binding(0) var<storage, read_write> ok: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32,
        @builtin(subgroup_size) size: u32) {
  // The swaps first, in uniform control flow (&& would make them conditional).
  let x = quadSwapX(li);
  let y = quadSwapY(li);
  let holds = size == 4u && lane == li % 4u && x == (li ^ 1u) && y == (li ^ 2u);
  ok[li] = select(0u, 1u, holds);
}
