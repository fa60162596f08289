/**
 * What a trained VAE (vae.ts) is used for: bounds on -log p(x), codes, reconstructions, samples.
 * Every function frees the tensors it makes.
 */
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from './mnist';
import { checkInteger } from './params';
import { normalFrom, seededRandom } from './random';
import type { Vae } from './vae';
import { bceWithLogitsSum } from './vae';

export interface VaeEvaluation {
  /** Reconstruction + KL: the negative ELBO in nats per image (one sample of z per image). */
  negElbo: number;
  /** Expected negative log-likelihood of x given z (summed BCE over pixels), nats per image. */
  rec: number;
  /** KL(q(z|x) || N(0, I)) in closed form, nats per image. */
  kl: number;
  count: number;
}

export interface VaeLogLikelihood {
  /** Mean over images of the k-sample importance-sampling estimate of log p(x), nats. */
  logLikelihood: number;
  /** Its negative: an upper bound on -log p(x) in expectation, tighter than the negative ELBO. */
  negLogLikelihood: number;
  /** Mean over the same k samples of log p(x|z) + log p(z) - log q(z|x): the ELBO (Monte Carlo). */
  elbo: number;
  k: number;
  count: number;
  /** Wall-clock seconds the estimate took. */
  seconds: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** A tensor's values, the tensor freed. */
function readAndFree(tensor: tf.Tensor): Float32Array {
  try {
    return tensor.dataSync() as Float32Array;
  } finally {
    tensor.dispose();
  }
}

/**
 * Images `order[start..end)` (or images start..end without `order`) as rows, copied into `buffer`
 * when given. Some backends keep a reference to the array a tensor is made from: a tensor made
 * from `buffer` must be disposed before the buffer is filled again.
 */
export function imageRows(data: ImageDataset, start: number, end: number, order?: ArrayLike<number>, buffer?: Float32Array): tf.Tensor2D {
  const size = data.rows * data.cols;
  const count = end - start;
  if (!order) return tf.tensor2d(data.images.subarray(start * size, end * size), [count, size]);
  const out = buffer && buffer.length >= size * count ? buffer.subarray(0, size * count) : new Float32Array(size * count);
  for (let j = 0; j < count; j++) out.set(data.images.subarray(order[start + j] * size, (order[start + j] + 1) * size), j * size);
  return tf.tensor2d(out, [count, size]);
}

/** Standard normal noise for `count` images (count x latent), drawn image by image: the same numbers whatever the batching. */
export function noiseRows(normal: () => number, latent: number, count: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from({ length: latent * count }, normal), [count, latent]);
}

/**
 * Negative ELBO on `data` in nats per image, split into reconstruction and KL: one sample of z per
 * image (seeded, so repeatable), closed-form KL, beta = 1. An upper bound on -log p(x) (up to the
 * noise of the one sample).
 */
export function evaluateVae(vae: Vae, data: ImageDataset, options: { seed?: number; batchSize?: number } = {}): VaeEvaluation {
  vae.checkAlive();
  vae.checkData(data, 'evaluate');
  const normal = normalFrom(seededRandom((options.seed ?? 0) ^ 0x6a09e667));
  const batchSize = checkInteger('batchSize', options.batchSize ?? 1000, { min: 1 });
  let sums: tf.Tensor1D = tf.zeros([2]);
  try {
    for (let start = 0; start < data.count; start += batchSize) {
      const end = Math.min(start + batchSize, data.count);
      const previous = sums;
      sums = tf.tidy(() => {
        const t = vae.lossTerms(imageRows(data, start, end), noiseRows(normal, vae.latentSize, end - start), 1);
        return tf.add(previous, tf.mul(tf.stack([t.rec, t.kl]), end - start)) as tf.Tensor1D;
      });
      previous.dispose();
    }
    const [rec, kl] = Array.from(sums.dataSync()).map((s) => s / data.count);
    return { negElbo: rec + kl, rec, kl, count: data.count };
  } finally {
    sums.dispose();
  }
}

/**
 * Importance-sampling estimate of log p(x) with k samples z_j ~ q(z|x) per image:
 *   log p(x) ≈ log (1/k) Σ_j exp(log p(x|z_j) + log p(z_j) - log q(z_j|x)),
 * computed as a log-mean-exp. In expectation it is a lower bound on log p(x), at least as tight as
 * the ELBO (k = 1) and approaching log p(x) as k grows (Burda et al. 2015); so `negLogLikelihood` is
 * an upper bound on -log p(x) tighter than the negative ELBO. The `elbo` returned is the mean of the
 * same k log-weights, so logLikelihood >= elbo holds exactly (Jensen). At most `maxRows` decoded
 * images (images x k) exist at once: memory stays bounded whatever the data size.
 */
