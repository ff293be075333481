// withFunctions() puts in front of a kernel only the library functions it
// uses (directly or through other library functions). Checked against the
// library's own text, and every declaration, with what it pulls in, must
// compile on its own in Dawn (so the splitter cuts at the right braces).
import { afterAll, expect, test } from 'vitest';
import { FUNCTIONS_WGSL, libraryFor, libraryNames, withFunctions } from '../../src/backends/webgpu/wgsl_library.js';
import { nodeGpu } from '../helpers/gpu.js';

/** Names declared in the library, read with a different pattern than the splitter's. */
const declared = [...FUNCTIONS_WGSL.matchAll(/^(?:fn|const)\s+(\w+)/gm)].map((m) => m[1]);

test('the splitter finds every declaration of the library, in order', () => {
  expect(declared.length).toBeGreaterThan(40);
  expect(libraryNames()).toEqual(declared);
});

test('a kernel gets the functions it calls and what they call, nothing else', () => {
  const code = 'fn main_probe(x: f32) -> f32 { return wg_gelu(x); }';
  const out = withFunctions(code);
  expect(out.endsWith(code)).toBe(true);
  const names = [...out.matchAll(/^fn\s+(\w+)/gm)].map((m) => m[1]);
  // wg_gelu calls wg_erf; nothing else.
  expect(names.sort()).toEqual(['main_probe', 'wg_erf', 'wg_gelu']);
  expect(out).not.toContain('wg_philox4x32');
});

test('comments do not pull functions in, and code using none comes back unchanged', () => {
  const code = '// wg_sigmoid is not called here\nfn main_probe() {}';
  expect(withFunctions(code)).toBe(code);
});

test('enable directives stay at the top, before the library functions', () => {
  const code = 'enable subgroups;\nfn main_probe(x: f32) -> f32 { return wg_gelu(x); }';
  const out = withFunctions(code);
  expect(out.startsWith('enable subgroups;\n')).toBe(true);
  expect(out.indexOf('fn wg_erf')).toBeGreaterThan(0);
  expect(out.endsWith('fn main_probe(x: f32) -> f32 { return wg_gelu(x); }')).toBe(true);
});

test('the activation switch brings every activation it dispatches to', () => {
  const lib = libraryFor(['wg_activate']);
  for (const f of ['wg_isnan', 'wg_sigmoid', 'wg_tanh', 'wg_relu', 'wg_leaky_relu', 'wg_elu', 'wg_gelu', 'wg_erf']) expect(lib).toContain(`fn ${f}(`);
});

let device: GPUDevice | null = null;
afterAll(() => device?.destroy());

test('each declaration with what it uses compiles on its own (Dawn)', async () => {
  const adapter = await (await nodeGpu()).requestAdapter();
  device = await adapter!.requestDevice();
  const problems: string[] = [];
  for (const name of libraryNames()) {
    const code = libraryFor([name]);
    expect(code).toMatch(new RegExp(`\\b${name}\\b`));
    const info = await device.createShaderModule({ code }).getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) problems.push(`${name}: ${errors.map((e) => e.message).join('; ')}`);
  }
  expect(problems).toEqual([]);
});
