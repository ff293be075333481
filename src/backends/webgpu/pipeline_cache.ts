// Compute pipelines cached by (source, entry point, constants). Compiles run
// with createComputePipelineAsync, and a compile already in flight is shared,
// so a plan's kernels compile in parallel and never twice. WEBGRAD_DEBUG=1
// logs each compile's time and WGSL size, 2 also its WGSL (debugLevel()).
import { debugLevel } from '../../core/environment.js';
import { WebgradError } from '../../core/errors.js';
import type { GpuProgram } from './gpu_program.js';

export class PipelineCache {
  private cache = new Map<string, Promise<GPUComputePipeline>>();
  private modules = new Map<string, GPUShaderModule>();
  constructor(private device: GPUDevice) {}

  get size(): number {
    return this.cache.size;
  }

  private layouts = new Map<string, GPUPipelineLayout>();

  /**
   * Explicit layouts (not 'auto') so that a binding a specialised shader does
   * not touch is still part of it, and equal layouts are shared.
   */
  private layoutFor(program: GpuProgram): GPUPipelineLayout {
    const entries: GPUBindGroupLayoutEntry[] = [];
    const compute = 4; // GPUShaderStage.COMPUTE
    for (const b of [...program.argBindings, ...program.dummyBindings]) entries.push({ binding: b, visibility: compute, buffer: { type: 'read-only-storage' } });
    entries.push({ binding: program.outBinding, visibility: compute, buffer: { type: 'storage' } });
    if (program.uniform) entries.push({ binding: program.uniformBinding, visibility: compute, buffer: { type: 'uniform' } });
    entries.sort((a, b) => a.binding - b.binding);
    const key = entries.map((e) => `${e.binding}:${e.buffer!.type}`).join(',');
    let layout = this.layouts.get(key);
    if (!layout) {
      const bgl = this.device.createBindGroupLayout({ entries });
      layout = this.device.createPipelineLayout({ bindGroupLayouts: [bgl] });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  get(program: GpuProgram, label: string): Promise<GPUComputePipeline> {
    const key = `${program.key}|${program.entryPoint}|${JSON.stringify(program.constants)}`;
    let p = this.cache.get(key);
    if (!p) {
      const debug = debugLevel();
      if (debug >= 2) console.log(`[webgrad] WGSL for ${label} (${program.entryPoint}):\n${program.code}`);
      const started = performance.now();
      const n = this.cache.size + 1;
      let cached = this.modules.get(program.code);
      if (!cached) {
        cached = this.device.createShaderModule({ code: program.code, label });
        this.modules.set(program.code, cached);
      }
      const module = cached;
      p = this.device
        .createComputePipelineAsync({ layout: this.layoutFor(program), compute: { module, entryPoint: program.entryPoint, constants: program.constants }, label })
        .then((pipeline) => {
          if (debug >= 1) console.log(`[webgrad] pipeline ${n}: ${label} (${program.entryPoint}, ${program.code.length} characters of WGSL) compiled in ${Math.round(performance.now() - started)} ms`);
          return pipeline;
        })
        .catch(async (e: Error) => {
          this.cache.delete(key);
          const info = await module.getCompilationInfo().catch(() => null);
          const msgs = info?.messages.map((m) => `  line ${m.lineNum}: ${m.message}`).join('\n') ?? '';
          throw new WebgradError(`webgpu: compiling the kernel for ${label} failed: ${e.message}${msgs ? `\n${msgs}` : ''}`);
        });
      this.cache.set(key, p);
    }
    return p;
  }
}