export function vaeLogLikelihood(vae: Vae, data: ImageDataset, k = 100, options: { seed?: number; maxRows?: number } = {}): VaeLogLikelihood {
  vae.checkAlive();
  vae.checkData(data, 'logLikelihood');
  checkInteger('k', k, { min: 1 });
  const maxRows = checkInteger('maxRows', options.maxRows ?? 8192, { min: 1 });
  const chunk = Math.max(1, Math.floor(maxRows / k));
  const normal = normalFrom(seededRandom((options.seed ?? 0) ^ 0x3c6ef372));
  const L = vae.latentSize;
  const D = vae.inputSize;
  const started = performance.now();
  let sums: tf.Tensor1D = tf.zeros([2]);
  try {
    for (let start = 0; start < data.count; start += chunk) {
      const end = Math.min(start + chunk, data.count);
      const b = end - start;
      const previous = sums;
      sums = tf.tidy(() => {
        // Drawn image by image (k x L values each), so the numbers do not depend on maxRows.
        const eps = tf.tensor3d(Float32Array.from({ length: b * k * L }, normal), [b, k, L]);
        const x = imageRows(data, start, end);
        const { mu, logVar } = vae.encode(x);
        const mean3 = tf.reshape(mu, [b, 1, L]);
        const logVar3 = tf.reshape(logVar, [b, 1, L]);
        const z = tf.add(mean3, tf.mul(tf.exp(tf.mul(0.5, logVar3)), eps)); // b x k x L
        const logits = tf.reshape(vae.decodeLogits(tf.reshape(z, [b * k, L])), [b, k, D]);
        const logPxGivenZ = tf.neg(bceWithLogitsSum(logits, tf.reshape(x, [b, 1, D]))); // b x k
        const logPz = tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), -1)), 0.5 * L * LOG_2PI);
        const logQz = tf.sub(tf.mul(-0.5, tf.sum(tf.add(tf.square(eps), logVar3), -1)), 0.5 * L * LOG_2PI);
        const logW = tf.sub(tf.add(logPxGivenZ, logPz), logQz); // b x k
        const ll = tf.sub(tf.logSumExp(logW, 1), Math.log(k)); // b
        return tf.add(previous, tf.stack([tf.sum(ll), tf.div(tf.sum(logW), k)])) as tf.Tensor1D;
      });
      previous.dispose();
    }
    const [ll, elbo] = Array.from(sums.dataSync()).map((s) => s / data.count);
    return { logLikelihood: ll, negLogLikelihood: -ll, elbo, k, count: data.count, seconds: (performance.now() - started) / 1000 };
  } finally {
    sums.dispose();
  }
}

/** Means of q(z|x) for every image: `count` rows of latentSize numbers. */
export function encodeMeans(vae: Vae, data: ImageDataset, batchSize = 2000): number[][] {
  vae.checkAlive();
  vae.checkData(data, 'encodeMean');
  const out: number[][] = [];
  for (let start = 0; start < data.count; start += batchSize) {
    const end = Math.min(start + batchSize, data.count);
    const mean = tf.tidy(() => vae.encode(imageRows(data, start, end)).mu);
    out.push(...(mean.arraySync() as number[][]));
    mean.dispose();
  }
  return out;
}

/** Pixel probabilities sigmoid(logits) for latent codes (rows of latentSize): n * inputSize values, row by row. */
export function decodeCodes(vae: Vae, z: number[][] | Float32Array): Float32Array {
  vae.checkAlive();
  const L = vae.latentSize;
  const rows = z instanceof Float32Array ? z.length / L : z.length;
  if (!Number.isInteger(rows) || (!(z instanceof Float32Array) && z.some((r) => r.length !== L))) {
    throw new Error(`decode: every code must have ${L} numbers (the latent size).`);
  }
  if (rows === 0) return new Float32Array(0);
  return readAndFree(tf.tidy(() => tf.sigmoid(vae.decodeLogits(tf.tensor2d(z instanceof Float32Array ? z : z.flat(), [rows, L])))));
}

/** `n` images drawn from the model: z ~ N(0, I) (seeded), then pixel probabilities: n * inputSize values. */
export function sampleImages(vae: Vae, n: number, seed = 0): Float32Array {
  checkInteger('n', n, { min: 1 });
  return decodeCodes(vae, Float32Array.from({ length: n * vae.latentSize }, normalFrom(seededRandom(seed))));
}

/** Pixel probabilities of the reconstruction from the mean code, for the first `count` images. */
export function reconstructImages(vae: Vae, data: ImageDataset, count = data.count): Float32Array {
  vae.checkAlive();
  vae.checkData(data, 'reconstruct');
  return readAndFree(tf.tidy(() => tf.sigmoid(vae.decodeLogits(vae.encode(imageRows(data, 0, Math.min(count, data.count))).mu))));
}

/**
 * Sets the decoder's output biases to the log-odds of each pixel's mean over `data` (the means
 * clipped to [clip, 1 - clip]), so that the untrained decoder starts near the mean image rather
 * than at grey 0.5 everywhere. A common initialisation for Bernoulli decoders: it changes no layer
 * and no setting, only the starting values of the last bias (inputSize numbers), and uses only the
 * data given (pass the training set). Call it before training. Returns the clipped mean image.
 */
export function setOutputBiasToDataMean(vae: Vae, data: ImageDataset, clip = 1e-3): Float32Array {
  vae.checkAlive();
  vae.checkData(data, 'setOutputBiasToDataMean');
  if (!(clip > 0 && clip < 0.5)) throw new Error(`clip is ${clip}; it must be above 0 and below 0.5, e.g. 0.001.`);
  const D = vae.inputSize;
  const sums = new Float64Array(D);
  for (let i = 0; i < data.count; i++) for (let p = 0; p < D; p++) sums[p] += data.images[i * D + p];
  const mean = Float32Array.from(sums, (s) => Math.min(1 - clip, Math.max(clip, s / data.count)));
  const logits = Float32Array.from(mean, (m) => Math.log(m / (1 - m)));
  tf.tidy(() => vae.decoderBiases[vae.decoderBiases.length - 1].assign(tf.tensor1d(logits)));
  return mean;
}
