// webgrad.train: optimizers (TensorFlow.js: tf.train.*).
export {
  Optimizer, SGDOptimizer, MomentumOptimizer, AdamOptimizer, RMSPropOptimizer,
  sgd, momentum, adam, rmsprop, getOptimizer, OPTIMIZER_NAMES, type OptimizerIdentifier, type UpdateResult,
} from './optimizers.js';
