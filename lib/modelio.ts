/**
 * Saving and loading autoencoders as files, on every engine.
 *
 * tfjs-node's `file://` handler exists only with the native backend; on wasm and cpu there is no
 * file system handler at all. `modelFileHandler` is a tf.io.IOHandler of our own that writes the
 * layout tfjs uses everywhere: a JSON file (topology, weights manifest, metadata) and a binary file
 * of float32 weights beside it. A model saved as `models/best.json` has its weights in
 * `models/best.weights.bin`, so several models can share a folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Autoencoder, AutoencoderConfig, ResolvedAutoencoderConfig } from './autoencoder';
import { readFileOrExplain, writeFileAtomic } from './files';
import { failParameter } from './params';

/** The `format` field of our model files: other tfjs models are refused with a clear message. */
export const AUTOENCODER_MODEL_FORMAT = 'autoencoder-notebooks/dense-autoencoder';

/** Free-form JSON stored with a model: where it came from, which font, how well it trained. */
export type ModelMetadata = Record<string, unknown>;

/** `best.json` -> `best.weights.bin`; the manifest stores the name relative to the JSON file. */
export function weightsFileFor(modelJsonPath: string): string {
  const base = path.basename(modelJsonPath).replace(/\.json$/i, '');
  return path.join(path.dirname(modelJsonPath), `${base}.weights.bin`);
}

/**
 * A tf.io.IOHandler that saves to and loads from `modelJsonPath` (and its `.weights.bin`). It works
 * with any ModelArtifacts, not only ours; both files are written atomically, weights first, so a
 * crash never leaves a JSON file pointing at missing weights.
 */
export function modelFileHandler(modelJsonPath: string): tf.io.IOHandler {
  const jsonPath = path.resolve(modelJsonPath);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('modelFileHandler saves JSON topologies only (not binary GraphDefs).');
      }
      const weightsPath = weightsFileFor(jsonPath);
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [path.basename(weightsPath)], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeFileAtomic(weightsPath, new Uint8Array(weightData));
      writeFileAtomic(jsonPath, JSON.stringify(modelJson, null, 1) + '\n');
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(readFileOrExplain(jsonPath, 'model file').toString('utf8'));
      } catch (err) {
        if (err instanceof SyntaxError) throw new Error(`The model file ${jsonPath} is not valid JSON (${err.message}).`);
        throw err;
      }
      if (!Array.isArray(modelJson.weightsManifest)) {
        throw new Error(`The model file ${jsonPath} has no weightsManifest: it is not a tfjs model file.`);
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of modelJson.weightsManifest) {
        specs.push(...group.weights);
        for (const shard of group.paths) buffers.push(readFileOrExplain(path.resolve(path.dirname(jsonPath), shard), 'weights file'));
      }
      const joined = Buffer.concat(buffers);
      const expected = specs.reduce((sum, s) => sum + tf.util.sizeFromShape(s.shape) * tf.util.bytesPerElement(s.dtype), 0);
      if (joined.byteLength !== expected) {
        throw new Error(`The weights of ${jsonPath} hold ${joined.byteLength} bytes but its manifest describes ${expected}: the files do not belong together.`);
      }
      return {
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy ?? undefined,
        modelTopology: modelJson.modelTopology,
        weightSpecs: specs,
        // A fresh ArrayBuffer of exactly these bytes (a Buffer may be a view into a larger pool).
        weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
        userDefinedMetadata: modelJson.userDefinedMetadata,
      };
    },
  };
}

const weightName = (layer: number): string => `dense${layer}/kernel`;
const biasName = (layer: number): string => `dense${layer}/bias`;

/** Where a model went: both files and the weights' size. */
export interface SavedModel {
  modelPath: string;
  weightsPath: string;
  weightBytes: number;
}

/** Saves `model` (config, weights and `metadata`) to `modelJsonPath` and its `.weights.bin`. */
export async function saveAutoencoder(model: Autoencoder, modelJsonPath: string, metadata: ModelMetadata = {}): Promise<SavedModel> {
  if (!/\.json$/i.test(modelJsonPath)) throw new Error(`The model path ${modelJsonPath} must end in .json (its weights go beside it).`);
  const named: tf.NamedTensorMap = {};
  model.weights.forEach((w, i) => { named[weightName(i)] = w; named[biasName(i)] = model.biases[i]; });
  const { data, specs } = await tf.io.encodeWeights(named);
  const result = await modelFileHandler(modelJsonPath).save!({
    format: AUTOENCODER_MODEL_FORMAT,
    generatedBy: `TensorFlow.js v${(tf.version as Record<string, string>)['tfjs-core']}`,
    modelTopology: { className: 'Autoencoder', config: model.config },
    weightSpecs: specs,
    weightData: data,
    userDefinedMetadata: { savedAt: new Date().toISOString(), ...metadata },
  });
  const resolved = path.resolve(modelJsonPath);
  return { modelPath: resolved, weightsPath: weightsFileFor(resolved), weightBytes: result.modelArtifactsInfo.weightDataBytes ?? data.byteLength };
}

/** A loaded model with the metadata it was saved with. The caller owns (and disposes) the model. */
export interface LoadedAutoencoder {
  model: Autoencoder;
  metadata: ModelMetadata;
  path: string;
}

/** Loads a model written by saveAutoencoder; any mismatch is one sentence naming the file. */
export async function loadAutoencoder(modelJsonPath: string): Promise<LoadedAutoencoder> {
  const resolved = path.resolve(modelJsonPath);
  const artifacts = await modelFileHandler(resolved).load!();
  if (artifacts.format !== AUTOENCODER_MODEL_FORMAT) {
    throw new Error(`${resolved} is not an autoencoder saved by this project (format ${JSON.stringify(artifacts.format)}, expected "${AUTOENCODER_MODEL_FORMAT}").`);
  }
  const topology = artifacts.modelTopology as { className?: string; config?: ResolvedAutoencoderConfig };
  if (topology?.className !== 'Autoencoder' || !topology.config) throw new Error(`${resolved} has no Autoencoder configuration.`);
  const model = new Autoencoder(topology.config as AutoencoderConfig);
  const decoded = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
  try {
    const assign = (variable: tf.Variable, name: string): void => {
      const value = decoded[name];
      if (!value) throw new Error(`${resolved} lacks the weights ${name} that its layers ${JSON.stringify(model.layers)} need.`);
      if (JSON.stringify(value.shape) !== JSON.stringify(variable.shape)) {
        throw new Error(`${resolved}: weights ${name} have shape ${JSON.stringify(value.shape)}, the layers need ${JSON.stringify(variable.shape)}.`);
      }
      variable.assign(value);
    };
    model.weights.forEach((w, i) => { assign(w, weightName(i)); assign(model.biases[i], biasName(i)); });
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    Object.values(decoded).forEach((t) => t.dispose());
  }
  return { model, metadata: (artifacts.userDefinedMetadata ?? {}) as ModelMetadata, path: resolved };
}

/**
 * A parameter naming a model file: a path ending in .json (relative paths start at the notebook's
 * folder); with `mustExist`, the file must be there.
 */
export function checkModelPath(name: string, value: unknown, options: { mustExist: boolean }): string {
  const fail = (why: string): never => failParameter(name, value, why);
  if (typeof value !== 'string' || !/\.json$/i.test(value.trim())) fail('it must be the path of a model file ending in .json, e.g. "../reports/models/01-best.json", or null');
  const resolved = path.resolve((value as string).trim());
  if (options.mustExist && !fs.existsSync(resolved)) fail(`no such file (looked at ${resolved}); notebook 01 writes one when its saveModelPath names it`);
  return resolved;
}
