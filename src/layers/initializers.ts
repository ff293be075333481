// Weight initializers (TensorFlow.js / Keras names and maths). Each makes a
// host tensor of the requested shape; with a `seed` the values are
// reproducible (webgrad's seeded generator, so they differ from TF.js' own
// random streams, but follow the same distributions).
import { WebgradError, argError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/convert.js';

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'normal' | 'uniform' | 'truncatedNormal';

/** Serialized form, as TF.js writes it: { className, config }. */
export interface InitializerConfig {
  className: string;
  config: Record<string, unknown>;
}

export abstract class Initializer {
  /** The TF.js class name this initializer serializes as. */
  abstract readonly className: string;
  /** Values for a weight of `shape` (kernel [inputs, units] or bias [units]). */
  abstract apply(shape: readonly number[]): Tensor;
  abstract getConfig(): Record<string, unknown>;
  /** { className, config }, as tfjs-layers' serializeInitializer writes it. */
  serialize(): InitializerConfig {
    return { className: this.className, config: this.getConfig() };
  }
}

/** Fan-in and fan-out of a weight shape, as Keras computes them. */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function fromRandom(shape: readonly number[], seed: number | undefined, draw: (r: Random) => number): Tensor {
  const r = new Random(seed);
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw(r);
  return tensor(data, shape);
}

function truncated(r: Random): number {
  let v = r.normal();
  while (Math.abs(v) > 2) v = r.normal();
  return v;
}

export class Zeros extends Initializer {
  readonly className = 'Zeros';
  apply(shape: readonly number[]): Tensor {
    return tensor(new Float32Array(sizeOf(shape)), shape);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export class Ones extends Initializer {
  readonly className = 'Ones';
  apply(shape: readonly number[]): Tensor {
    return tensor(new Float32Array(sizeOf(shape)).fill(1), shape);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

export class Constant extends Initializer {
  readonly className = 'Constant';
  constructor(readonly value: number) {
    super();
  }
  apply(shape: readonly number[]): Tensor {
    return tensor(new Float32Array(sizeOf(shape)).fill(this.value), shape);
  }
  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

export class RandomNormal extends Initializer {
  readonly className = 'RandomNormal';
  constructor(readonly mean = 0, readonly stddev = 0.05, readonly seed?: number) {
    super();
  }
  apply(shape: readonly number[]): Tensor {
    return fromRandom(shape, this.seed, (r) => this.mean + this.stddev * r.normal());
  }
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}

export class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  constructor(readonly minval = -0.05, readonly maxval = 0.05, readonly seed?: number) {
    super();
  }
  apply(shape: readonly number[]): Tensor {
    return fromRandom(shape, this.seed, (r) => this.minval + (this.maxval - this.minval) * r.next());
  }
  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed ?? null };
  }
}

export class TruncatedNormal extends Initializer {
  readonly className = 'TruncatedNormal';
  constructor(readonly mean = 0, readonly stddev = 0.05, readonly seed?: number) {
    super();
  }
  apply(shape: readonly number[]): Tensor {
    return fromRandom(shape, this.seed, (r) => this.mean + this.stddev * truncated(r));
  }
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}

/**
 * Keras' VarianceScaling: n = fan-in, fan-out or their mean; 'uniform' draws
 * from [-sqrt(3 scale / n), +sqrt(3 scale / n)]; 'normal' (and
 * 'truncatedNormal') from a normal truncated at two standard deviations with
 * stddev sqrt(scale / n) / 0.8796 (the correction for the truncation).
 */
export class VarianceScaling extends Initializer {
  readonly className = 'VarianceScaling';
  constructor(readonly scale = 1, readonly mode: FanMode = 'fanIn', readonly distribution: Distribution = 'normal', readonly seed?: number) {
    super();
    if (!(scale > 0)) throw argError('varianceScaling', 'scale', 'a positive number', scale);
    if (!['fanIn', 'fanOut', 'fanAvg'].includes(mode)) throw argError('varianceScaling', 'mode', "'fanIn', 'fanOut' or 'fanAvg'", mode);
    if (!['normal', 'uniform', 'truncatedNormal'].includes(distribution)) throw argError('varianceScaling', 'distribution', "'normal', 'uniform' or 'truncatedNormal'", distribution);
  }
  apply(shape: readonly number[]): Tensor {
    const [fanIn, fanOut] = computeFans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, n);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * scale);
      return fromRandom(shape, this.seed, (r) => -limit + 2 * limit * r.next());
    }
    const stddev = Math.sqrt(scale) / 0.87962566103423978;
    return fromRandom(shape, this.seed, (r) => stddev * truncated(r));
  }
  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed ?? null };
  }
}

export interface SeedArgs {
  seed?: number;
}

// Factories, as webgrad.initializers.* (TF.js: tf.initializers.*).
export const zeros = (): Initializer => new Zeros();
export const ones = (): Initializer => new Ones();
export const constant = (args: { value: number }): Initializer => new Constant(args.value);
export const randomNormal = (args: { mean?: number; stddev?: number; seed?: number } = {}): Initializer => new RandomNormal(args.mean, args.stddev, args.seed);
export const randomUniform = (args: { minval?: number; maxval?: number; seed?: number } = {}): Initializer => new RandomUniform(args.minval, args.maxval, args.seed);
export const truncatedNormal = (args: { mean?: number; stddev?: number; seed?: number } = {}): Initializer => new TruncatedNormal(args.mean, args.stddev, args.seed);
export const varianceScaling = (args: { scale?: number; mode?: FanMode; distribution?: Distribution; seed?: number } = {}): Initializer =>
  new VarianceScaling(args.scale, args.mode, args.distribution, args.seed);
