// TEMPORARY descriptor for the naive matmul (replaced by the tuned kernel).
import activationsWgsl from '../../../shaders/activations.wgsl?raw';
import matmulWgsl from '../../../shaders/matmul.wgsl?raw';
export interface MatmulConfig { m: number; n: number; k: number; transA: boolean; transB: boolean; hasBias: boolean; act: number; }
export interface MatmulProgram { key: string; code: string; constants: Record<string, number>; workgroups: [number, number, number]; }
export function matmulProgram(cfg: MatmulConfig): MatmulProgram {
  return {
    key: `matmul:naive:${+cfg.transA}${+cfg.transB}${+cfg.hasBias}${cfg.act}`,
    code: activationsWgsl + matmulWgsl,
    constants: { TRANS_A: +cfg.transA, TRANS_B: +cfg.transB, HAS_BIAS: +cfg.hasBias, ACT: cfg.act },
    workgroups: [Math.ceil(cfg.n / 8), Math.ceil(cfg.m / 8), 1],
  };
}
