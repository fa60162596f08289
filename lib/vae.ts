/**
 * A variational autoencoder (Kingma & Welling 2013) as in pytorch/examples vae/main.py, in plain
 * TensorFlow.js: variables, ops and autodiff, one image per row.
 *
 *   encoder:  x (784) -> hidden layers -> mean, logVar (latentSize each): q(z|x) = N(mean, exp(logVar))
 *   sample:   z = mean + exp(0.5 logVar) * eps,  eps ~ N(0, I) from a seeded generator
 *   decoder:  z -> hidden layers reversed -> 784 Bernoulli logits: p(x|z)
 *   loss:     reconstruction + beta * KL, in nats per image (see `lossTerms`)
 *
 * With beta = 1 the loss is the negative ELBO, an upper bound on -log p(x); `logLikelihood` gives a
 * tighter one by importance sampling. Training, evaluation and sampling live beside this file
 * (vae-train.ts, vae-eval.ts); the methods below hand over to them.
 */
import * as tf from '@tensorflow/tfjs';
import { ActivationName, ACTIVATION_NAMES, activate } from './activations';
import { ImageDataset } from './mnist';
import { checkInteger } from './params';
import { seededRandom } from './random';
import { decodeCodes, encodeMeans, evaluateVae, reconstructImages, sampleImages, setOutputBiasToDataMean, vaeLogLikelihood, VaeEvaluation, VaeLogLikelihood } from './vae-eval';
import { trainVae, VaeHistory, VaeTrainOptions } from './vae-train';

export type { VaeEvaluation, VaeLogLikelihood } from './vae-eval';
export type { VaeEpochStats, VaeHistory, VaeStopReason, VaeTrainOptions } from './vae-train';

/** The activations a VAE's hidden layers may take: every one of the shared table. */
export type VaeActivation = ActivationName;
export const VAE_ACTIVATIONS: readonly VaeActivation[] = ACTIVATION_NAMES;

export interface VaeConfig {
  /** Pixels per image. Default 784 (28x28). */
  inputSize?: number;
  /** Sizes of the encoder's hidden layers, input side first; the decoder mirrors them. Default [512]. */
  hidden?: number[];
  /** Size of z. Default 2 (a plane to look at). */
  latentSize?: number;
  /** Activation of every hidden layer. Default relu. */
  activation?: VaeActivation;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
}

export type ResolvedVaeConfig = Required<VaeConfig>;

/** The loss of a batch and its two terms, each averaged over the batch, in nats per image. */
export interface VaeLossTerms {
  loss: tf.Scalar;
  rec: tf.Scalar;
  kl: tf.Scalar;
}

/**
 * Binary cross-entropy of pixels `x` in [0, 1] against Bernoulli logits, summed over `axis`
 * (default the last: one value per image):
 * -[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))] = softplus(l) - x l (exact and stable).
 */
export function bceWithLogitsSum(logits: tf.Tensor, x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), axis);
}

/**
 * KL(N(mean, exp(logVar)) || N(0, I)) in closed form, summed over `axis` (default the last: one
 * value per image): -1/2 * sum(1 + logVar - mean^2 - exp(logVar)) (Kingma & Welling 2013, App. B).
 */
export function klToStandardNormal(mean: tf.Tensor, logVar: tf.Tensor, axis = -1): tf.Tensor {
  return tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(1, logVar)), axis));
}

export class Vae {
  readonly config: ResolvedVaeConfig;
  /** Encoder layers, h -> activation(h W + b): inputSize -> hidden[0] -> ... -> hidden[last]. */
  readonly encoderWeights: tf.Variable<tf.Rank.R2>[] = [];
  readonly encoderBiases: tf.Variable<tf.Rank.R1>[] = [];
  /** The two heads in one layer (last hidden x 2 latentSize): columns 0..latentSize-1 give the mean, the rest logVar. */
  readonly headWeight: tf.Variable<tf.Rank.R2>;
  readonly headBias: tf.Variable<tf.Rank.R1>;
  /** Decoder layers: latentSize -> hidden[last] -> ... -> hidden[0] -> inputSize (logits, no activation). */
  readonly decoderWeights: tf.Variable<tf.Rank.R2>[] = [];
  readonly decoderBiases: tf.Variable<tf.Rank.R1>[] = [];
  private disposed = false;

