#!/usr/bin/env node
// Writes the README's performance table from bench JSON files.
//   npm run bench:table                       # the runs kept in bench/results/readme/
//   npm run bench:table -- --from=a.json,b.json   # copy these runs there first (replacing the kept ones)
//   npm run bench:table -- --check            # exit 1 if README.md differs from what the kept runs give
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { perfTableMarkdown, replaceTable } from '../bench/lib/perf_table.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const keptDir = join(root, 'bench/results/readme');
const args = process.argv.slice(2);
const from = args.find((a) => a.startsWith('--from='))?.slice('--from='.length);
const check = args.includes('--check');

if (from) {
  rmSync(keptDir, { recursive: true, force: true });
  mkdirSync(keptDir, { recursive: true });
  for (const f of from.split(',')) copyFileSync(resolve(f), join(keptDir, basename(f)));
}
const files = readdirSync(keptDir).filter((f) => f.endsWith('.json')).sort();
const runs = files.map((f) => JSON.parse(readFileSync(join(keptDir, f), 'utf8')));
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const next = replaceTable(readme, perfTableMarkdown(runs));
if (check) {
  if (next !== readme) {
    console.error('README.md: the performance table differs from what `npm run bench:table` makes of bench/results/readme/*.json');
    process.exit(1);
  }
  console.log(`README.md performance table matches ${files.length} run(s)`);
} else {
  writeFileSync(readmePath, next);
  console.log(`README.md: performance table written from ${files.join(', ')}`);
}
