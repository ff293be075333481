// Helpers for tests with NaN, infinities and extreme floats: the special
// values, a comparison that tells NaN and each infinity apart, running the
// same computation on both backends, and the subnormal allowance.
//
// Subnormals: WGSL lets a GPU flush subnormal floats (below 1.18e-38) to
// zero, in inputs and results (SwiftShader does), while the CPU backend keeps
// them. So a WebGPU result may equal the result for the inputs with their
// subnormals replaced by zero of the same sign; results below 1e-5 are
// compared with an absolute tolerance anyway.
import { expect } from 'vitest';
import * as wg from '../../src/index.js';
import { BACKENDS, useBackend, type TestBackend } from './backends.js';

export const MAX_F32 = 3.4028234663852886e38;
export const MIN_NORMAL_F32 = 1.1754943508222875e-38;
export const MIN_SUBNORMAL_F32 = 1.401298464324817e-45;

/** Every kind of float32 an op can meet, plus ordinary values on both sides of the usual kinks. */
export const SPECIALS = [
  NaN, Infinity, -Infinity, -0, 0, MAX_F32, -MAX_F32, MIN_NORMAL_F32, -MIN_NORMAL_F32,
  MIN_SUBNORMAL_F32, -MIN_SUBNORMAL_F32, 1, -1, 0.5, -2.5, 30, -30, 100, -100,
];

export const isSubnormal = (v: number): boolean => v !== 0 && Math.abs(v) < MIN_NORMAL_F32;
/** The value a GPU that flushes subnormals computes with. */
export const flush = (v: number): number => (isSubnormal(v) ? (v < 0 ? -0 : 0) : v);

export interface Tol {
  rtol: number;
  atol: number;
}
export const TOL: Tol = { rtol: 1e-4, atol: 1e-5 };

/** NaN for NaN, the same infinity for an infinity, otherwise finite and within tolerance (-0 equals 0). */
export function same(got: number, want: number, tol: Tol = TOL): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Number.isFinite(got) && Math.abs(got - want) <= tol.atol + tol.rtol * Math.abs(want);
}

/**
 * Fails, listing every element of `got` that matches none of the values
 * `accept(i)` allows for it; `where(i)` describes the element.
 */
export function expectEach(label: string, got: ArrayLike<number>, accept: (i: number) => number[], where: (i: number) => string, tol: Tol = TOL): void {
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const ok = accept(i);
    if (!ok.some((w) => same(got[i], w, tol))) bad.push(`${where(i)}: got ${got[i]}, expected ${ok.join(' or ')}`);
  }
  expect(bad, `${label}: ${bad.length} of ${got.length} values wrong`).toEqual([]);
}

/** Runs `f` on the CPU backend, then on WebGPU (Dawn), and returns both results. */
export async function onBothBackends<T>(f: (backend: TestBackend) => Promise<T>): Promise<Record<TestBackend, T>> {
  const out: Partial<Record<TestBackend, T>> = {};
  for (const b of BACKENDS) {
    await useBackend(b);
    out[b] = await f(b);
  }
  return out as Record<TestBackend, T>;
}

export const f32 = (values: readonly number[], shape?: number[]): wg.Tensor => wg.tensor(Float32Array.from(values), shape ?? [values.length]);

/** Reads a tensor and disposes it. */
export async function values(t: wg.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

/** Kernels launched while `f` runs (its reads included). */
export async function dispatchesOf<T>(f: () => Promise<T>): Promise<{ result: T; dispatches: number }> {
  const before = wg.stats().dispatches;
  const result = await f();
  return { result, dispatches: wg.stats().dispatches - before };
}
