import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine';
import { ImageDataset, loadEmbeddedMnist, subsetDataset } from '../lib/mnist';
import { silentProgress } from '../lib/progress';
import { bceWithLogitsSum, klToStandardNormal, Vae } from '../lib/vae';
import { skipUnderMutation } from './helpers';

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

  test('BCE and KL sum over the last axis of 3-D tensors too (one value per image and sample)', () => {
    const [kl, bce] = tf.tidy(() => [
      klToStandardNormal(tf.tensor3d([[[1, 0], [0, 2]]]), tf.tensor3d([[[0, Math.log(2)], [0, 0]]])).arraySync(),
      bceWithLogitsSum(tf.tensor3d([[[0, 0, 0], [0, 0, 0]]]), tf.tensor3d([[[1, 0, 1], [0, 0, 0]]])).arraySync(),
    ]) as number[][][];
    assert.deepEqual([kl.length, kl[0].length, bce.length, bce[0].length], [1, 2, 1, 2]);
    close(kl[0][0], 1 - Math.log(2) / 2, 1e-6, 'KL of the first sample');
    close(kl[0][1], 2, 1e-6, 'KL of the second sample (mean 2: 2^2 / 2)');
    for (const v of bce[0]) close(v, 3 * Math.LN2, 1e-6, 'BCE at logit 0: ln 2 per pixel');
  });

  test('decodeLogits: hidden layers take the activation, the output layer none (checked in plain arithmetic)', () => {
    const vae = new Vae({ inputSize: 2, hidden: [2], latentSize: 1, seed: 1 });
    try {
      // z -> relu(z A + a) -> logits = h B + b; A, a chosen so one hidden unit is negative before the relu.
      tf.tidy(() => {
        vae.decoderWeights[0].assign(tf.tensor2d([[1, -1]]));
        vae.decoderBiases[0].assign(tf.tensor1d([0.5, 0.2]));
        vae.decoderWeights[1].assign(tf.tensor2d([[1, -2], [3, 0.5]]));
        vae.decoderBiases[1].assign(tf.tensor1d([-4, 0.1]));
      });
      const got = tf.tidy(() => vae.decodeLogits(tf.tensor2d([[1], [-2]])).arraySync());
      const expected = [1, -2].map((z) => {
        const h = [Math.max(0, z + 0.5), Math.max(0, -z + 0.2)];
        return [h[0] * 1 + h[1] * 3 - 4, h[0] * -2 + h[1] * 0.5 + 0.1];
      });
      got.flat().forEach((v, i) => close(v, expected.flat()[i], 1e-6, `logit ${i}`));
      assert.ok(got.flat().some((v) => v < 0), 'some logits are negative: the output layer is not a relu');
    } finally {
      vae.dispose();
    }
  });

  test('lossTerms of a tiny model with set weights equal the loss worked out in plain arithmetic (batch mean, reparameterised z, beta)', () => {
    // 3 pixels, 2 latent units, no hidden layer: [mu, logVar] = x H + c, logits = z W + d, z = mu + exp(logVar / 2) eps.
    const vae = new Vae({ inputSize: 3, hidden: [], latentSize: 2, seed: 1 });
    const H = [[0.5, -1, 0.2, -0.4], [1.5, 0.3, -0.6, 0.1], [-0.7, 0.8, 0.3, 0.5]];
    const c = [0.1, -0.2, -0.3, 0.4];
    const W = [[2, -1, 0.5], [-1.5, 0.7, 1.2]];
    const d = [0.3, -0.1, 0.2];
    const x = [[1, 0, 1], [0, 0.5, 1]];
    const eps = [[0.8, -1.3], [-0.4, 2.1]];
    try {
      tf.tidy(() => {
        vae.headWeight.assign(tf.tensor2d(H));
        vae.headBias.assign(tf.tensor1d(c));
        vae.decoderWeights[0].assign(tf.tensor2d(W));
        vae.decoderBiases[0].assign(tf.tensor1d(d));
      });
      let rec = 0;
      let kl = 0;
      x.forEach((row, n) => {
        const head = c.map((cj, j) => cj + row.reduce((t, xi, i) => t + xi * H[i][j], 0));
        const [mu, logVar] = [head.slice(0, 2), head.slice(2)];
        const z = mu.map((m, j) => m + Math.exp(logVar[j] / 2) * eps[n][j]);
        row.forEach((xi, i) => {
          const l = d[i] + z[0] * W[0][i] + z[1] * W[1][i];
          const p = 1 / (1 + Math.exp(-l));
          rec -= xi * Math.log(p) + (1 - xi) * Math.log(1 - p);
        });
        mu.forEach((m, j) => { kl += -0.5 * (1 + logVar[j] - m * m - Math.exp(logVar[j])); });
      });
      rec /= x.length;
      kl /= x.length;
      for (const beta of [1, 0.25]) {
        const got = tf.tidy(() => {
          const t = vae.lossTerms(tf.tensor2d(x), tf.tensor2d(eps), beta);
          return [t.loss, t.rec, t.kl].map((s) => s.dataSync()[0]);
        });
        close(got[1], rec, 1e-5, `beta ${beta}: rec`);
        close(got[2], kl, 1e-5, `beta ${beta}: KL`);
        close(got[0], rec + beta * kl, 1e-5, `beta ${beta}: loss`);
      }
      assert.ok(kl > 0.1 && rec > 1, `a case where both terms weigh: rec ${rec}, KL ${kl}`);
    } finally {
      vae.dispose();
    }
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

  test('deeper encoders and other activations train too: the decoder mirrors the encoder, the test −ELBO falls by 100 nats in 3 epochs', { skip: skipUnderMutation }, async () => {
    const before = tf.memory().numTensors;
    const vae = new Vae({ hidden: [64, 32], latentSize: 3, activation: 'tanh', seed: 1 });
    assert.equal(vae.parameterCount(),
      (784 * 64 + 64) + (64 * 32 + 32) + (32 * 6 + 6) + (3 * 32 + 32) + (32 * 64 + 64) + (64 * 784 + 784));
    const { train, test: testSet } = loadEmbeddedMnist();
    const held = spread(testSet, 100);
    const initial = vae.evaluate(held);
    const h = await vae.train(spread(train, 512), { epochs: 3, batchSize: 64, seed: 1, progress: null });
    const after = vae.evaluate(held);
    assert.equal(h.stopReason, 'epochs');
    assert.ok(after.negElbo < initial.negElbo - 100, `test −ELBO ${initial.negElbo} -> ${after.negElbo}`);
    assert.ok(after.rec > 0 && after.kl > 0);
    assert.equal(vae.encodeMean(spread(testSet, 4))[0].length, 3);
    vae.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
  test('the log-likelihood estimate frees every tensor it makes, and refuses k or maxRows below 1', () => {
    const vae = new Vae({ inputSize: 6, hidden: [4], latentSize: 2, seed: 5 });
    const data: ImageDataset = { images: Float32Array.from({ length: 5 * 6 }, (_, i) => (i * 7) % 3 / 2), labels: new Uint8Array(5), count: 5, rows: 2, cols: 3, name: 'five tiny images' };
    try {
      const started = performance.now();
      const first = vae.logLikelihood(data, 3, { maxRows: 6 });
      const elapsed = (performance.now() - started) / 1000;
      assert.ok(first.seconds >= 0 && first.seconds <= elapsed, `timed itself in seconds: ${first.seconds} within ${elapsed}`);
      const before = tf.memory().numTensors;
      for (let run = 0; run < 3; run++) vae.logLikelihood(data, 3, { maxRows: 6 });
      assert.equal(tf.memory().numTensors, before, 'the same tensor count after three estimates (two chunks each)');
      assert.throws(() => vae.logLikelihood(data, 0), /k/);
      assert.throws(() => vae.logLikelihood(data, 3, { maxRows: 0 }), /maxRows/);
    } finally {
      vae.dispose();
    }
  });
});

describe('VAE training', () => {
  const { train, test: testSet } = loadEmbeddedMnist();
  const small = spread(train, 512);
  const smallTest = spread(testSet, 200, 1);

  test('the loss falls on a few batches of real digits; no tensor leak across epochs', { skip: skipUnderMutation }, async () => {
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

  test('same seed, same numbers; another seed, other numbers', { skip: skipUnderMutation }, async () => {
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

  test('importance-sampled log-likelihood on real digits: chunking changes nothing, tighter than the closed-form −ELBO', { skip: skipUnderMutation }, async () => {
    const vae = new Vae({ seed: 2, hidden: [256] });
    await vae.train(spread(train, 1024, 3), { epochs: 2, seed: 2, progress: null });
    const before = tf.memory().numTensors;
    const set = spread(testSet, 60, 4);
    // maxRows below k * images: several chunks, memory bounded.
    const ll = vae.logLikelihood(set, 100, { maxRows: 2000 });
    const elbo = vae.evaluate(set);
    assert.equal(ll.count, 60);
    assert.equal(ll.k, 100);
    assert.ok(ll.negLogLikelihood > 0 && ll.negLogLikelihood === -ll.logLikelihood, `−log p(x) ${ll.negLogLikelihood} of images in [0, 1] is positive`);
    assert.ok(ll.negLogLikelihood < elbo.negElbo - 1, `-LL ${ll.negLogLikelihood} well under neg ELBO ${elbo.negElbo}`);
    close(-ll.elbo, elbo.negElbo, 3, 'Monte Carlo ELBO vs closed-form-KL ELBO');
    // The chunking does not change the estimate (same noise, same order).
    const whole = vae.logLikelihood(set, 100, { maxRows: 6000 });
    close(whole.logLikelihood, ll.logLikelihood, 1e-3, 'chunked vs whole');
    assert.equal(tf.memory().numTensors, before);
    vae.dispose();
  });

  test('importance-sampled log-likelihood of a tiny model converges to its exact log p(x), integrated over the latent plane', () => {
    // 6 pixels, a 2-D latent, no hidden layer: p(x) = ∫ prod_i Bernoulli(x_i; sigmoid(z W + b)_i) N(z; 0, I) dz,
    // summed here on a grid of step 0.04 over [-8, 8]^2 (the integrand is smooth and negligible beyond).
    const D = 6;
    const vae = new Vae({ inputSize: D, hidden: [], latentSize: 2, seed: 1 });
    try {
      // A sharper decoder than the initial one: the posterior is then narrower than q(z|x) and the ELBO well below log p(x).
      tf.tidy(() => vae.decoderWeights[0].assign(tf.mul(vae.decoderWeights[0], 4)));
      const w = Array.from(vae.decoderWeights[0].dataSync());
      const bias = Array.from(vae.decoderBiases[0].dataSync());
      const logJoint = (x: number[], z1: number, z2: number): number => {
        let s = -0.5 * (z1 * z1 + z2 * z2) - Math.log(2 * Math.PI);
        for (let i = 0; i < D; i++) {
          const l = z1 * w[i] + z2 * w[D + i] + bias[i];
          s += x[i] * l - (l > 0 ? l + Math.log1p(Math.exp(-l)) : Math.log1p(Math.exp(l)));
        }
        return s;
      };
      const h = 0.04;
      const grid: number[] = [];
      for (let k = -200; k <= 200; k++) grid.push(k * h);
      const exactLogLikelihood = (x: number[]): number => {
        const terms: number[] = [];
        for (const z1 of grid) for (const z2 of grid) terms.push(logJoint(x, z1, z2));
        const max = terms.reduce((a, b) => Math.max(a, b), -Infinity);
        return max + Math.log(terms.reduce((t, v) => t + Math.exp(v - max), 0) * h * h);
      };
      // The exact ELBO for q(z|x) = N(mu, exp(logVar)) of the encoder: E_q[log p(x, z) - log q(z|x)] on the same grid.
      const exactElbo = (x: number[], mu: number[], logVar: number[]): number => {
        let total = 0;
        let mass = 0;
        for (const z1 of grid) {
          for (const z2 of grid) {
            const logQ = [z1, z2].reduce((t, z, j) => t - 0.5 * ((z - mu[j]) ** 2 / Math.exp(logVar[j]) + logVar[j] + Math.log(2 * Math.PI)), 0);
            const q = Math.exp(logQ) * h * h;
            total += q * (logJoint(x, z1, z2) - logQ);
            mass += q;
          }
        }
        assert.ok(Math.abs(mass - 1) < 1e-6, `the grid holds q's mass (${mass})`);
        return total;
      };
      const images = [[1, 0, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1]];
      const exacts: number[] = [];
      for (const x of images) {
        const data: ImageDataset = { images: Float32Array.from(x), labels: new Uint8Array(1), count: 1, rows: 2, cols: 3, name: `tiny ${x.join('')}` };
        const [mu, logVar] = tf.tidy(() => {
          const q = vae.encode(tf.tensor2d([x]));
          return [Array.from(q.mu.dataSync()), Array.from(q.logVar.dataSync())];
        });
        const exact = exactLogLikelihood(x);
        exacts.push(exact);
        const elbo = exactElbo(x, mu, logVar);
        assert.ok(elbo < exact - 0.3, `${data.name}: the ELBO ${elbo} is well below log p(x) ${exact}`);
        // 40 independent estimates (seeds) for each k: their mean and its standard error.
        const estimates = (k: number) => {
          const runs = Array.from({ length: 40 }, (_, seed) => vae.logLikelihood(data, k, { seed }));
          for (const r of runs) assert.ok(r.negLogLikelihood === -r.logLikelihood && r.k === k && r.count === 1, `${data.name}: -log p(x) ${r.negLogLikelihood}, k ${r.k}`);
          const stats = (values: number[]) => {
            const mean = values.reduce((a, b) => a + b, 0) / values.length;
            const se = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) / values.length);
            return { mean, se };
          };
          return { ll: stats(runs.map((r) => r.logLikelihood)), elbo: stats(runs.map((r) => r.elbo)) };
        };
        const one = estimates(1);
        const many = estimates(1000);
        // k = 1 estimates the ELBO, k = 1000 log p(x) itself (its bias is then far below its standard error here).
        assert.ok(Math.abs(one.ll.mean - elbo) < 4 * one.ll.se, `${data.name} k = 1: ${one.ll.mean} ± ${one.ll.se} vs exact ELBO ${elbo}`);
        assert.ok(Math.abs(many.ll.mean - exact) < 4 * many.ll.se + 0.005, `${data.name} k = 1000: ${many.ll.mean} ± ${many.ll.se} vs exact ${exact}`);
        assert.ok(Math.abs(many.elbo.mean - elbo) < 4 * many.elbo.se + 0.005, `${data.name}: the ELBO beside it ${many.elbo.mean} ± ${many.elbo.se} vs exact ${elbo}`);
        assert.ok(Math.abs(estimates(10).ll.mean - exact) > Math.abs(many.ll.mean - exact), `${data.name}: closer as k grows`);
      }
      // The three images as one data set: the estimate is the mean over images, whatever the chunk size.
      const all: ImageDataset = { images: Float32Array.from(images.flat()), labels: new Uint8Array(3), count: 3, rows: 2, cols: 3, name: 'tiny, all three' };
      const runs = Array.from({ length: 10 }, (_, seed) => vae.logLikelihood(all, 1000, { seed }).logLikelihood);
      const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
      const se = Math.sqrt(runs.reduce((a, b) => a + (b - mean) ** 2, 0) / (runs.length - 1) / runs.length);
      const exactMean = exacts.reduce((a, b) => a + b, 0) / exacts.length;
      assert.ok(Math.abs(mean - exactMean) < 4 * se + 0.005, `all three: ${mean} ± ${se} vs the exact mean ${exactMean}`);
      const oneAtATime = vae.logLikelihood(all, 1000, { seed: 0, maxRows: 1000 });
      close(oneAtATime.logLikelihood, runs[0], 1e-4, 'one image per chunk vs all three in one');
      close(oneAtATime.elbo, vae.logLikelihood(all, 1000, { seed: 0 }).elbo, 1e-4, 'the ELBO beside it');
    } finally {
      vae.dispose();
    }
  });

  test('shouldStop ends training cleanly mid-epoch', { skip: skipUnderMutation }, async () => {
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

  test('a diverging run stops, keeps its history and names the learning rate', { skip: skipUnderMutation }, async () => {
    const vae = new Vae({ seed: 0, hidden: [64] });
    const before = tf.memory().numTensors;
    const h = await vae.train(small, { epochs: 20, learningRate: 1e6, progress: null });
    assert.equal(h.stopReason, 'diverged');
    assert.match(h.message, /The loss became (NaN|-?Infinity) at epoch \d+/);
    assert.match(h.message, /learning rate \(1000000\)/);
    assert.ok(h.epochsRun < 20, `stopped after ${h.epochsRun} epochs`);
    assert.equal(h.epochs.length, h.epochsRun - 1, 'the complete epochs before the diverged one are kept');
    assert.equal(tf.memory().numTensors, before);
    vae.dispose();
  });

  test('a NaN in the loss at epoch 3 stops there, the two epochs before kept as they were', { skip: skipUnderMutation }, async () => {
    const run = async (poisonAfter: number | null) => {
      const data = { ...small, images: small.images.slice() };
      const vae = new Vae({ seed: 1, hidden: [32] });
      try {
        const before = tf.memory().numTensors;
        // One pixel turned NaN after the given epoch: every later step that sees that image has a NaN loss.
        const h = await vae.train(data, {
          epochs: 6, learningRate: 0.002, seed: 4, progress: null, onEpoch: (e) => { if (e.epoch === poisonAfter) data.images[100] = NaN; },
        });
        assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
        return h;
      } finally {
        vae.dispose();
      }
    };
    const clean = await run(null);
    const h = await run(2);
    assert.equal(h.stopReason, 'diverged');
    assert.equal(h.epochsRun, 3);
    assert.match(h.message, /^The loss became NaN at epoch 3: .*the learning rate \(0\.002\)/);
    assert.deepEqual(h.epochs.map((e) => e.epoch), [1, 2]);
    assert.deepEqual(h.trainNegElbo, clean.trainNegElbo.slice(0, 2), 'the kept epochs are those of the same run without the NaN');
    assert.equal(clean.stopReason, 'epochs');
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
