// The folders of src/, bottom to top. A file may import files of its own
// folder and of the folders below it, never above, and no import cycle is
// allowed, inside a folder or across folders. `npm run lint` (part of
// `npm test`) checks this with dependency-cruiser, so the picture below and
// the code cannot drift apart. Type-only imports count too.
//
//   core/       tensors, dtypes, shapes, errors, scopes, random, and the engine
//               (tensor bookkeeping, the computation queue); imports nothing else
//   kernels/    the IR: op kinds (op.ts), the elementwise op table, kernel
//               specs, plans: what the graph lowers to and backends run
//   backends/   cpu and webgpu: buffers, kernels, running plans; choosing the
//               backend (select.ts); know no graph, no layers
//   graph/      realization, fusion, planning, compiled steps, recovery
//   ops/        the public op functions (they record graph nodes)
//   autodiff/   gradient rules (written with ops) and grad()
//   train/      optimizers
//   callbacks/  training callbacks
//   layers/     Layer, Dense, Sequential and its training loop
//   io/         saving and loading models (TF.js Layers format)
//   src/*.ts    index.ts (the public API) and runtime.ts (start-up wiring)
//
// Where a lower folder has to call up (core's engine computes tensors through
// graph/; a model's save() writes through io/), it defines an interface and
// src/runtime.ts installs the implementation at start-up.
const LAYERS = ['core', 'kernels', 'backends', 'graph', 'ops', 'autodiff', 'train', 'callbacks', 'layers', 'io'];

const folder = (name) => `^src/${name}/`;

const upwardRules = LAYERS.slice(0, -1).map((name, i) => ({
  name: `${name}-imports-only-below`,
  comment: `src/${name}/ may import only ${LAYERS.slice(0, i).map((l) => `${l}/`).join(', ') || 'itself'} (folders below it)`,
  severity: 'error',
  from: { path: folder(name) },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/|^src/[^/]+\\.ts$` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles, within a folder or across folders, are not allowed.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upwardRules,
    {
      name: 'io-imports-only-below',
      comment: 'src/io/ may import any folder, but not the top-level files (index.ts, runtime.ts).',
      severity: 'error',
      from: { path: folder('io') },
      to: { path: '^src/[^/]+\\.ts$' },
    },
    {
      name: 'known-folders-only',
      comment: `Every folder of src/ has a place in the order above (${LAYERS.join(', ')}): add a new one to LAYERS in .dependency-cruiser.cjs.`,
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${LAYERS.join('|')})/` },
      to: {},
    },
  ],
  options: {
    includeOnly: '^src/',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.wgsl(\\?raw)?$' },
  },
};
