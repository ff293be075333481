// Declarations for require() consumers. The package is "type": "module", so
// TypeScript reads dist/*.d.ts as ES module types, and a CommonJS consumer
// compiled with `module: node16` refuses them (TS1479). A copy under dist/cjs/
// with a package.json saying "type": "commonjs" is read as CommonJS types;
// package.json's exports point `require` there. Run after tsc (npm run build).
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const OUT = join(DIST, 'cjs');

function* declarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && path !== OUT) yield* declarations(path);
    else if (entry.isFile() && entry.name.endsWith('.d.ts')) yield path;
  }
}

let count = 0;
for (const file of declarations(DIST)) {
  const target = join(OUT, relative(DIST, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
  count++;
}
if (count === 0) throw new Error(`cjs-types: no declarations in ${DIST}; run tsc -p tsconfig.build.json first`);
writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n');
console.log(`cjs-types: ${count} declaration files copied to dist/cjs/`);