/** Xavier/Glorot uniform: limit sqrt(6 / (fanIn + fanOut)). */
export const glorotUniform = (args: SeedArgs = {}): Initializer => new VarianceScaling(1, 'fanAvg', 'uniform', args.seed);
/** Xavier/Glorot normal: truncated normal, stddev sqrt(2 / (fanIn + fanOut)) (corrected for truncation). */
export const glorotNormal = (args: SeedArgs = {}): Initializer => new VarianceScaling(1, 'fanAvg', 'normal', args.seed);
/** He uniform: limit sqrt(6 / fanIn). */
export const heUniform = (args: SeedArgs = {}): Initializer => new VarianceScaling(2, 'fanIn', 'uniform', args.seed);
/** He normal: truncated normal, stddev sqrt(2 / fanIn) (corrected for truncation). */
export const heNormal = (args: SeedArgs = {}): Initializer => new VarianceScaling(2, 'fanIn', 'normal', args.seed);
export const leCunUniform = (args: SeedArgs = {}): Initializer => new VarianceScaling(1, 'fanIn', 'uniform', args.seed);
export const leCunNormal = (args: SeedArgs = {}): Initializer => new VarianceScaling(1, 'fanIn', 'normal', args.seed);

const BY_NAME: Record<string, () => Initializer> = {
  glorotUniform: () => glorotUniform(),
  glorotNormal: () => glorotNormal(),
  heUniform: () => heUniform(),
  heNormal: () => heNormal(),
  leCunUniform: () => leCunUniform(),
  leCunNormal: () => leCunNormal(),
  zeros: () => zeros(),
  ones: () => ones(),
  randomNormal: () => randomNormal(),
  randomUniform: () => randomUniform(),
  truncatedNormal: () => truncatedNormal(),
  varianceScaling: () => varianceScaling(),
};

/** Every initializer name accepted as a string. */
export const INITIALIZER_NAMES = Object.keys(BY_NAME);

export type InitializerIdentifier =
  | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'leCunUniform' | 'leCunNormal'
  | 'zeros' | 'ones' | 'randomNormal' | 'randomUniform' | 'truncatedNormal' | 'varianceScaling';

/**
 * Resolves an initializer: an Initializer passes through; a name from
 * INITIALIZER_NAMES, or a serialized { className, config } (as getConfig()
 * writes), is turned into one.
 */
export function getInitializer(op: string, arg: string, id: unknown): Initializer {
  if (id instanceof Initializer) return id;
  if (typeof id === 'string') {
    const make = Object.prototype.hasOwnProperty.call(BY_NAME, id) ? BY_NAME[id] : undefined;
    if (make) return make();
    throw new WebgradError(`${op}: unknown ${arg} ${JSON.stringify(id)}; valid initializers are ${INITIALIZER_NAMES.map((n) => `'${n}'`).join(', ')} (or an initializer from webgrad.initializers).`);
  }
  if (typeof id === 'object' && id !== null && typeof (id as InitializerConfig).className === 'string') {
    return initializerFromConfig(op, arg, id as InitializerConfig);
  }
  throw argError(op, arg, `an initializer name (${INITIALIZER_NAMES.join(', ')}) or an Initializer`, id);
}

function num(c: Record<string, unknown>, key: string, dflt?: number): number | undefined {
  const v = c[key];
  return typeof v === 'number' ? v : dflt;
}

/** Rebuilds an initializer from its { className, config } form (TF.js' serialized names). */
export function initializerFromConfig(op: string, arg: string, spec: InitializerConfig): Initializer {
  const c = spec.config ?? {};
  const seed = num(c, 'seed');
  switch (spec.className) {
    case 'Zeros': return new Zeros();
    case 'Ones': return new Ones();
    case 'Constant': return new Constant(num(c, 'value', 0)!);
    // A missing number takes the constructor's default (undefined).
    case 'RandomNormal': return new RandomNormal(num(c, 'mean'), num(c, 'stddev'), seed);
    case 'RandomUniform': return new RandomUniform(num(c, 'minval'), num(c, 'maxval'), seed);
    case 'TruncatedNormal': return new TruncatedNormal(num(c, 'mean'), num(c, 'stddev'), seed);
    case 'VarianceScaling':
      return new VarianceScaling(num(c, 'scale'), (c.mode ?? undefined) as FanMode | undefined, (c.distribution ?? undefined) as Distribution | undefined, seed);
    case 'GlorotUniform': return glorotUniform({ seed });
    case 'GlorotNormal': return glorotNormal({ seed });
    case 'HeUniform': return heUniform({ seed });
    case 'HeNormal': return heNormal({ seed });
    case 'LeCunUniform': return leCunUniform({ seed });
    case 'LeCunNormal': return leCunNormal({ seed });
    default:
      throw new WebgradError(`${op}: unknown ${arg} class ${JSON.stringify(spec.className)}; known: Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LeCunUniform, LeCunNormal.`);
  }
}

/** The string name an initializer was made from, when it is one of the named presets (for configs and summaries). */
export function initializerName(init: Initializer): string {
  if (init instanceof VarianceScaling) {
    const { scale, mode, distribution } = init;
    const uni = distribution === 'uniform';
    if (scale === 1 && mode === 'fanAvg') return uni ? 'glorotUniform' : 'glorotNormal';
    if (scale === 2 && mode === 'fanIn') return uni ? 'heUniform' : 'heNormal';
    if (scale === 1 && mode === 'fanIn') return uni ? 'leCunUniform' : 'leCunNormal';
    return 'varianceScaling';
  }
  return init.className.charAt(0).toLowerCase() + init.className.slice(1);
}
