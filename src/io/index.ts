// webgrad.io (TensorFlow.js: tf.io): handlers for saving and loading models
// in the TensorFlow.js Layers format.
export { withSaveHandler, fromMemory, fileSystem, http, browserDownloads, browserIndexedDB, browserFiles, modelJSONFor, type HTTPOptions } from './handlers.js';
export { saveModel, modelArtifacts } from './save.js';
export { loadLayersModel, modelFromArtifacts, type LoadOptions } from './load.js';
export { encodeWeights, decodeWeights } from './weights.js';
export type * from './types.js';
