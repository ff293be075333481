// Whether this JavaScript engine runs WebAssembly with 128-bit SIMD, asked the
// standard way: does WebAssembly.validate accept a module that uses it.
import { F32, ModuleBuilder, SIMD } from './wasm_emitter.js';

let cached: boolean | null = null;

/** A one-function module that adds two f32x4 vectors and extracts a lane. */
export function simdProbeModule(): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  const f = mb.func('probe', [], [F32]);
  f.f32x4Const(1).f32x4Const(2).simd(SIMD.f32x4Add).simd(SIMD.f32x4ExtractLane).op(0);
  return mb.encode();
}

/** True when WebAssembly exists and validates SIMD code (Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+). */
export function wasmSimdSupported(): boolean {
  if (cached !== null) return cached;
  try {
    cached = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(simdProbeModule());
  } catch {
    cached = false;
  }
  return cached;
}
