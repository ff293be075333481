// A small WebAssembly binary emitter: just enough of the module format
// (types, an imported memory, functions, exports, code) and of the
// instruction set (integer arithmetic, structured control, f32 and v128
// SIMD loads, stores and arithmetic) to write webgrad's kernels from
// TypeScript. The kernels are generated, not compiled from C, so the repo
// needs no toolchain and ships no binary.

/** Value types (binary encodings). */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Plain opcodes used by the kernels. */
export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f, call: 0x10,
  drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  f32Load: 0x2a, i32Load: 0x28, f32Store: 0x38, i32Store: 0x36,
  i32Const: 0x41, f32Const: 0x43,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b, i32LeS: 0x4c, i32GeS: 0x4e, i32GeU: 0x4f,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Shl: 0x74, i32ShrU: 0x76,
  f32Eq: 0x5b, f32Ne: 0x5c, f32Lt: 0x5d, f32Gt: 0x5e, f32Le: 0x5f, f32Ge: 0x60,
  f32Neg: 0x8c, f32Sqrt: 0x91,
  f32Add: 0x92, f32Sub: 0x93, f32Mul: 0x94, f32Div: 0x95, f32Min: 0x96, f32Max: 0x97,
  f64Add: 0xa0, f32DemoteF64: 0xb6, f64ConvertI32S: 0xb7, f64PromoteF32: 0xbb,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const SIMD = {
  v128Load: 0x00, load32Splat: 0x09, v128Store: 0x0b, v128Const: 0x0c, i8x16Shuffle: 0x0d,
  i32x4Splat: 0x11, f32x4Splat: 0x13, f32x4ExtractLane: 0x1f, f64x2ExtractLane: 0x21,
  store64Lane: 0x5b, load64Zero: 0x5d,
  i32x4Eq: 0x37, i32x4GtS: 0x3b, f64x2Splat: 0x14,
  f32x4Eq: 0x41, f32x4Ne: 0x42, f32x4Lt: 0x43, f32x4Gt: 0x44, f32x4Le: 0x45, f32x4Ge: 0x46,
  v128Not: 0x4d, v128And: 0x4e, v128AndNot: 0x4f, v128Or: 0x50, v128Xor: 0x51, v128Bitselect: 0x52,
  f32x4DemoteF64x2Zero: 0x5e, f64x2PromoteLowF32x4: 0x5f,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab, i32x4ShrS: 0xac, i32x4ShrU: 0xad, i32x4Add: 0xae, i32x4Sub: 0xb1,
  f32x4Abs: 0xe0, f32x4Neg: 0xe1, f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4Min: 0xe8, f32x4Max: 0xe9, f32x4Pmin: 0xea, f32x4Pmax: 0xeb,
  f64x2Add: 0xf0, f64x2Div: 0xf3, i32x4TruncSatF32x4S: 0xf8, f32x4ConvertI32x4S: 0xfa,
} as const;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`uleb: ${value} is not a non-negative integer`);
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (for i32.const and block types). */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value)) throw new RangeError(`sleb: ${value} is not an integer`);
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v = Math.floor(v / 128);
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A name: its UTF-8 length, then its bytes. */
function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A length-prefixed vector of already encoded items. */
function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/**
 * The body of one function: instructions appended in order. Methods return
 * `this` so short sequences read left to right; the structured helpers
 * (loop, block, ifThen) take the body as a callback so nesting is checked by
 * the TypeScript that writes it.
 */
export class Code {
  readonly bytes: number[] = [];
  private readonly extraLocals: ValType[] = [];

  constructor(private readonly paramCount: number) {}

  /** Declares a local (after the parameters) and returns its index. */
  local(type: ValType): number {
    this.extraLocals.push(type);
    return this.paramCount + this.extraLocals.length - 1;
  }