  constructor(config: VaeConfig = {}) {
    const hidden = config.hidden ?? [512];
    if (!Array.isArray(hidden) || !hidden.every((n) => Number.isInteger(n) && n > 0)) {
      throw new Error(`hidden is ${JSON.stringify(hidden)}; it must list positive whole layer sizes, e.g. [512] or [512, 256] (may be empty).`);
    }
    const activation = config.activation ?? 'relu';
    if (!VAE_ACTIVATIONS.includes(activation)) {
      throw new Error(`activation is ${JSON.stringify(activation)}; allowed: ${VAE_ACTIVATIONS.join(', ')}.`);
    }
    this.config = {
      inputSize: checkInteger('inputSize', config.inputSize ?? 784, { min: 1 }),
      hidden: hidden.slice(),
      latentSize: checkInteger('latentSize', config.latentSize ?? 2, { min: 1 }),
      activation,
      seed: config.seed ?? 0,
    };
    // PyTorch's default for nn.Linear: weights and biases uniform in +-1/sqrt(fan in), drawn in its
    // order (a weight is out x in there), here from our own seeded generator: a seed names the same
    // network on every engine.
    const random = seededRandom(this.config.seed);
    const uniform = (n: number, fanIn: number): Float32Array => {
      const bound = 1 / Math.sqrt(fanIn);
      return Float32Array.from({ length: n }, () => (2 * random() - 1) * bound);
    };
    const weight = (outByIn: Float32Array, fanIn: number, fanOut: number) =>
      tf.tidy(() => tf.variable(tf.transpose(tf.tensor2d(outByIn, [fanOut, fanIn]))));
    const bias = (values: Float32Array) => tf.tidy(() => tf.variable(tf.tensor1d(values)));
    const linear = (fanIn: number, fanOut: number): [tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>] =>
      [weight(uniform(fanOut * fanIn, fanIn), fanIn, fanOut), bias(uniform(fanOut, fanIn))];
    const { inputSize, latentSize } = this.config;
    const encoderSizes = [inputSize, ...hidden];
    for (let i = 0; i < encoderSizes.length - 1; i++) {
      const [w, b] = linear(encoderSizes[i], encoderSizes[i + 1]);
      this.encoderWeights.push(w); this.encoderBiases.push(b);
    }
    // Two nn.Linear(last, latentSize) heads (fc21 and fc22 in PyTorch's example), side by side.
    const last = encoderSizes[encoderSizes.length - 1];
    const [wMean, bMean, wLogVar, bLogVar] = [latentSize * last, latentSize, latentSize * last, latentSize].map((n) => uniform(n, last));
    this.headWeight = weight(Float32Array.from([...wMean, ...wLogVar]), last, 2 * latentSize);
    this.headBias = bias(Float32Array.from([...bMean, ...bLogVar]));
    const decoderSizes = [latentSize, ...hidden.slice().reverse(), inputSize];
    for (let i = 0; i < decoderSizes.length - 1; i++) {
      const [w, b] = linear(decoderSizes[i], decoderSizes[i + 1]);
      this.decoderWeights.push(w); this.decoderBiases.push(b);
    }
  }

  get inputSize(): number { return this.config.inputSize; }
  get latentSize(): number { return this.config.latentSize; }

  /** Every trainable variable: encoder, heads, decoder (the decoder's output bias last). */
  variables(): tf.Variable[] {
    return [
      ...this.encoderWeights.flatMap((w, i) => [w, this.encoderBiases[i]]),
      this.headWeight, this.headBias,
      ...this.decoderWeights.flatMap((w, i) => [w, this.decoderBiases[i]]),
    ];
  }

  parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  /** Throws once the VAE is disposed; every entry point calls it. */
  checkAlive(): void {
    if (this.disposed) throw new Error('This VAE was disposed.');
  }

  /** Throws unless `data` has images of this VAE's size, at least one. `what` names the caller. */
  checkData(data: ImageDataset, what: string): void {
    if (data.rows * data.cols !== this.inputSize) {
      throw new Error(`${what}: ${data.name} has ${data.rows}x${data.cols} images, the VAE takes ${this.inputSize} pixels.`);
    }
    if (data.count === 0) throw new Error(`${what}: ${data.name} has no examples.`);
  }

