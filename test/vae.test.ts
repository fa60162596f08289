import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine';
import { ImageDataset, loadEmbeddedMnist, subsetDataset } from '../lib/mnist';
import { setSpeedPath, speedPath } from '../lib/fast/path';
import { silentProgress } from '../lib/progress';
import { bceWithLogitsSum, klToStandardNormal, Vae } from '../lib/vae';

before(async () => {
  await initEngine('wasm');
});

/** n digits spread over all classes (every k-th image). */
function spread(data: ImageDataset, n: number, offset = 0): ImageDataset {
  const step = Math.floor(data.count / n);
  return subsetDataset(data, Array.from({ length: n }, (_, i) => (offset + i * step) % data.count));
}

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tolerance ${tol})`);

describe('VAE pieces', () => {
  test('KL term against its closed form on known values', () => {
    const [perRow] = tf.tidy(() => [klToStandardNormal(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, Math.log(2)]])).dataSync()]);
    // 0.5 * sum(exp(lv) + mu^2 - 1 - lv) = 0.5 * ((1 + 1 - 1 - 0) + (2 + 0 - 1 - ln 2)) = 1 - ln(2) / 2
    close(perRow[0], 0.5 * ((1 + 1 - 1 - 0) + (2 + 0 - 1 - Math.log(2))), 1e-6, 'KL');
    close(perRow[0], 1 - Math.log(2) / 2, 1e-6, 'KL');
    const zero = tf.tidy(() => klToStandardNormal(tf.zeros([3, 2]), tf.zeros([3, 2])).arraySync()) as number[];
    assert.deepEqual(zero, [0, 0, 0]);
  });

  test('BCE with logits equals -[x log p + (1-x) log(1-p)] summed over pixels', () => {
    const logits = [[-3, 0.5, 2, 40], [-40, 1, 0, -0.2]];
    const x = [[0, 0.3, 1, 1], [0, 0.5, 0.9, 0]];
    const got = tf.tidy(() => bceWithLogitsSum(tf.tensor2d(logits), tf.tensor2d(x)).arraySync()) as number[];
    logits.forEach((row, i) => {
      const expected = row.reduce((s, l, j) => {
        const p = 1 / (1 + Math.exp(-l));
        const q = 1 / (1 + Math.exp(l));
        return s - (x[i][j] * (p > 0 ? Math.log(p) : -l) + (1 - x[i][j]) * (q > 0 ? Math.log(q) : l));
      }, 0);
      close(got[i], expected, 1e-4, `row ${i}`);
    });
  });

  test('shapes and sizes of every entry point', () => {
    const before = tf.memory().numTensors;
    const vae = new Vae({ seed: 3 });
    assert.equal(vae.inputSize, 784);
    assert.equal(vae.latentSize, 2);
    assert.equal(vae.parameterCount(), (784 * 512 + 512) + (512 * 4 + 4) + (2 * 512 + 512) + (512 * 784 + 784));
    const { test: testSet } = loadEmbeddedMnist();
    const few = spread(testSet, 5);
    const x = tf.tensor2d(few.images, [5, 784]);
    const { mu, logVar } = vae.encode(x);
    assert.deepEqual(mu.shape, [5, 2]);
    assert.deepEqual(logVar.shape, [5, 2]);
    const logits = vae.decodeLogits(mu);
    assert.deepEqual(logits.shape, [5, 784]);
    const zeros = tf.zeros([5, 2]) as tf.Tensor2D;
    const terms = vae.lossTerms(x, zeros);
    close(terms.loss.dataSync()[0], terms.rec.dataSync()[0] + terms.kl.dataSync()[0], 1e-3, 'loss = rec + KL');
    tf.dispose([x, zeros, mu, logVar, logits, terms.loss, terms.rec, terms.kl]);

    const codes = vae.encodeMean(few);
    assert.equal(codes.length, 5);
    assert.ok(codes.every((c) => c.length === 2 && c.every(Number.isFinite)));
    const probs = vae.decode(codes);
    assert.equal(probs.length, 5 * 784);
    assert.ok(probs.every((p) => p > 0 && p < 1));
    assert.equal(vae.sample(7, 1).length, 7 * 784);
    assert.equal(vae.reconstruct(few, 3).length, 3 * 784);
    assert.throws(() => vae.decode([[1, 2, 3]]), /latent size/);
    vae.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });

  test('configuration errors name the parameter', () => {
    assert.throws(() => new Vae({ hidden: [512, 0] }), /hidden is \[512,0\]/);
    assert.throws(() => new Vae({ activation: 'swish' as never }), /activation is "swish"; allowed: relu/);
    assert.throws(() => new Vae({ latentSize: 0 }), /latentSize is 0/);
  });

  test('deeper encoders and other activations work too', () => {
    const before = tf.memory().numTensors;
    const vae = new Vae({ hidden: [64, 32], latentSize: 3, activation: 'tanh', seed: 1 });
    const { test: testSet } = loadEmbeddedMnist();
    const e = vae.evaluate(spread(testSet, 20));
    assert.ok(Number.isFinite(e.negElbo) && e.rec > 0 && e.kl >= 0);
    assert.equal(vae.encodeMean(spread(testSet, 4))[0].length, 3);
    vae.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('VAE training', () => {
  const { train, test: testSet } = loadEmbeddedMnist();
  const small = spread(train, 512);
  const smallTest = spread(testSet, 200, 1);

  test('the loss falls on a few batches of real digits; no tensor leak across epochs', async () => {
    const vae = new Vae({ seed: 0 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const progress = silentProgress();
    const initial = vae.evaluate(smallTest);
    const history = await vae.train(small, {
      epochs: 3, batchSize: 128, seed: 5, test: smallTest, progress,
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    assert.equal(history.stopReason, 'epochs');
    assert.equal(history.epochsRun, 3);
    assert.equal(history.epochs.length, 3);
    const [first, , third] = history.trainNegElbo;
    assert.ok(third < first - 20, `train −ELBO should fall: ${history.trainNegElbo.join(', ')}`);
    assert.ok(history.testNegElbo[2] < initial.negElbo - 20, `test −ELBO should fall: ${initial.negElbo} -> ${history.testNegElbo.join(', ')}`);
    for (const e of history.epochs) {
      close(e.trainNegElbo, e.trainRec + e.trainKl, 1e-6, 'neg ELBO = rec + KL');
      close(e.trainLoss, e.trainNegElbo, 1e-3, 'beta 1: loss = neg ELBO');
      close(e.testNegElbo!, e.testRec! + e.testKl!, 1e-6, 'test split');
      assert.ok(e.trainKl > 0 && e.testKl! > 0);
    }
    assert.ok(counts.every((c) => c === counts[0]), `tensor count across epochs: ${counts.join(', ')}`);
    assert.equal(tf.memory().numTensors, before, 'tensor count after training');
    assert.ok(progress.lines.some((l) => /epoch 1\/3 step 4\/4/.test(l)), progress.lines.join('\n'));
    assert.match(progress.lines[progress.lines.length - 1], /Ran all 3 epochs/);
    vae.dispose();
  });

  test('same seed, same numbers; another seed, other numbers', async () => {
    const tiny = spread(train, 256, 2);
    const run = async (seed: number) => {
      const vae = new Vae({ seed, hidden: [128] });
      const h = await vae.train(tiny, { epochs: 2, seed, progress: null });
      const out = { losses: h.trainNegElbo, codes: vae.encodeMean(spread(testSet, 3)), sample: Array.from(vae.sample(2, 9).subarray(0, 50)) };
      vae.dispose();
      return out;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.losses, c.losses);
  });

  test('importance-sampled log-likelihood is a tighter bound than the ELBO', async () => {
    const vae = new Vae({ seed: 2, hidden: [256] });
    await vae.train(spread(train, 1024, 3), { epochs: 2, seed: 2, progress: null });
    const before = tf.memory().numTensors;
    const set = spread(testSet, 60, 4);
    // maxRows below k * images: several chunks, memory bounded.
    const ll = vae.logLikelihood(set, 100, { maxRows: 2000 });
    const elbo = vae.evaluate(set);
    assert.equal(ll.count, 60);
    assert.ok(ll.logLikelihood >= ll.elbo, `log-mean-exp ${ll.logLikelihood} >= mean ${ll.elbo}`);
    assert.ok(ll.negLogLikelihood <= elbo.negElbo, `-LL ${ll.negLogLikelihood} <= neg ELBO ${elbo.negElbo}`);
    close(-ll.elbo, elbo.negElbo, 3, 'Monte Carlo ELBO vs closed-form-KL ELBO');
    // The chunking does not change the estimate (same noise, same order).
    const whole = vae.logLikelihood(set, 100, { maxRows: 6000 });
    close(whole.logLikelihood, ll.logLikelihood, 1e-3, 'chunked vs whole');
    const k1 = vae.logLikelihood(set, 1);
    close(k1.logLikelihood, k1.elbo, 1e-3, 'k = 1 gives the ELBO');
    assert.equal(tf.memory().numTensors, before);
    vae.dispose();
  });

  test('shouldStop ends training cleanly mid-epoch', async () => {
    const vae = new Vae({ seed: 0, hidden: [64] });
    const before = tf.memory().numTensors;
    let calls = 0;
    const h = await vae.train(small, { epochs: 5, progress: null, shouldStop: () => ++calls >= 2 });
    assert.equal(h.stopReason, 'interrupted');
    assert.equal(h.epochs.length, 0);
    assert.match(h.message, /Interrupted during epoch 1 \(after 2 of 4 steps\)/);
    assert.equal(tf.memory().numTensors, before);
    vae.dispose();
    await assert.rejects(vae.train(small, { epochs: 1, progress: null }), /disposed/);
  });

  test('a diverging run stops, keeps its history and names the learning rate', async () => {
    const vae = new Vae({ seed: 0, hidden: [64] });
    const before = tf.memory().numTensors;
    const h = await vae.train(small, { epochs: 20, learningRate: 1e6, progress: null });
    assert.equal(h.stopReason, 'diverged');
    assert.match(h.message, /The loss became (NaN|-?Infinity) at epoch \d+/);
    assert.match(h.message, /learning rate \(1000000\)/);
    assert.ok(h.epochsRun < 20, `stopped after ${h.epochsRun} epochs`);
    assert.equal(h.epochs.length, h.epochsRun - 1, 'the complete epochs before the diverged one are kept');
    assert.ok(h.epochs.every((e) => Number.isFinite(e.trainLoss)));
    assert.equal(tf.memory().numTensors, before);
    vae.dispose();
  });

  test('the fast path and the plain TensorFlow.js path give the same losses and weights', async () => {
    const previous = speedPath();
    const run = async (path: 'fast' | 'plain') => {
      setSpeedPath(path);
      const vae = new Vae({ seed: 4, hidden: [96, 32], activation: 'elu' });
      try {
        const h = await vae.train(spread(train, 300, 5), { epochs: 3, batchSize: 64, beta: 0.5, seed: 3, test: smallTest, progress: null });
        return { history: h, weights: vae.variables().map((v) => Array.from(v.dataSync())) };
      } finally {
        vae.dispose();
      }
    };
    try {
      const fast = await run('fast');
      const plain = await run('plain');
      fast.history.epochs.forEach((e, i) => {
        const p = plain.history.epochs[i];
        for (const key of ['trainLoss', 'trainRec', 'trainKl', 'testNegElbo'] as const) close(e[key]!, p[key]!, 1e-3 * Math.abs(p[key]!), `epoch ${e.epoch} ${key}`);
      });
      const largest = Math.max(...fast.weights.map((w, i) => Math.max(...w.map((v, j) => Math.abs(v - plain.weights[i][j])))));
      assert.ok(largest < 1e-4, `largest weight difference ${largest}`);
    } finally {
      setSpeedPath(previous);
    }
  });

  test('bad training options are refused with the parameter named', async () => {
    const vae = new Vae({ hidden: [16] });
    await assert.rejects(vae.train(small, { epochs: 0, progress: null }), /epochs is 0/);
    await assert.rejects(vae.train(small, { learningRate: -1, progress: null }), /learningRate is -1/);
    await assert.rejects(vae.train(small, { beta: -1, progress: null }), /beta is -1/);
    const wrong = { ...small, rows: 10, cols: 10, images: new Float32Array(100 * small.count) };
    await assert.rejects(vae.train(wrong, { progress: null }), /10x10 images, the VAE takes 784 pixels/);
    vae.dispose();
  });
});
