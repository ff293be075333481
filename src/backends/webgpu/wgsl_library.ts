// The WGSL functions that kernels call, of which withFunctions() puts in
// front of a kernel the ones it uses: the NaN / infinity helpers (shaders/nonfinite.wgsl), which every
// kernel uses, then the elementwise functions of the table (activations and
// ops, and shaders/random.wgsl's counter-based random bits for dropout),
// which generated code and built-in activations call by name, and
// wg_activate, the matmul epilogue's activation switch, generated from the
// table's rows so that its codes cannot drift from the TypeScript's.
import activationsWgsl from '../../../shaders/activations.wgsl?raw';
import opsWgsl from '../../../shaders/elementwise_ops.wgsl?raw';
import nonfiniteWgsl from '../../../shaders/nonfinite.wgsl?raw';
import randomWgsl from '../../../shaders/random.wgsl?raw';
import { EPILOGUE_ACTIVATIONS, primitiveDef } from '../../kernels/elementwise_table.js';
import { activationCode } from '../../kernels/kernel_spec.js';

/**
 * `wg_activate(x, act, alpha)`: the built-in epilogue activation of code
 * `act` (activationCode), `alpha` being its one attribute where it has one.
 * NaN in, NaN out: every such row has the 'propagate' NaN rule
 * (test/ops/nonfinite.test.ts checks that), applied here once for all of
 * them, one test per output rather than per multiply-add.
 */
function activateWgsl(): string {
  const cases = EPILOGUE_ACTIVATIONS.filter((a) => a !== 'linear').map((a) => {
    const def = primitiveDef(a);
    return `    case ${activationCode(a)}u: { return ${def.wgsl}(x${def.attrs.length ? ', alpha' : ''}); }`;
  });
  return [
    'fn wg_activate(x: f32, act: u32, alpha: f32) -> f32 {',
    '  if (wg_isnan(x)) { return x; }',
    '  switch act {',
    ...cases,
    '    default: { return x; }',
    '  }',
    '}',
  ].join('\n');
}

export const FUNCTIONS_WGSL = [nonfiniteWgsl, activationsWgsl, opsWgsl, randomWgsl, activateWgsl()].join('\n');

interface Declaration {
  name: string;
  text: string;
  /** Identifiers its text mentions. */
  uses: Set<string>;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;
const identifiers = (code: string): Set<string> => new Set(code.match(IDENTIFIER));
const stripComments = (code: string): string => code.replace(/\/\/[^\n]*/g, '');

/**
 * The library's module-scope declarations (`fn`, `const`, ...), comments
 * left out: each runs from its keyword at depth 0 to its closing brace (a
 * function) or semicolon (a constant) at depth 0.
 */
function splitDeclarations(source: string): Declaration[] {
  const code = stripComments(source);
  const out: Declaration[] = [];
  const head = /\b(fn|const|alias|override|var)\s+([A-Za-z_][A-Za-z0-9_]*)/y;
  let i = 0;
  while (i < code.length) {
    if (/\s/.test(code[i])) { i++; continue; }
    head.lastIndex = i;
    const m = head.exec(code);
    if (!m) throw new Error(`wgsl_library: cannot split the function library at "${code.slice(i, i + 40)}"`);
    let depth = 0;
    let j = i;
    for (; j < code.length; j++) {
      const c = code[j];
      if (c === '{' || c === '(') depth++;
      else if (c === '}' || c === ')') {
        depth--;
        if (depth === 0 && c === '}' && m[1] === 'fn') break;
      } else if (c === ';' && depth === 0 && m[1] !== 'fn') break;
    }
    const text = code.slice(i, j + 1);
    out.push({ name: m[2], text, uses: identifiers(text.slice(m[0].length)) });
    i = j + 1;
  }
  return out;
}

let declarations: Declaration[] | null = null;

/** Names of the library's module-scope declarations, in order. */
export function libraryNames(): string[] {
  declarations ??= splitDeclarations(FUNCTIONS_WGSL);
  return declarations.map((d) => d.name);
}

/** The library declarations named in `names` and those they use, in library order ('' if none). */
export function libraryFor(names: Iterable<string>): string {
  declarations ??= splitDeclarations(FUNCTIONS_WGSL);
  const byName = new Map(declarations.map((d) => [d.name, d]));
  const needed = new Set<string>();
  const stack = [...names];
  while (stack.length) {
    const d = byName.get(stack.pop()!);
    if (d && !needed.has(d.name)) {
      needed.add(d.name);
      stack.push(...d.uses);
    }
  }
  return declarations.filter((d) => needed.has(d.name)).map((d) => d.text).join('\n');
}

/**
 * `code` preceded by the library declarations it uses, directly or through
 * other library functions. Every kernel used to carry the whole library
 * (13,000 characters), which the WGSL compiler parses and checks for each
 * shader module.
 */
export function withFunctions(code: string): string {
  const lib = libraryFor(identifiers(stripComments(code)));
  if (!lib) return code;
  // Directives (`enable subgroups;`, `diagnostic(...);`) must stay before every declaration.
  const directives = /^(?:(?:enable|diagnostic)[^;]*;\s*)*/.exec(code)?.[0] ?? '';
  return `${directives}${lib}\n${code.slice(directives.length)}`;
}