  /** q(z|x) for images as rows (n x inputSize): its mean and log-variance, n x latentSize each. */
  encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    this.checkAlive();
    const [mu, logVar] = tf.tidy(() => {
      let h = x;
      this.encoderWeights.forEach((w, i) => { h = activate(tf.add(tf.matMul(h, w), this.encoderBiases[i]) as tf.Tensor2D, this.config.activation); });
      return tf.split(tf.add(tf.matMul(h, this.headWeight), this.headBias), 2, 1) as tf.Tensor2D[];
    });
    return { mu, logVar };
  }

  /** The reparameterisation trick: z = mean + exp(logVar / 2) * eps, differentiable in mean and logVar. */
  reparameterize(mean: tf.Tensor2D, logVar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)));
  }

  /** p(x|z): Bernoulli logits (n x inputSize) for codes as rows (n x latentSize). */
  decodeLogits(z: tf.Tensor2D): tf.Tensor2D {
    this.checkAlive();
    return tf.tidy(() => {
      let h = z;
      const last = this.decoderWeights.length - 1;
      this.decoderWeights.forEach((w, i) => {
        const pre = tf.add(tf.matMul(h, w), this.decoderBiases[i]) as tf.Tensor2D;
        h = i === last ? pre : activate(pre, this.config.activation);
      });
      return h;
    });
  }

  /**
   * The loss of a batch (x: b x inputSize, eps: b x latentSize noise), each term averaged over the
   * batch, in nats per image:
   *   rec  = sum over pixels of BCE-with-logits(decodeLogits(z), x),  z = reparameterize(mean, logVar, eps)
   *   kl   = -1/2 * sum over latent units of (1 + logVar - mean^2 - exp(logVar))
   *   loss = rec + beta * kl
   * Differentiable in the variables: the training step hands it to the optimizer.
   */
  lossTerms(x: tf.Tensor2D, eps: tf.Tensor2D, beta = 1): VaeLossTerms {
    const [loss, rec, kl] = tf.tidy(() => {
      const batch = x.shape[0];
      const { mu, logVar } = this.encode(x);
      const logits = this.decodeLogits(this.reparameterize(mu, logVar, eps));
      const rec = tf.div(tf.sum(bceWithLogitsSum(logits, x)), batch) as tf.Scalar;
      const kl = tf.div(tf.sum(klToStandardNormal(mu, logVar)), batch) as tf.Scalar;
      return [beta === 1 ? tf.add(rec, kl) : tf.add(rec, tf.mul(beta, kl)), rec, kl] as tf.Scalar[];
    });
    return { loss, rec, kl };
  }

  /**
   * Trains with Adam on `train` (shuffled every epoch), evaluating `options.test` after each epoch.
   * Resolves, never rejects, on interrupt or divergence: the history says why it stopped.
   */
  train(train: ImageDataset, options: VaeTrainOptions = {}): Promise<VaeHistory> {
    return trainVae(this, train, options);
  }

  /** Negative ELBO on `data` (nats per image), split into reconstruction and KL; one seeded sample of z per image. */
  evaluate(data: ImageDataset, options: { seed?: number; batchSize?: number } = {}): VaeEvaluation {
    return evaluateVae(this, data, options);
  }

  /** Importance-sampled estimate of log p(x) with k samples per image (see vae-eval.ts). */
  logLikelihood(data: ImageDataset, k = 100, options: { seed?: number; maxRows?: number } = {}): VaeLogLikelihood {
    return vaeLogLikelihood(this, data, k, options);
  }

  /** Means of q(z|x) for every image: `count` rows of latentSize numbers. */
  encodeMean(data: ImageDataset, batchSize = 2000): number[][] {
    return encodeMeans(this, data, batchSize);
  }

  /** Pixel probabilities sigmoid(logits) for latent codes (rows of latentSize): n * inputSize values, row by row. */
  decode(z: number[][] | Float32Array): Float32Array {
    return decodeCodes(this, z);
  }

  /** `n` images drawn from the model: z ~ N(0, I) (seeded), then pixel probabilities: n * inputSize values. */
  sample(n: number, seed = 0): Float32Array {
    return sampleImages(this, n, seed);
  }

  /** Pixel probabilities of the reconstruction from the mean code, for the first `count` images. */
  reconstruct(data: ImageDataset, count = data.count): Float32Array {
    return reconstructImages(this, data, count);
  }

  /**
   * Sets the decoder's output biases to the log-odds of each pixel's mean over `data` (clipped to
   * [clip, 1 - clip]), so that the untrained decoder starts near the mean image rather than grey.
   * Call it before training, with the training set. Returns the clipped mean image.
   */
  setOutputBiasToDataMean(data: ImageDataset, clip = 1e-3): Float32Array {
    return setOutputBiasToDataMean(this, data, clip);
  }

  /** Frees the variables. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.variables().forEach((v) => v.dispose());
  }
}
