// What the WebGPU backend needs to launch one kernel: its WGSL, override
// constants, bindings, uniform and workgroup grid. programs.ts and the
// *_program.ts generators build these from kernel specs.
export interface GpuProgram {
  /** Cache key: equal keys mean equal code, entry point and constants. */
  key: string;
  code: string;
  entryPoint: string;
  constants: Record<string, number>;
  workgroups: [number, number, number];
  /** Binding index of each of the call's args, in order (all read-only storage). */
  argBindings: number[];
  /** Read-only bindings the shader declares that no arg feeds (a dummy buffer is bound). */
  dummyBindings: number[];
  outBinding: number;
  /** Uniform block contents, or null; bound at uniformBinding. */
  uniform: ArrayBuffer | null;
  uniformBinding: number;
}

/** WebGPU's default maxComputeWorkgroupsPerDimension: larger grids are spread over y. */
export const MAX_GROUPS = 65535;

/** Spreads `groups` workgroups over x and y so neither exceeds the per-dimension limit. */
export function spread(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(groups, 1), 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}
