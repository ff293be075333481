// The saved form of a model and the handlers that store it: TensorFlow.js
// Layers artifacts, mirroring tf.io's types (types only). They live here,
// below src/io/, because model.save() names them; src/io/ (save, load,
// handlers, weights) implements them and re-exports them as webgrad.io's.

/* eslint-disable @typescript-eslint/no-empty-object-type -- these mirror tf.io's types, whose `{}` (any JSON value) keeps TF.js artifacts assignable */

export type WeightDType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64';

export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: WeightDType;
  group?: string;
  quantization?: { scale?: number; min?: number; dtype: 'uint16' | 'uint8' | 'float16' };
}

export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}

export type WeightsManifestConfig = WeightsManifestGroupConfig[];

export interface TrainingConfig {
  optimizer_config: {};
  loss: string | string[] | { [key: string]: string };
  metrics?: string[] | { [key: string]: string };
  weighted_metrics?: string[];
  sample_weight_mode?: string;
  loss_weights?: number[] | { [key: string]: number };
}

export interface ModelArtifacts {
  /** Model topology (Keras JSON: { class_name, config, ... }). */
  modelTopology?: {} | ArrayBuffer;
  trainingConfig?: TrainingConfig;
  weightSpecs?: WeightsManifestEntry[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: {};
  userDefinedMetadata?: { [key: string]: {} };
  modelInitializer?: {};
  initializerSignature?: {};
}

export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON' | 'GraphDef';
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  responses?: Response[];
  errors?: Array<{} | string>;
}

export interface SaveConfig {
  trainableOnly?: boolean;
  includeOptimizer?: boolean;
}

export type SaveHandler = (modelArtifact: ModelArtifacts) => Promise<SaveResult>;
export type LoadHandler = () => Promise<ModelArtifacts>;

export interface IOHandler {
  save?: SaveHandler;
  load?: LoadHandler;
}
