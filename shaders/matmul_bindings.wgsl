// The matmul kernels' bindings, in one place for all of them (the small
// kernel, matmul_small.wgsl, and the register-blocked one's loaders,
// matmul_scalar.wgsl and matmul_vec4.wgsl): 0 A, 1 B, 2 bias, 3 C, 4 dims;
// a fused epilogue's inputs follow from 5 (src/backends/webgpu/programs.ts).
// Each user declares `alias MatmulElement = f32;` or `vec4<f32>`: how A, B and
// C are read and written.
struct Dims { M: u32, N: u32, K: u32, alpha: f32 }
@group(0) @binding(0) var<storage, read> A: array<MatmulElement>;
@group(0) @binding(1) var<storage, read> B: array<MatmulElement>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<MatmulElement>;
@group(0) @binding(4) var<uniform> dims: Dims;
