// The WebGPU spec's flag values, written out: the GPUBufferUsage / GPUMapMode
// globals exist in browsers but not in Node unless the program copies the
// `webgpu` package's globals onto globalThis, which webgrad does not require.
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200 } as const;
export const MAP_MODE_READ = 0x1;
