// How `ready()` chooses the backend: the pure rules (emulated adapters, the
// insecure-context reason) on adapter descriptions real implementations
// report, then one real run on Dawn in Node, where the adapter is SwiftShader
// unless WEBGRAD_REAL_GPU is set.
import { afterAll, describe, expect, test } from 'vitest';
import { adapterName, autoSkipsAdapter, emulatedAdapter, missingGpuReason, type AdapterDescription } from '../../src/backends/backend_choice.js';
import * as wg from '../../src/index.js';
import { nodeGpu } from '../helpers/gpu.js';

const adapter = (fields: Partial<AdapterDescription>): AdapterDescription => ({
  vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false, ...fields,
});

// As reported by Chromium / Dawn on this machine, and by the drivers named.
const SWIFTSHADER_CHROMIUM = adapter({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true });
const SWIFTSHADER_DAWN_NODE = adapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true });
const LLVMPIPE = adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.7, 256 bits)' });
const LAVAPIPE = adapter({ vendor: 'mesa', architecture: '', description: 'Lavapipe Vulkan driver' });
const WARP = adapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' });
const REAL_GPUS = [
  adapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3080' }),
  adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' }),
  adapter({ vendor: 'apple', architecture: 'metal-3' }),
  adapter({ vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) UHD Graphics 770' }),
  adapter({ vendor: 'amd', architecture: 'rdna-2' }),
  adapter({}),
];

describe('emulated adapters', () => {
  test('isFallbackAdapter, SwiftShader, llvmpipe, lavapipe and WARP count as emulated, naming the adapter', () => {
    expect(emulatedAdapter(SWIFTSHADER_CHROMIUM)).toMatch(/google \/ swiftshader.*isFallbackAdapter: true/);
    expect(emulatedAdapter(SWIFTSHADER_DAWN_NODE)).toMatch(/SwiftShader driver 5\.0\.0/);
    expect(emulatedAdapter({ ...SWIFTSHADER_CHROMIUM, isFallbackAdapter: false })).toMatch(/is SwiftShader, a GPU emulated on the CPU/);
    expect(emulatedAdapter(LLVMPIPE)).toMatch(/llvmpipe \(LLVM 15\.0\.7.*is llvmpipe/);
    expect(emulatedAdapter(LAVAPIPE)).toMatch(/is lavapipe/);
    expect(emulatedAdapter(WARP)).toMatch(/Microsoft Basic Render Driver.*is Microsoft WARP/);
    expect(emulatedAdapter(adapter({ isFallbackAdapter: true }))).toMatch(/^the WebGPU adapter is a fallback adapter/);
  });

  test('real GPUs do not', () => {
    for (const a of REAL_GPUS) expect(emulatedAdapter(a), adapterName(a)).toBeNull();
  });

  test("auto passes an emulated adapter over, saying how to force it; 'webgpu' never does", () => {
    for (const a of [SWIFTSHADER_CHROMIUM, LLVMPIPE, WARP]) {
      expect(autoSkipsAdapter('auto', a)).toMatch(/emulated on the CPU.*CPU backend.*\{ backend: 'webgpu' \}/);
      expect(autoSkipsAdapter('webgpu', a)).toBeNull();
    }
    for (const a of REAL_GPUS) expect(autoSkipsAdapter('auto', a)).toBeNull();
  });
});

describe('no navigator.gpu', () => {
  test('on an insecure origin the reason says WebGPU needs https or localhost', () => {
    const r = missingGpuReason(false);
    expect(r).toMatch(/not a secure context/);
    expect(r).toMatch(/https:\/\//);
    expect(r).toMatch(/localhost/);
  });

  test('in a secure context or outside a browser it says no entry point was found, and how Node gets one', () => {
    for (const secure of [true, undefined]) {
      const r = missingGpuReason(secure);
      expect(r).not.toMatch(/secure context/);
      expect(r).toMatch(/navigator\.gpu is missing and no `gpu` option was given/);
      expect(r).toMatch(/create\(\[\]\).*webgpu/);
    }
  });
});

describe('ready() on Dawn in Node', () => {
  afterAll(async () => {
    await wg.ready({ backend: 'cpu' });
  });

  test("auto uses WebAssembly SIMD on an emulated adapter (and says which), WebGPU on a real one; 'webgpu' forces it", async () => {
    const gpu = await nodeGpu();
    // What the adapter says, asked directly of Dawn.
    const raw = (await gpu.requestAdapter())!.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const emulated = raw.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe/i.test(`${raw.architecture} ${raw.description}`);
    if (!process.env.WEBGRAD_REAL_GPU) expect(emulated, 'tests run on SwiftShader unless WEBGRAD_REAL_GPU is set').toBe(true);

    const auto = await wg.ready({ gpu });
    expect(wg.getBackend()).toEqual(auto);
    if (emulated) {
      expect(auto.name).toBe('wasm');
      expect(auto.reason).toContain(raw.architecture);
      expect(auto.reason).toMatch(/emulated on the CPU/);
      expect(auto.reason).toMatch(/\{ backend: 'webgpu' \}/);
      expect(auto.adapter?.architecture).toBe(raw.architecture);
      expect(wg.getWebGPUDevice()).toBeNull();
    } else {
      expect(auto.name).toBe('webgpu');
    }

    const forced = await wg.ready({ gpu, backend: 'webgpu' });
    expect(forced.name).toBe('webgpu');
    expect(forced.reason).toBeUndefined();
    expect(forced.adapter?.architecture).toBe(raw.architecture);
    expect(wg.getWebGPUDevice()).not.toBeNull();
    // The device works: a matmul against values worked out by hand.
    const c = await wg.matMul(wg.tensor([[1, 2], [3, 4]]), wg.tensor([[5], [6]])).data();
    expect(Array.from(c)).toEqual([17, 39]);
  });

  test("without a gpu option or navigator.gpu, auto explains; 'webgpu' rejects with the same reason", async () => {
    const info = await wg.ready();
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(/navigator\.gpu is missing and no `gpu` option was given/);
    await expect(wg.ready({ backend: 'webgpu' })).rejects.toThrow(/^ready: WebGPU was requested but is not available: no WebGPU entry point/);
  });
});
