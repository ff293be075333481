// The WebGPU backend: a device, a buffer pool, a pipeline cache, and plan
// execution with every dispatch of a run in one command encoder and one
// queue.submit. Bind groups are cached per (call, buffers) so a replayed plan
// creates no GPU objects.
import type { DType, TypedArray } from '../../core/dtype.js';
import { WebgradError } from '../../core/errors.js';
import type { Plan } from '../../kernels/plan.js';
import { deliver, type Backend, type BackendBuffer, type BackendStats, type PreparedPlan, type ReadItem } from '../backend.js';
import type { AdapterDescription } from '../backend_choice.js';
import { activeRecorder } from '../profiling.js';
import { PipelineCache } from './pipeline_cache.js';
import type { GpuProgram } from './gpu_program.js';
import { TimestampTimer, timeInIsolation } from './profiler.js';
import { programFor } from './programs.js';
import { quadLayoutHolds } from './quad_probe.js';
import { MAP_MODE_READ, USAGE } from './gpu_flags.js';
import type { MatmulKernel } from './matmul_program.js';

let nextId = 0;

class GpuBuffer implements BackendBuffer {
  readonly id = nextId++;
  constructor(readonly buffer: GPUBuffer, readonly bytes: number) {}
}

interface PreparedCall {
  pipeline: GPUComputePipeline;
  program: GpuProgram;
  uniform: GPUBuffer | null;
  label: string;
  bindGroups: Map<string, GPUBindGroup>;
}

class WebGPUPreparedPlan implements PreparedPlan {
  /** Whether this plan has run once (its first run is checked for GPU errors). */
  ran = false;
  /** Profiling only: the plan's timestamp queries, or its kernels timed in isolation. */
  timer: TimestampTimer | null = null;
  isolated: Promise<number[]> | null = null;
  constructor(readonly plan: Plan, readonly calls: PreparedCall[]) {}
  dispose(): void {
    this.timer?.destroy();
    this.timer = null;
    for (const c of this.calls) c.uniform?.destroy();
    this.calls.length = 0;
  }
}