  op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  get(i: number): this { return this.op(OP.localGet, ...uleb(i)); }
  set(i: number): this { return this.op(OP.localSet, ...uleb(i)); }
  tee(i: number): this { return this.op(OP.localTee, ...uleb(i)); }
  i32(v: number): this { return this.op(OP.i32Const, ...sleb(v | 0)); }

  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(OP.f32Const, ...b);
  }

  /** local[i] += delta (i32). */
  addTo(i: number, delta: number): this {
    return this.get(i).i32(delta).op(OP.i32Add).set(i);
  }

  /** A memory access's alignment (log2 bytes) and constant offset. */
  private memarg(alignLog2: number, offset: number): number[] {
    return [...uleb(alignLog2), ...uleb(offset)];
  }

  f32Load(offset = 0): this { return this.op(OP.f32Load, ...this.memarg(2, offset)); }
  f32Store(offset = 0): this { return this.op(OP.f32Store, ...this.memarg(2, offset)); }
  simd(code: number): this { return this.op(0xfd, ...uleb(code)); }
  v128Load(offset = 0): this { return this.simd(SIMD.v128Load).op(...this.memarg(4, offset)); }
  v128Store(offset = 0): this { return this.simd(SIMD.v128Store).op(...this.memarg(4, offset)); }
  load32Splat(offset = 0): this { return this.simd(SIMD.load32Splat).op(...this.memarg(2, offset)); }

  /** v128.load64_zero: two floats into the low lanes (the high ones zero). */
  load64Zero(offset = 0): this { return this.simd(SIMD.load64Zero).op(...this.memarg(3, offset)); }

  /** v128.store64_lane: stores lane `lane` of the i64x2 view (two floats). */
  store64Lane(lane: number, offset = 0): this { return this.simd(SIMD.store64Lane).op(...this.memarg(3, offset), lane); }

  /** i8x16.shuffle of the two v128 operands: byte i of the result is byte lanes[i] of their concatenation. */
  shuffle(lanes: readonly number[]): this { return this.simd(SIMD.i8x16Shuffle).op(...lanes); }

  /** A v128 of four int32 lanes. */
  i32x4Lanes(lanes: readonly [number, number, number, number]): this {
    const b = new Uint8Array(new Int32Array(lanes).buffer);
    return this.simd(SIMD.v128Const).op(...b);
  }

  /** A v128 holding four copies of the int32 `v`. */
  i32x4Const(v: number): this {
    const b = new Uint8Array(new Int32Array([v, v, v, v]).buffer);
    return this.simd(SIMD.v128Const).op(...b);
  }

  /** A v128 holding four copies of `v`. */
  f32x4Const(v: number): this {
    const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
    return this.simd(SIMD.v128Const).op(...b);
  }

  /** `loop ... end`: `br 0` / `br_if 0` inside jump back to the top. */
  loop(body: () => void): this {
    this.op(OP.loop, 0x40);
    body();
    return this.op(OP.end);
  }

  /** `block ... end`: `br 0` / `br_if 0` inside jump past the end. */
  block(body: () => void): this {
    this.op(OP.block, 0x40);
    body();
    return this.op(OP.end);
  }

  /** Consumes an i32 condition: runs `then` when it is non-zero, else `otherwise`. */
  ifThen(then: () => void, otherwise?: () => void): this {
    this.op(OP.if, 0x40);
    then();
    if (otherwise) {
      this.op(OP.else);
      otherwise();
    }
    return this.op(OP.end);
  }

  /**
   * `for (local = from; local < limit; local += step) body()`, with `limit`
   * an i32 local, testing at the top so an empty range runs nothing.
   */
  forRange(local: number, from: () => void, limit: number, step: number, body: () => void): this {
    from();
    this.set(local);
    return this.block(() => {
      this.get(local).get(limit).op(OP.i32GeS, OP.brIf, 0);
      this.loop(() => {
        body();
        this.addTo(local, step);
        this.get(local).get(limit).op(OP.i32LtS, OP.brIf, 0);
      });
    });
  }

  /** The encoded function body (locals declaration, code, end). */
  encode(): number[] {
    const groups: number[][] = [];
    for (let i = 0; i < this.extraLocals.length;) {
      let j = i;
      while (j < this.extraLocals.length && this.extraLocals[j] === this.extraLocals[i]) j++;
      groups.push([...uleb(j - i), this.extraLocals[i]]);
      i = j;
    }
    const body = [...vec(groups), ...this.bytes, OP.end];
    return [...uleb(body.length), ...body];
  }
}

interface FunctionDef {
  name: string;
  params: ValType[];
  results: ValType[];
  code: Code;
}

/**
 * A module that imports its memory as `env.memory` and exports every
 * function added to it. `sharedMemory`: the import is a shared memory (of at
 * most 4 GiB), which threads instantiate the module on.
 */
export class ModuleBuilder {
  private readonly functions: FunctionDef[] = [];

  constructor(private readonly sharedMemory = false) {}

  /** Adds an exported function; fill in `code` before calling encode(). */
  func(name: string, params: ValType[], results: ValType[] = []): Code {
    const code = new Code(params.length);
    this.functions.push({ name, params, results, code });
    return code;
  }

  encode(): Uint8Array<ArrayBuffer> {
    const typeKeys: string[] = [];
    const types: number[][] = [];
    const typeOf = this.functions.map((f) => {
      const key = `${f.params.join(',')}:${f.results.join(',')}`;
      let idx = typeKeys.indexOf(key);
      if (idx < 0) {
        idx = typeKeys.length;
        typeKeys.push(key);
        types.push([0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results.length), ...f.results]);
      }
      return idx;
    });
    const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
    // The memory import: no minimum beyond one page; a shared memory must state
    // its maximum (limits flag 3: shared, with maximum), a plain one need not.
    const limits = this.sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
    const memoryImport = [...name('env'), ...name('memory'), 0x02, ...limits];
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vec(types)),
      ...section(2, [...uleb(1), ...memoryImport]),
      ...section(3, vec(typeOf.map((t) => uleb(t)))),
      ...section(7, vec(this.functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
      ...section(10, vec(this.functions.map((f) => f.code.encode()))),
    ];
    return new Uint8Array(bytes);
  }
}
