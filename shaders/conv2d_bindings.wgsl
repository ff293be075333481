// Bindings and geometry of both convolution kernels (conv2d.wgsl, tiled;
// conv2d_registers.wgsl, register-blocked), prepended to each by
// src/backends/webgpu/conv_program.ts together with the element types
// ConvIn0 / ConvIn1 of the two operands (f32, or vec4<f32> where the register
// kernel reads 4 channels per load). blocksN / blocks: C's tiles (or register
// blocks) along N and in all. inside: 1 where every window lies inside x (no
// padding is reached: 'valid' convolutions), so taps need no bounds checks.
// rowGroups: groups of 4 pixels per image (conv2d_quad.wgsl only).
// A fused epilogue's inputs follow from binding 4.
struct Geom {
  batch: u32, inH: u32, inW: u32, inC: u32,
  outH: u32, outW: u32, outC: u32, kH: u32,
  kW: u32, strideH: u32, strideW: u32, dilH: u32,
  dilW: u32, padTop: u32, padLeft: u32, blocksN: u32,
  M: u32, N: u32, K: u32, blocks: u32,
  inside: u32, rowGroups: u32,
}

@group(0) @binding(0) var<storage, read> in0: array<ConvIn0>;
@group(0) @binding(1) var<storage, read> in1: array<ConvIn1>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> g: Geom;