const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly memoryCanBeLost = true;
  /** Free buffers by size; the wrapper (and its id) is reused so cached bind groups stay valid. */
  private pool = new Map<number, GpuBuffer[]>();
  private pipelines: PipelineCache;
  private dummy: GPUBuffer;
  private counters = { dispatches: 0, submits: 0, buffers: 0, bytes: 0 };
  lost = false;
  /** Whether the device has `timestamp-query` (requested when the adapter offers it), for the profiler. */
  readonly timestamps: boolean;
  /**
   * Large matmuls use the subgroup kernel (matmul_quad.wgsl): the register
   * kernel on a device with 4-wide subgroups. Read when a plan is prepared;
   * tests and bench/kernels/mlp-step-ab.mjs clear it to compare with matmul.wgsl.
   */
  quads: boolean;
  /** Errors found asynchronously on a plan's first run, reported on the next call. */
  private pendingError: Error | null = null;

  /**
   * `gpu` (navigator.gpu, or the object passed to ready()) and `adapter` are
   * kept as fields for as long as this backend lives: Dawn in Node (npm
   * `webgpu`) tears its instance down when the object from `create()` is
   * garbage-collected, even while a device made from it is in use, and
   * callers pass that object inline (`ready({ gpu: create([]) })`). A field
   * of the live backend survives any bundler, unlike a module variable that
   * nothing reads (which Rollup removed).
   */
  constructor(
    readonly gpu: GPU,
    readonly adapter: GPUAdapter,
    readonly device: GPUDevice,
    readonly adapterInfo: AdapterDescription,
    /** The kernel large matmuls use: 'tiled' on real GPUs, 'registers' on emulated adapters (ReadyOptions.webgpuMatmul). */
    readonly matmulKernel: MatmulKernel = 'registers',
  ) {
    this.quads = matmulKernel === 'registers' && quadSubgroups(adapter, adapterInfo, device);
    this.pipelines = new PipelineCache(device);
    this.timestamps = device.features.has('timestamp-query');
    this.dummy = device.createBuffer({ size: 16, usage: STORAGE_USAGE });
  }

  alloc(bytes: number): BackendBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (size > max) {
      throw new WebgradError(`webgpu: a tensor of ${size} bytes exceeds this device's maxStorageBufferBindingSize of ${max} bytes; use smaller batches or the CPU backend.`);
    }
    const free = this.pool.get(size);
    const reused = free?.pop();
    if (reused) return reused;
    this.counters.buffers++;
    this.counters.bytes += size;
    return new GpuBuffer(this.device.createBuffer({ size, usage: STORAGE_USAGE }), size);
  }

  free(buffer: BackendBuffer): void {
    const b = buffer as GpuBuffer;
    if (!this.pool.has(b.bytes)) this.pool.set(b.bytes, []);
    this.pool.get(b.bytes)!.push(b);
  }

  write(buffer: BackendBuffer, data: TypedArray): void {
    const bytes = data.byteLength - (data.byteLength % 4);
    if (bytes > 0) this.device.queue.writeBuffer((buffer as GpuBuffer).buffer, 0, data.buffer, data.byteOffset, bytes);
  }

  /** Reads one buffer back through a pooled staging buffer (no stall of other work). */
  async read(buffer: BackendBuffer, dtype: DType, size: number): Promise<TypedArray> {
    try {
      const [out] = await this.readMany([{ buffer, dtype, size }]);
      this.throwPending();
      return out;
    } catch (e) {
      if (e instanceof WebgradError) throw e;
      throw new WebgradError(`webgpu: reading a tensor back failed${this.lost ? ' (the GPU device was lost)' : ''}: ${(e as Error).message}`);
    }
  }

  /** Staging buffers for readMany, by size, reused once their map is done. */
  private staging = new Map<number, GPUBuffer[]>();

  async readMany(items: readonly ReadItem[]): Promise<TypedArray[]> {
    this.throwPending();
    const enc = this.device.createCommandEncoder();
    const finish = this.stageCopies(enc, items);
    this.device.queue.submit([enc.finish()]);
    this.counters.submits++;
    return finish();
  }

  /**
   * Records copies of `items` into one pooled staging buffer; the returned
   * function (call it after submitting) maps it and returns the values.
   */
  private stageCopies(enc: GPUCommandEncoder, items: readonly ReadItem[]): () => Promise<TypedArray[]> {
    const offsets: number[] = [];
    let total = 0;
    for (const it of items) {
      offsets.push(total);
      total += Math.ceil((it.size * 4) / 16) * 16;
    }
    total = Math.max(16, total);
    const free = this.staging.get(total) ?? [];
    this.staging.set(total, free);
    const staging = free.pop() ?? this.device.createBuffer({ size: total, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    items.forEach((it, i) => {
      const bytes = Math.ceil((it.size * 4) / 16) * 16;
      if (bytes > 0) enc.copyBufferToBuffer((it.buffer as GpuBuffer).buffer, 0, staging, offsets[i], bytes);
    });
    return async () => {
      await staging.mapAsync(MAP_MODE_READ);
      const raw = staging.getMappedRange();
      const out = items.map((it, i) => {
        // Into the caller's array: a view of the mapping, copied once. Else a copy of its own.
        if (it.into) return deliver(it, it.dtype === 'int32' ? new Int32Array(raw, offsets[i], it.size) : new Float32Array(raw, offsets[i], it.size));
        const slice = raw.slice(offsets[i], offsets[i] + it.size * 4);
        return it.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
      });
      staging.unmap();
      free.push(staging);
      return out;
    };
  }

  async prepare(plan: Plan): Promise<PreparedPlan> {
    this.throwPending();
    const calls = await Promise.all(
      plan.calls.map(async (call): Promise<PreparedCall> => {
        const program = programFor(call.spec, this.matmulKernel, this.quads);
        const pipeline = await this.pipelines.get(program, call.label);
        let uniform: GPUBuffer | null = null;
        if (program.uniform) {
          uniform = this.device.createBuffer({ size: Math.max(16, program.uniform.byteLength), usage: USAGE.UNIFORM | USAGE.COPY_DST });
          this.device.queue.writeBuffer(uniform, 0, program.uniform);
        }
        return { pipeline, program, uniform, label: call.label, bindGroups: new Map() };
      }),
    );
    return new WebGPUPreparedPlan(plan, calls);
  }

  run(prepared: PreparedPlan, buffers: readonly BackendBuffer[], readback?: readonly ReadItem[]): Promise<TypedArray[]> | null {
    this.throwPending();
    if (this.lost) throw new WebgradError('webgpu: the GPU device was lost; call webgrad.ready() again or continue on the CPU backend.');
    const p = prepared as WebGPUPreparedPlan;
    const first = !p.ran;
    if (first) {
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
    }
    const enc = this.device.createCommandEncoder();
    const recorder = activeRecorder();
    const timer = recorder && this.timestamps && TimestampTimer.fits(p.plan) ? (p.timer ??= new TimestampTimer(this.device, p.plan.calls.length)) : null;
    // Profiled with timestamps: one pass per kernel, each with its own pair of
    // timestamps. Otherwise one pass for the whole run.
    let pass = timer ? null : enc.beginComputePass();
    p.plan.calls.forEach((call, i) => {
      const pc = p.calls[i];
      const kernelPass = pass ?? enc.beginComputePass(timer!.pass(i));
      kernelPass.setPipeline(pc.pipeline);
      kernelPass.setBindGroup(0, this.bindGroup(pc, call.args.map((s) => buffers[s] as GpuBuffer), buffers[call.out] as GpuBuffer));
      const [x, y, z] = pc.program.workgroups;
      kernelPass.dispatchWorkgroups(x, y, z);
      if (!pass) kernelPass.end();
      this.counters.dispatches++;
    });
    pass?.end();
    pass = null;
    const timings = timer?.finish(enc);
    // Copies for values the caller will read ride in the same submission, so
    // reading them waits for this run only, not for runs submitted later.
    const finish = readback?.length ? this.stageCopies(enc, readback) : null;
    this.device.queue.submit([enc.finish()]);
    this.counters.submits++;
    if (recorder) {
      recorder.record({
        plan: p.plan,
        backend: 'webgpu',
        source: timings ? 'timestamp-query' : 'isolated',
        times: timings ?? (() => (p.isolated ??= timeInIsolation(this.device, p.plan, p.calls))),
      });
    }
    if (first) {
      p.ran = true;
      const labels = p.plan.calls.map((c) => c.label).join(', ');
      const report = (kind: string) => (err: GPUError | null) => {
        if (err && !this.pendingError) this.pendingError = new WebgradError(`webgpu: ${kind} error while running [${labels}]: ${err.message}`);
      };
      const checked = Promise.all([this.device.popErrorScope().then(report('validation')), this.device.popErrorScope().then(report('out-of-memory'))]);
      // Values read from a first run are handed out only once it is known to be error-free.
      if (finish) {
        return Promise.all([finish(), checked]).then(([values]) => {
          this.throwPending();
          return values;
        });
      }
    }
    return finish ? finish() : null;
  }

  private bindGroup(pc: PreparedCall, inputs: GpuBuffer[], output: GpuBuffer): GPUBindGroup {
    const key = inputs.map((b) => b.id).join(',') + '>' + output.id;
    let bg = pc.bindGroups.get(key);
    if (!bg) {
      const prog = pc.program;
      const entries: GPUBindGroupEntry[] = inputs.map((b, j) => ({ binding: prog.argBindings[j], resource: { buffer: b.buffer } }));
      for (const d of prog.dummyBindings) entries.push({ binding: d, resource: { buffer: this.dummy } });
      entries.push({ binding: prog.outBinding, resource: { buffer: output.buffer } });
      if (pc.uniform) entries.push({ binding: prog.uniformBinding, resource: { buffer: pc.uniform } });
      bg = this.device.createBindGroup({ layout: pc.pipeline.getBindGroupLayout(0), entries, label: pc.label });
      // A pooled buffer can come back with a new id; keep the cache bounded.
      if (pc.bindGroups.size > 64) pc.bindGroups.clear();
      pc.bindGroups.set(key, bg);
    }
    return bg;
  }

  private throwPending(): void {
    if (this.pendingError) {
      const e = this.pendingError;
      this.pendingError = null;
      throw e;
    }
  }

  async sync(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    this.throwPending();
  }

  stats(): BackendStats {
    // Pooled buffers are never destroyed, so what is allocated now is the peak.
    const { buffers, bytes } = this.counters;
    return { ...this.counters, pipelines: this.pipelines.size, peakBuffers: buffers, peakBytes: bytes };
  }

  destroy(): void {
    for (const list of this.pool.values()) for (const b of list) b.buffer.destroy();
    this.pool.clear();
    this.device.destroy();
  }
}

/** An adapter and what it says about itself. */
export interface AdapterChoice {
  adapter: GPUAdapter;
  info: AdapterDescription;
}

/** Requests an adapter; fails with a clear message when there is none. */
export async function requestWebGPUAdapter(gpu: GPU, powerPreference: GPUPowerPreference | undefined): Promise<AdapterChoice> {
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : undefined);
  } catch (e) {
    throw new WebgradError(`requestAdapter failed: ${(e as Error).message}`);
  }
  if (!adapter) throw new WebgradError('no WebGPU adapter is available (requestAdapter returned null)');
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  return {
    adapter,
    info: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      // Newer implementations report it in adapter.info, older ones on the adapter.
      isFallbackAdapter: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    },
  };
}

