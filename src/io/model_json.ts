// model.json <-> ModelArtifacts, shared by every handler that reads or
// writes the TensorFlow.js file layout (file://, http(s), browser files).
import { WebgradError } from '../core/errors.js';
import { checkNesting, preview } from './json_guard.js';
import type { ModelArtifacts, ModelArtifactsInfo, WeightsManifestConfig } from './types.js';
import { joinWeightData, manifestEntries, readShards, type OpenWeightFile } from './weights.js';

/** The model.json object for artifacts whose weights go to `paths`. */
export function modelJSONFor(artifacts: ModelArtifacts, paths: string[]): Record<string, unknown> {
  const manifest: WeightsManifestConfig = [{ paths, weights: artifacts.weightSpecs ?? [] }];
  const json: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: manifest,
  };
  for (const k of ['signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature', 'trainingConfig'] as const) {
    if (artifacts[k] !== undefined && artifacts[k] !== null) json[k] = artifacts[k];
  }
  return json;
}

/** Parses model.json text, checking the fields a layers model needs. */
export function parseModelJSON(text: string, source: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WebgradError(`${source} is not valid JSON (${(e as Error).message}); expected a TensorFlow.js model.json.`);
  }
  return checkModelJSON(json, source);
}

export function checkModelJSON(json: unknown, source: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new WebgradError(`${source} must hold a JSON object { modelTopology, weightsManifest, ... }, got ${preview(json)}.`);
  }
  checkNesting(json, 'model.json', source);
  const o = json as Record<string, unknown>;
  if (o.modelTopology === undefined || o.modelTopology === null) {
    throw new WebgradError(`${source} has no 'modelTopology' (keys: ${Object.keys(o).slice(0, 20).join(', ') || 'none'}); it is not a TensorFlow.js layers model.json.`);
  }
  if (o.weightsManifest === undefined || o.weightsManifest === null) {
    throw new WebgradError(`${source} has no 'weightsManifest', so the model's weights cannot be found (keys: ${Object.keys(o).slice(0, 20).join(', ')}).`);
  }
  return o;
}

/** Artifacts from a parsed model.json and its weight stream. */
function artifactsFromJSON(json: Record<string, unknown>, weightSpecs: ModelArtifacts['weightSpecs'], weightData: ArrayBuffer): ModelArtifacts {
  const a: ModelArtifacts = {
    modelTopology: json.modelTopology as ModelArtifacts['modelTopology'],
    format: json.format as string | undefined,
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | null | undefined,
    weightSpecs,
    weightData,
  };
  for (const k of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
    if (json[k] !== undefined && json[k] !== null) (a as Record<string, unknown>)[k] = json[k];
  }
  return a;
}

/** Loads model.json text plus the weight files it names, opened by `open(path, maxBytes)`. */
export async function loadFromModelJSON(text: string, source: string, open: OpenWeightFile): Promise<ModelArtifacts> {
  const json = parseModelJSON(text, source);
  const { specs, groups } = manifestEntries(json.weightsManifest, source);
  const data = await readShards(groups, source, open);
  return artifactsFromJSON(json, specs, data);
}

export function artifactsInfo(a: ModelArtifacts): ModelArtifactsInfo {
  const bytes = (s: string): number => new TextEncoder().encode(s).length;
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: a.modelTopology === undefined ? 0 : bytes(JSON.stringify(a.modelTopology)),
    weightSpecsBytes: a.weightSpecs === undefined ? 0 : bytes(JSON.stringify(a.weightSpecs)),
    weightDataBytes: a.weightData === undefined ? 0 : joinWeightData(a.weightData).byteLength,
  };
}
