// webgrad.io's types: the saved-model types, defined in src/layers/saved_model.ts
// because model.save() (below io/) names them.
export type * from '../layers/saved_model.js';