/**
 * Whether the register matmul may share loads within subgroups
 * (shaders/matmul_quad.wgsl): an emulated adapter (SwiftShader, whose SIMD
 * width is 4) whose subgroups are exactly 4 invocations wide and, given a
 * device, enabled on it. Only emulated adapters: the kernel relies on
 * SwiftShader's grouping of invocations (4 consecutive local indices), which
 * WGSL does not promise.
 */
function quadSubgroups(adapter: GPUAdapter, desc: AdapterDescription, device: GPUDevice | null): boolean {
  const sizes = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  return desc.isFallbackAdapter && adapter.features.has('subgroups') && sizes.subgroupMinSize === 4 && sizes.subgroupMaxSize === 4
    && (device === null || device.features.has('subgroups'));
}

/** Requests a device (with the adapter's largest limits webgrad uses) and wraps it in a backend. */
export async function createWebGPUBackend(gpu: GPU, { adapter, info }: AdapterChoice, onLost: (reason: string) => void, matmulKernel: MatmulKernel = 'registers'): Promise<WebGPUBackend> {
  const limits = adapter.limits;
  let device: GPUDevice;
  // Timestamps serve the profiler (wg.profile); asked for only where offered.
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  // Subgroups serve the register matmul where they are 4 wide (quadSubgroups).
  if (matmulKernel === 'registers' && quadSubgroups(adapter, info, null)) requiredFeatures.push('subgroups');
  try {
    device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
  } catch (e) {
    throw new WebgradError(`requestDevice failed: ${(e as Error).message}`);
  }
  const backend = new WebGPUBackend(gpu, adapter, device, info, matmulKernel);
  // The subgroup matmul only where its lane layout is checked to hold.
  if (backend.quads) backend.quads = await quadLayoutHolds(device);
  void device.lost.then((l) => {
    backend.lost = true;
    onLost(`${l.reason}: ${l.message}`);
  });
  return backend;
}
