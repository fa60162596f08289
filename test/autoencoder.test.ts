import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  activate, ACTIVATION_NAMES, Autoencoder, glyphBits, initEngine, loadFont, meetsCriterion, pixelDistance, reportError,
  summarizeWrongPixels, trainAutoencoder, validateLayers, wrongPixelsPerGlyph,
} from './lib';
import { projectRoot, skipUnderMutation } from './helpers';

const glyphs = glyphBits(loadFont(path.join(projectRoot, 'data', 'font.h')));

before(async () => { await initEngine('wasm'); });

describe('Autoencoder shapes', () => {
  test('encoder, decoder and reconstruction have the shapes of the layer list', () => {
    const model = new Autoencoder({ layers: [35, 20, 10, 2, 10, 20, 35], seed: 1 });
    try {
      assert.equal(model.latentIndex, 3);
      assert.equal(model.latentSize, 2);
      assert.deepEqual(model.weights.map((w) => w.shape), [[35, 20], [20, 10], [10, 2], [2, 10], [10, 20], [20, 35]]);
      const codes = model.encodeArray(glyphs.slice(0, 5));
      assert.equal(codes.length, 5);
      assert.equal(codes[0].length, 2);
      const decoded = model.decodeArray(codes);
      assert.equal(decoded[0].length, 35);
      assert.ok(decoded.flat().every((v) => v > 0 && v < 1), 'sigmoid outputs lie in (0, 1)');
      // Decoding the codes is the same as reconstructing: encoder and decoder compose.
      const direct = model.reconstructArray(glyphs.slice(0, 5));
      direct.flat().forEach((v, i) => assert.ok(Math.abs(v - decoded.flat()[i]) < 1e-5));
    } finally {
      model.dispose();
    }
  });

  test('the latent layer may use another activation, and the hidden ones relu', () => {
    const model = new Autoencoder({ layers: [35, 8, 3, 8, 35], hiddenActivation: 'relu', latentActivation: 'sigmoid', seed: 2 });
    try {
      const codes = model.encodeArray(glyphs);
      assert.ok(codes.flat().every((v) => v > 0 && v < 1));
    } finally {
      model.dispose();
    }
  });

  test('bad layer lists and activations are rejected with the parameter named', () => {
    assert.throws(() => validateLayers([35, 2]), /at least 3/);
    assert.throws(() => validateLayers([35, 2, 30]), /first and last/);
    assert.throws(() => validateLayers([35, 2, 2, 35]), /exactly one inner layer must be the smallest/);
    assert.throws(() => validateLayers([35, 2.5, 35]), /positive whole number/);
    assert.throws(() => validateLayers([30, 2, 30], 35, 'Parameter architectures[0]'), /Parameter architectures\[0\].*start and end with 35/);
    assert.throws(() => new Autoencoder({ layers: [35, 2, 35], hiddenActivation: 'softmax' as never }), /hiddenActivation.*allowed/);
  });

  test('the same seed gives the same initial weights, another seed others', () => {
    const [a, b, c] = [1, 1, 2].map((seed) => new Autoencoder({ layers: [35, 10, 2, 10, 35], seed }));
    try {
      assert.deepEqual(a.parameters(), b.parameters());
      assert.notDeepEqual(a.parameters(), c.parameters());
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
  });
});

describe('Autoencoder loss and activations', () => {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

  test('bce is the mean binary cross-entropy of the reconstruction, mse its mean squared error', () => {
    for (const outputActivation of ['sigmoid', 'linear'] as const) {
      const model = new Autoencoder({ layers: [35, 8, 2, 8, 35], outputActivation, seed: 3 });
      const x = tf.tensor2d(glyphs.slice(0, 6));
      try {
        const y = model.reconstructArray(glyphs.slice(0, 6)).flat();
        const t = glyphs.slice(0, 6).flat();
        const clip = (v: number) => Math.min(Math.max(v, 1e-7), 1 - 1e-7);
        const bce = -mean(t.map((ti, i) => ti * Math.log(clip(y[i])) + (1 - ti) * Math.log(1 - clip(y[i]))));
        const mse = mean(t.map((ti, i) => (y[i] - ti) ** 2));
        const lossOf = (name: 'bce' | 'mse') => tf.tidy(() => model.loss(x, x, name).dataSync()[0]);
        assert.ok(Math.abs(lossOf('bce') - bce) < 1e-4 * bce, `${outputActivation} bce ${lossOf('bce')} vs ${bce}`);
        assert.ok(Math.abs(lossOf('mse') - mse) < 1e-4 * mse, `${outputActivation} mse ${lossOf('mse')} vs ${mse}`);
        assert.equal(tf.tidy(() => model.loss(x, x).dataSync()[0]), lossOf('bce'), 'bce by default');
      } finally {
        x.dispose();
        model.dispose();
      }
    }
  });

  test('one activation table for both models', () => {
    const x = tf.tensor1d([-2, 0, 1.5]);
    try {
      const expected: Record<string, number[]> = {
        relu: [0, 0, 1.5], tanh: [-2, 0, 1.5].map(Math.tanh), sigmoid: [-2, 0, 1.5].map((v) => 1 / (1 + Math.exp(-v))),
        elu: [Math.exp(-2) - 1, 0, 1.5], leakyRelu: [-0.4, 0, 1.5], softplus: [-2, 0, 1.5].map((v) => Math.log1p(Math.exp(v))), linear: [-2, 0, 1.5],
      };
      assert.deepEqual([...ACTIVATION_NAMES].sort(), Object.keys(expected).sort());
      for (const name of ACTIVATION_NAMES) {
        const y = tf.tidy(() => Array.from(activate(x, name).dataSync()));
        y.forEach((v, i) => assert.ok(Math.abs(v - expected[name][i]) < 1e-6, `${name}(${[-2, 0, 1.5][i]}) = ${v}`));
      }
    } finally {
      x.dispose();
    }
  });

  test('an unknown engine is rejected with the parameter named', async () => {
    await assert.rejects(initEngine('gpu' as never), /engine parameter is "gpu"; allowed: auto, tensorflow, wasm, cpu/);
  });
});

describe('wrong-pixel metric', () => {
  test('counts thresholded differences per glyph on hand-made cases', () => {
    const targets = [[1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1]];
    const outputs = [[0.9, 0.1, 0.6, 0.4], [0.5, 0.49, 0.7, 0.0], [0.2, 0.8, 0.51, 0.49]];
    assert.deepEqual(wrongPixelsPerGlyph(outputs, targets), [0, 2, 2]);
    const summary = summarizeWrongPixels([0, 2, 2]);
    assert.equal(summary.max, 2);
    assert.equal(summary.total, 4);
    assert.equal(meetsCriterion([0, 1, 1], 1), true);
    assert.equal(meetsCriterion([0, 2, 1], 1), false);
    assert.equal(pixelDistance([1, 0, 1], [0.9, 0.6, 0.2]), 2);
    assert.equal(pixelDistance([0.5, 0.4], [1, 0]), 0, 'a value at the threshold is ink, in the first image');
    assert.equal(pixelDistance([1, 0], [0.5, 0.4]), 0, 'and in the second');
    assert.throws(() => wrongPixelsPerGlyph([[1]], [[1], [0]]), /1 outputs for 2 targets/);
  });

  test('the summary\'s mean, an empty summary, another threshold, and mismatched sizes named', () => {
    assert.deepEqual(summarizeWrongPixels([0, 2, 2]), { perGlyph: [0, 2, 2], max: 2, total: 4, mean: 4 / 3 });
    assert.deepEqual(summarizeWrongPixels([]), { perGlyph: [], max: 0, total: 0, mean: 0 });
    // At threshold 0.25, 0.3 reads 1 and 0.2 reads 0; at the default 0.5 both read 0.
    assert.equal(pixelDistance([0.3, 0.7], [0.2, 0.9], 0.25), 1);
    assert.equal(pixelDistance([0.3, 0.7], [0.2, 0.9]), 0);
    assert.deepEqual(wrongPixelsPerGlyph([[0.3, 0.2]], [[1, 1]], 0.25), [1]);
    assert.equal(meetsCriterion([0, 2, 2], 2), true);
    assert.equal(meetsCriterion([3, 2, 2], 2), false);
    assert.throws(() => pixelDistance([1], [1, 0]), /pixelDistance: 1 pixels against 2/);
    assert.throws(() => wrongPixelsPerGlyph([[1], [1, 0]], [[1], [1]]), /wrongPixelsPerGlyph: glyph 1 has 2 outputs for 1 pixels/);
  });

  test('the report error is half the summed squared error', () => {
    assert.equal(reportError([[1, 0.5], [0, 0]], [[1, 0], [1, 1]]), (0.25 + 1 + 1) / 2);
  });
});

describe('training', () => {
  test('a short training on 4 glyphs reaches 0 wrong pixels and stops on the criterion', { skip: skipUnderMutation }, async () => {
    const model = new Autoencoder({ layers: [35, 10, 2, 10, 35], seed: 3 });
    try {
      const history = await trainAutoencoder(model, glyphs.slice(0, 4), {
        epochs: 3000, learningRate: 0.01, seed: 3, maxWrongPixels: 0, checkEvery: 25, progress: null,
      });
      assert.equal(history.stopReason, 'criterion');
      assert.equal(history.maxWrongPixels, 0);
      assert.equal(history.totalWrongPixels, 0);
      assert.ok(history.epochsToCriterion !== null && history.epochsToCriterion < 3000);
      assert.equal(history.loss.length, history.epochsRun);
      assert.ok(history.loss[history.loss.length - 1] < history.loss[0] / 2, 'the loss falls');
      const out = model.reconstructArray(glyphs.slice(0, 4));
      assert.deepEqual(wrongPixelsPerGlyph(out, glyphs.slice(0, 4)), [0, 0, 0, 0]);
    } finally {
      model.dispose();
    }
  });

  test('stopAtCriterion false trains every epoch after the criterion holds, and records when it first held', { skip: skipUnderMutation }, async () => {
    const train = async (options: { epochs: number; stopAtCriterion?: boolean }) => {
      const model = new Autoencoder({ layers: [35, 10, 2, 10, 35], seed: 3 });
      try {
        return await trainAutoencoder(model, glyphs.slice(0, 4), { ...options, learningRate: 0.01, seed: 3, maxWrongPixels: 0, checkEvery: 25, progress: null });
      } finally {
        model.dispose();
      }
    };
    const stopped = await train({ epochs: 3000 });
    assert.equal(stopped.stopReason, 'criterion');
    const reached = stopped.epochsToCriterion as number;
    const epochs = reached + 300;
    const full = await train({ epochs, stopAtCriterion: false });
    assert.equal(full.stopReason, 'epochs');
    assert.equal(full.epochsRun, epochs);
    assert.equal(full.loss.length, epochs);
    assert.equal(full.epochsToCriterion, reached, 'the first check where the criterion held, as in the run that stopped there');
    assert.equal(full.checks.at(-1)?.epoch, epochs, 'the last check is at the last epoch');
    assert.deepEqual(full.loss.slice(0, reached), stopped.loss, 'the same run up to the criterion');
    assert.match(full.message, new RegExp(`Ran all ${epochs} epochs; .* first at epoch ${reached}`));
    await assert.rejects(train({ epochs: 10, stopAtCriterion: 'no' as unknown as boolean }), /stopAtCriterion/);
  });

  test('the tensor count stays flat across epochs and after training', { skip: skipUnderMutation }, async () => {
    const model = new Autoencoder({ layers: [35, 12, 2, 12, 35], seed: 4 });
    try {
      const counts: number[] = [];
      const baseline = tf.memory().numTensors;
      const history = await trainAutoencoder(model, glyphs, {
        epochs: 120, learningRate: 0.005, batchSize: 8, maxWrongPixels: null, progress: null,
        // Called between steps: the number of live tensors must not grow with the epochs.
        shouldStop: () => { counts.push(tf.memory().numTensors); return false; },
      });
      assert.equal(history.epochsRun, 120);
      assert.equal(tf.memory().numTensors, baseline, 'nothing left behind after training');
      // counts[i] is taken after epoch i + 1. Between checks (every 50 epochs) the per-step loss
      // scalars wait on the device on purpose, 4 per epoch at 8 of 32 glyphs a step; a check reads
      // them back and frees them, so the count right after each check is the same.
      assert.equal(counts[48], counts[8] + 40 * 4, 'only the pending loss scalars accumulate between checks');
      assert.equal(counts[49], counts[99], 'the same count after every check');
      assert.equal(counts[50], counts[0], 'the same count one epoch after a check');
    } finally {
      model.dispose();
    }
  });

  test('the same seed gives the same numbers; mini-batches are seeded too', { skip: skipUnderMutation }, async () => {
    const once = async (seed: number) => {
      const model = new Autoencoder({ layers: [35, 10, 2, 10, 35], seed });
      try {
        const h = await trainAutoencoder(model, glyphs, { epochs: 40, learningRate: 0.01, batchSize: 8, seed, maxWrongPixels: null, checkEvery: 20, progress: null });
        return { loss: h.loss, wrong: h.wrongPixels, out: model.reconstructArray(glyphs.slice(0, 2)) };
      } finally {
        model.dispose();
      }
    };
    const [a, b, c] = [await once(5), await once(5), await once(6)];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.loss, c.loss);
  });

  test('a diverging run stops at once, keeps its history and names the learning rate', { skip: skipUnderMutation }, async () => {
    const model = new Autoencoder({ layers: [35, 10, 2, 10, 35], seed: 7, outputActivation: 'linear' });
    try {
      const history = await trainAutoencoder(model, glyphs, {
        epochs: 500, learningRate: 1e4, optimizer: 'sgd', loss: 'mse', maxWrongPixels: null, checkEvery: 10, progress: null,
      });
      assert.equal(history.stopReason, 'diverged');
      assert.match(history.message, /learning rate \(10000\)/);
      assert.ok(history.epochsRun < 500);
      assert.ok(history.loss.length > 0 && !Number.isFinite(history.loss[history.loss.length - 1]));
    } finally {
      model.dispose();
    }
  });

  test('shouldStop ends training after the current step, as an interrupt does', { skip: skipUnderMutation }, async () => {
    const model = new Autoencoder({ layers: [35, 10, 2, 10, 35], seed: 8 });
    try {
      let steps = 0;
      const history = await trainAutoencoder(model, glyphs, {
        epochs: 1000, learningRate: 0.005, progress: null, shouldStop: () => ++steps >= 7,
      });
      assert.equal(history.stopReason, 'interrupted');
      assert.equal(history.epochsRun, 7);
      assert.equal(history.loss.length, 7);
    } finally {
      model.dispose();
    }
  });

  test('bad options are rejected with the option named', async () => {
    const model = new Autoencoder({ layers: [35, 10, 2, 10, 35] });
    try {
      await assert.rejects(trainAutoencoder(model, glyphs, { epochs: 0, learningRate: 0.01 }), /epochs is 0/);
      await assert.rejects(trainAutoencoder(model, glyphs, { epochs: 5, learningRate: -1 }), /learningRate is -1/);
      await assert.rejects(trainAutoencoder(model, glyphs, { epochs: 5, learningRate: 0.1, batchSize: 99 }), /batchSize is 99/);
      await assert.rejects(trainAutoencoder(model, [[1, 0]], { epochs: 5, learningRate: 0.1 }), /35 values/);
    } finally {
      model.dispose();
    }
  });
});
