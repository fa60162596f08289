import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  Autoencoder, AUTOENCODER_MODEL_FORMAT, checkModelPath, glyphBits, initEngine, loadAutoencoder, loadFont,
  modelFileHandler, ParameterError, saveAutoencoder, trainAutoencoder, weightsFileFor,
} from './lib';
import { projectRoot, scratchDir } from './helpers';

const glyphs = glyphBits(loadFont(path.join(projectRoot, 'data', 'font.h')));
const temporaryDir = (): string => scratchDir('ae-modelio-');

before(async () => { await initEngine('wasm'); });

describe('saveAutoencoder / loadAutoencoder', () => {
  test('a trained model survives the round trip: same config, same weights, same outputs, metadata kept', async () => {
    const model = new Autoencoder({ layers: [35, 12, 2, 12, 35], hiddenActivation: 'relu', seed: 3 });
    const dir = temporaryDir();
    try {
      await trainAutoencoder(model, glyphs, { epochs: 60, learningRate: 0.01, maxWrongPixels: null, progress: null });
      const file = path.join(dir, 'nested', 'best.json');
      const saved = await saveAutoencoder(model, file, { notebook: 'test', seed: 3 });
      assert.equal(saved.modelPath, file);
      assert.equal(saved.weightsPath, path.join(dir, 'nested', 'best.weights.bin'));
      const parameterCount = model.variables().reduce((n, v) => n + v.size, 0);
      assert.equal(saved.weightBytes, 4 * parameterCount, 'float32 weights, nothing else');
      assert.equal(fs.statSync(saved.weightsPath).size, 4 * parameterCount);
      assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ['best.json', 'best.weights.bin'], 'no temporary files left');

      const before = tf.memory().numTensors;
      const loaded = await loadAutoencoder(file);
      try {
        assert.deepEqual(loaded.model.config, model.config);
        assert.deepEqual(loaded.model.parameters(), model.parameters(), 'bit-identical weights');
        assert.deepEqual(loaded.model.reconstructArray(glyphs), model.reconstructArray(glyphs));
        assert.equal(loaded.metadata.notebook, 'test');
        assert.equal(loaded.metadata.seed, 3);
        assert.ok(!Number.isNaN(Date.parse(String(loaded.metadata.savedAt))));
        assert.equal(loaded.path, file);
      } finally {
        loaded.model.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'loading leaves no tensor behind once the model is disposed');
    } finally {
      model.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the model file is tfjs model.json layout: format, topology, weights manifest', async () => {
    const model = new Autoencoder({ layers: [35, 2, 35], seed: 1 });
    const dir = temporaryDir();
    try {
      const file = path.join(dir, 'm.json');
      await saveAutoencoder(model, file);
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(json.format, AUTOENCODER_MODEL_FORMAT);
      assert.equal(json.modelTopology.className, 'Autoencoder');
      assert.deepEqual(json.modelTopology.config.layers, [35, 2, 35]);
      assert.deepEqual(json.weightsManifest[0].paths, ['m.weights.bin'], 'weights named relative to the JSON file');
      assert.deepEqual(json.weightsManifest[0].weights.map((w: { name: string }) => w.name), ['dense0/kernel', 'dense0/bias', 'dense1/kernel', 'dense1/bias']);
    } finally {
      model.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('clear errors: missing file, not ours, weights that do not fit, a path not ending in .json', async () => {
    const model = new Autoencoder({ layers: [35, 4, 2, 4, 35], seed: 2 });
    const dir = temporaryDir();
    try {
      await assert.rejects(loadAutoencoder(path.join(dir, 'none.json')), /Cannot read the model file .*none\.json: no such file/);
      await assert.rejects(saveAutoencoder(model, path.join(dir, 'model.bin')), /must end in \.json/);

      const file = path.join(dir, 'a.json');
      await saveAutoencoder(model, file);
      const original = fs.readFileSync(file, 'utf8');

      fs.writeFileSync(file, original.replace(AUTOENCODER_MODEL_FORMAT, 'layers-model'));
      await assert.rejects(loadAutoencoder(file), /not an autoencoder saved by this project \(format "layers-model"/);

      fs.writeFileSync(file, '{ not json');
      await assert.rejects(loadAutoencoder(file), /is not valid JSON/);

      fs.writeFileSync(file, original);
      const weights = fs.readFileSync(weightsFileFor(file));
      fs.writeFileSync(weightsFileFor(file), weights.subarray(0, weights.length - 8));
      await assert.rejects(loadAutoencoder(file), /hold \d+ bytes but its manifest describes \d+: the files do not belong together/);

      fs.rmSync(weightsFileFor(file));
      await assert.rejects(loadAutoencoder(file), /Cannot read the weights file .*a\.weights\.bin: no such file/);

      // A manifest whose shapes disagree with the layers it claims.
      const other = new Autoencoder({ layers: [35, 5, 2, 5, 35], seed: 2 });
      try {
        await saveAutoencoder(other, file);
      } finally {
        other.dispose();
      }
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      json.modelTopology.config.layers = [35, 4, 2, 4, 35];
      fs.writeFileSync(file, JSON.stringify(json));
      const before = tf.memory().numTensors;
      await assert.rejects(loadAutoencoder(file), /weights dense0\/kernel have shape \[35,5\], the layers need \[35,4\]/);
      assert.equal(tf.memory().numTensors, before, 'a failed load frees what it made');
    } finally {
      model.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('modelFileHandler, a tf.io.IOHandler', () => {
  test('saves and loads any model artifacts byte for byte', async () => {
    const dir = temporaryDir();
    const tensors = { a: tf.tensor2d([[1, 2], [3, 4]]), b: tf.tensor1d([0.5, -1.5, 1e-7]) };
    try {
      const { data, specs } = await tf.io.encodeWeights(tensors);
      const handler = modelFileHandler(path.join(dir, 'x.json'));
      const result = await handler.save!({ format: 'custom', generatedBy: 'test', modelTopology: { any: ['json'] }, weightSpecs: specs, weightData: data, userDefinedMetadata: { k: 1 } });
      assert.equal(result.modelArtifactsInfo.weightDataBytes, data.byteLength);
      const artifacts = await handler.load!();
      assert.deepEqual(artifacts.modelTopology, { any: ['json'] });
      assert.deepEqual(artifacts.weightSpecs, specs);
      assert.deepEqual(new Uint8Array(artifacts.weightData as ArrayBuffer), new Uint8Array(data));
      assert.deepEqual(artifacts.userDefinedMetadata, { k: 1 });
      const decoded = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs!);
      assert.deepEqual(decoded.b.arraySync(), tensors.b.arraySync());
      Object.values(decoded).forEach((t) => t.dispose());
    } finally {
      Object.values(tensors).forEach((t) => t.dispose());
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checkModelPath', () => {
  test('accepts a .json path, and with mustExist only an existing one; errors name the parameter', () => {
    const dir = temporaryDir();
    try {
      const file = path.join(dir, 'm.json');
      assert.equal(checkModelPath('saveModelPath', file, { mustExist: false }), file);
      assert.throws(() => checkModelPath('modelPath', file, { mustExist: true }), (err: Error) =>
        err instanceof ParameterError && /^Parameter modelPath is ".*m\.json"; no such file \(looked at .*\); notebook 01 writes one/.test(err.message));
      fs.writeFileSync(file, '{}');
      assert.equal(checkModelPath('modelPath', file, { mustExist: true }), file);
      assert.throws(() => checkModelPath('modelPath', 'model.bin', { mustExist: false }), /Parameter modelPath is "model\.bin"; it must be the path of a model file ending in \.json/);
      assert.throws(() => checkModelPath('modelPath', 3, { mustExist: false }), /Parameter modelPath is 3;/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
