// webgrad.callbacks (TensorFlow.js: tf.callbacks, tf.CustomCallback).
export {
  Callback, CustomCallback, CallbackList, toCallbackList, HOOKS,
  type Logs, type CallbackModel, type TrainParams, type CallbackHooks, type CallbackArg,
} from './base.js';
export { EarlyStopping, earlyStopping, type EarlyStoppingArgs } from './early_stopping.js';
export { ProgressLogger, type ProgressStream } from './progress.js';
