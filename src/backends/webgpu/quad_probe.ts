// Whether matmul_quad.wgsl's lane layout holds on a device (shaders/quad_probe.wgsl):
// run once when the backend is created, before the kernel is chosen, so that
// an implementation grouping invocations otherwise gets matmul.wgsl and right
// results instead of blocks computed twice and others never.
import probeWgsl from '../../../shaders/quad_probe.wgsl?raw';
import { MAP_MODE_READ, USAGE } from './gpu_flags.js';

const INVOCATIONS = 64;

/** Runs the probe kernel on `device` (which has the `subgroups` feature); false on any mismatch or error. */
export async function quadLayoutHolds(device: GPUDevice): Promise<boolean> {
  const bytes = INVOCATIONS * 4;
  const out = device.createBuffer({ size: bytes, usage: USAGE.STORAGE | USAGE.COPY_SRC });
  const read = device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  try {
    device.pushErrorScope('validation');
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: probeWgsl }), entryPoint: 'main' } });
    const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(1);
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, bytes);
    device.queue.submit([enc.finish()]);
    if (await device.popErrorScope()) return false;
    await read.mapAsync(MAP_MODE_READ);
    const holds = new Uint32Array(read.getMappedRange()).every((v) => v === 1);
    read.unmap();
    return holds;
  } catch {
    return false;
  } finally {
    out.destroy();
    read.destroy();
  }
}
