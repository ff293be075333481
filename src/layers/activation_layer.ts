// Activation: applies an activation to its input, of any rank (TF.js:
// tf.layers.activation, Keras class 'Activation'). The activation names are
// those of src/layers/activations.ts; 'softmax' is over the last axis.
import { argError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { applyActivation, checkActivation, type ActivationIdentifier } from './activations.js';
import { BaseLayer, type BaseLayerArgs, type LayerConfig, type SymbolicShape, type WeightSpec } from './layer.js';

export interface ActivationLayerArgs extends BaseLayerArgs {
  /** The activation's name ('relu', 'tanh', 'softmax', ...; see ACTIVATION_NAMES). */
  activation: ActivationIdentifier;
}

export class Activation extends BaseLayer {
  readonly className = 'Activation';
  readonly activation: ActivationIdentifier;
  constructor(args: ActivationLayerArgs) {
    const op = 'activation';
    if (typeof args !== 'object' || args === null) throw argError(op, 'args', "an object like { activation: 'relu' }", args);
    // Unlike Dense's, the argument is required: TF.js' layer has no default.
    if (args.activation === undefined) throw argError(op, 'activation', "an activation name such as 'relu'", args.activation);
    const activation = checkActivation(op, args.activation);
    super(op, 'activation_Activation', args);
    this.activation = activation;
  }
  weightSpecs(): WeightSpec[] {
    return [];
  }
  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape];
  }
  call(x: Tensor): Tensor {
    return applyActivation(this.activation, x);
  }
  getConfig(): LayerConfig & { activation: ActivationIdentifier } {
    return { ...this.baseConfig(), activation: this.activation };
  }
}

/** webgrad.layers.activation({ activation }) (TF.js: tf.layers.activation). */
export const activation = (args: ActivationLayerArgs): Activation => new Activation(args);

export const activationFromConfig = (config: Record<string, unknown>): Activation => new Activation({
  activation: (config.activation ?? 'linear') as ActivationIdentifier,
  name: config.name as string | undefined,
  trainable: (config.trainable ?? true) as boolean,
  batchInputShape: (config.batchInputShape ?? undefined) as (number | null)[] | undefined,
});
