// Start-up wiring. Every import in src/ points down the layers (see
// .dependency-cruiser.cjs); the two places where a lower layer calls up are
// interfaces it defines and this file fills in, once, when src/index.ts
// loads:
//  - core's engine computes tensors through graph/ (realization) on the
//    backend chosen in backends/ (engine.install, a Runtime);
//  - a model's save() (layers/) writes through io/ (installModelSaver).
import { backendHost } from './backends/select.js';
import { engine } from './core/engine.js';
import { readSyncOnBackend, realizeOnBackend } from './graph/realize.js';
import { saveModel } from './io/save.js';
import { installModelSaver } from './layers/sequential.js';

/** Connects the layers that call up to their implementations (calling it again changes nothing). */
export function installRuntime(): void {
  engine.install({
    realize: realizeOnBackend,
    backend: () => backendHost.getBackend(),
    currentBackend: () => backendHost.current(),
    readSync: readSyncOnBackend,
  });
  installModelSaver(saveModel);
}
