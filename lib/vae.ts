/**
 * A variational autoencoder in the manner of pytorch/examples vae/main.py, with the loss spelled out.
 *
 *   encoder:  x (784) -> hidden layers -> mu, logVar (latent each)
 *   sample:   z = mu + exp(0.5 logVar) * eps,  eps ~ N(0, I) from a seeded generator
 *   decoder:  z -> hidden layers reversed -> 784 Bernoulli logits
 *   loss:     BCE-with-logits summed over pixels + beta * KL(q(z|x) || N(0, I)), averaged over the batch
 *
 * All losses are in nats per image. With beta = 1 the loss is the negative ELBO, an upper bound on
 * -log p(x). `logLikelihood` gives the importance-sampled estimate of log p(x) with k samples: its
 * negative is also an upper bound on -log p(x) in expectation, and a tighter one than the negative
 * ELBO (it is the negative ELBO when k = 1 and approaches -log p(x) as k grows).
 *
 * Plain tfjs variables, an explicit loop, no tf.layers; every tensor is freed, and per-step losses
 * stay on the device: the training loop reads values back once per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { watchInterrupt } from './interrupt';
import { ImageDataset } from './mnist';
import { formatDuration, ProgressLine, progressLine } from './progress';
import { normalFrom, seededRandom, shuffledIndices } from './random';

export type VaeActivation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'leakyRelu' | 'softplus' | 'linear';
export const VAE_ACTIVATIONS: readonly VaeActivation[] = ['relu', 'tanh', 'sigmoid', 'elu', 'leakyRelu', 'softplus', 'linear'];

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

export interface VaeTrainOptions {
  /** Default 30. */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam's learning rate (betas 0.9, 0.999, eps 1e-8, as PyTorch's defaults). Default 1e-3. */
  learningRate?: number;
  /** Weight of the KL term (beta-VAE). Default 1: the loss is the negative ELBO. */
  beta?: number;
  /** Seed of the batch order and of the noise eps. Default 1. */
  seed?: number;
  /** Evaluated after every epoch (negative ELBO, reconstruction, KL); null: none. */
  test?: ImageDataset | null;
  /** Where the live line goes; default a notebook display or the terminal; null: nowhere. */
  progress?: ProgressLine | null;
  /** A label for the progress line. */
  label?: string;
  /** Called after each epoch with its numbers. */
  onEpoch?: (stats: VaeEpochStats) => void;
  /** Stop at the end of the current step when the process gets SIGINT (Jupyter's interrupt). Default true. */
  stopOnInterrupt?: boolean;
  /** Polled between steps; true stops training at the end of the current step. */
  shouldStop?: () => boolean;
}

/** Losses of one epoch, in nats per image. */
export interface VaeEpochStats {
  epoch: number;
  /** Mean over the epoch's steps (weighted by batch size) of the training loss terms. */
  trainLoss: number;
  trainRec: number;
  trainKl: number;
  /** Reconstruction + KL (equal to trainLoss when beta = 1). */
  trainNegElbo: number;
  testNegElbo: number | null;
  testRec: number | null;
  testKl: number | null;
  /** Seconds of this epoch's training steps, and with the test evaluation. */
  trainSeconds: number;
  seconds: number;
}

export type VaeStopReason = 'epochs' | 'interrupted' | 'diverged';

export interface VaeHistory {
  epochs: VaeEpochStats[];
  trainNegElbo: number[];
  testNegElbo: number[];
  epochsRun: number;
  stopReason: VaeStopReason;
  message: string;
  seconds: number;
  /** Mean seconds of training steps per epoch (without the test evaluation). */
  trainSecondsPerEpoch: number;
}

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
}

const LOG_2PI = Math.log(2 * Math.PI);

function checkActivation(value: unknown): VaeActivation {
  if (!(VAE_ACTIVATIONS as readonly unknown[]).includes(value)) {
    throw new Error(`activation is ${JSON.stringify(value)}; allowed: ${VAE_ACTIVATIONS.join(', ')}.`);
  }
  return value as VaeActivation;
}

function checkPositiveInt(value: unknown, name: string, example: string): number {
  if (!(Number.isInteger(value) && (value as number) >= 1)) {
    throw new Error(`${name} is ${JSON.stringify(value)}; it must be a whole number of at least 1, e.g. ${example}.`);
  }
  return value as number;
}

function activate(x: tf.Tensor2D, activation: VaeActivation): tf.Tensor2D {
  switch (activation) {
    case 'relu': return tf.relu(x);
    case 'tanh': return tf.tanh(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'elu': return tf.elu(x);
    case 'leakyRelu': return tf.leakyRelu(x, 0.2);
    case 'softplus': return tf.softplus(x);
    case 'linear': return x;
  }
}

/**
 * One dense layer in the column layout used inside this module (as in PyTorch's nn.Linear, the
 * weight is out x in): h (in x n, one column per image) -> W h + b (out x n).
 *
 * Why columns: the wasm engine multiplies through XNNPACK, which re-packs its second operand
 * whenever that tensor is new (about 1 ms for a 784x512 matrix here). Weights change at every
 * step; activations are smaller (batch 128 < 512 or 784 units). With images as columns the second
 * operand of every large product is an activation or a gradient, never a weight matrix, and the
 * backward pass transposes fewer large matrices: about 15-20% less time per step than rows here.
 */
function denseColumns(h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(w, h), b);
}

/**
 * Binary cross-entropy of pixels `x` in [0, 1] against Bernoulli logits, summed over `axis`
 * (default the last: one value per row):
 * -[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))] = softplus(l) - x l (exact and stable).
 */
export function bceWithLogitsSum(logits: tf.Tensor, x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), axis);
}

/**
 * KL(N(mu, exp(logVar)) || N(0, I)) in closed form, summed over `axis` (default the last: one value
 * per row): 0.5 * sum(exp(logVar) + mu^2 - 1 - logVar).
 */
export function klToStandardNormal(mu: tf.Tensor, logVar: tf.Tensor, axis = -1): tf.Tensor {
  return tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.exp(logVar), tf.square(mu)), tf.add(1, logVar)), axis));
}

/**
 * Standard normal noise for `count` images as columns (latent x count), drawn image by image from a
 * seeded generator: the same numbers on every engine and whatever the batching.
 */
function noiseColumns(normal: () => number, latent: number, count: number): tf.Tensor2D {
  const values = new Float32Array(latent * count);
  for (let j = 0; j < count; j++) for (let l = 0; l < latent; l++) values[l * count + j] = normal();
  return tf.tensor2d(values, [latent, count]);
}

/**
 * Images `order[start..end)` (or images start..end without `order`) as columns (pixels x images).
 * Gathered and transposed in JavaScript into `buffer` when given: on wasm this is several times
 * cheaper than tf.gather + tf.slice + tf.transpose on the device. Some backends keep a reference
 * to the array a tensor is made from: a tensor made from `buffer` must be disposed before the
 * buffer is filled again (the training loop does so at every step).
 */
function columnsTensor(data: ImageDataset, start: number, end: number, order?: ArrayLike<number>, buffer?: Float32Array): tf.Tensor2D {
  const size = data.rows * data.cols;
  const b = end - start;
  const out = buffer && buffer.length >= size * b ? buffer.subarray(0, size * b) : new Float32Array(size * b);
  const images = data.images;
  for (let j = 0; j < b; j++) {
    const base = (order ? order[start + j] : start + j) * size;
    for (let p = 0; p < size; p++) out[p * b + j] = images[base + p];
  }
  return tf.tensor2d(out, [size, b]);
}

/**
 * Adam as in PyTorch (torch.optim.Adam, no weight decay), written with the bias corrections folded
 * into two scalars: with c2 = sqrt(1 - beta2^t), the update
 *   p -= lr * m_hat / (sqrt(v_hat) + eps)   equals   p -= (lr * c2 / (1 - beta1^t)) * m / (sqrt(v) + eps * c2).
 * 12 element-wise ops per variable instead of tf.train.adam's 14: about 10% faster steps on wasm.
 */
class Adam {
  private readonly m: tf.Tensor[];
  private readonly v: tf.Tensor[];
  private t = 0;

  constructor(private readonly params: tf.Variable[], private readonly lr: number, private readonly beta1 = 0.9,
    private readonly beta2 = 0.999, private readonly eps = 1e-8) {
    this.m = params.map((p) => tf.zerosLike(p));
    this.v = params.map((p) => tf.zerosLike(p));
  }

  /** One update from gradients given in the order of the parameters. */
  step(grads: tf.Tensor[]): void {
    this.t++;
    const { beta1, beta2 } = this;
    const c2 = Math.sqrt(1 - beta2 ** this.t);
    const stepSize = this.lr * c2 / (1 - beta1 ** this.t);
    const epsHat = this.eps * c2;
    this.params.forEach((p, i) => {
      const g = grads[i];
      const [m, v, next] = tf.tidy(() => {
        const m = tf.add(this.m[i], tf.mul(tf.sub(g, this.m[i]), 1 - beta1)); // beta1 m + (1 - beta1) g
        const v = tf.add(this.v[i], tf.mul(tf.sub(tf.square(g), this.v[i]), 1 - beta2)); // beta2 v + (1 - beta2) g^2
        const next = tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsHat)), stepSize));
        return [m, v, next];
      });
      this.m[i].dispose(); this.m[i] = m;
      this.v[i].dispose(); this.v[i] = v;
      p.assign(next);
      next.dispose();
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

export class Vae {
  readonly config: ResolvedVaeConfig;
  /** Encoder layers, PyTorch layout (out x in): inputSize -> hidden[0] -> ... -> hidden[last]. */
  readonly encoderWeights: tf.Variable<tf.Rank.R2>[] = [];
  /** Biases as columns (out x 1). */
  readonly encoderBiases: tf.Variable<tf.Rank.R2>[] = [];
  /** The two heads in one matrix (2 latent x last hidden): rows 0..latent-1 give mu, the rest logVar. */
  readonly headWeight: tf.Variable<tf.Rank.R2>;
  readonly headBias: tf.Variable<tf.Rank.R2>;
  /** Decoder layers (out x in): latent -> hidden[last] -> ... -> hidden[0] -> inputSize (logits). */
  readonly decoderWeights: tf.Variable<tf.Rank.R2>[] = [];
  readonly decoderBiases: tf.Variable<tf.Rank.R2>[] = [];
  private disposed = false;

  constructor(config: VaeConfig = {}) {
    const hidden = config.hidden ?? [512];
    if (!Array.isArray(hidden) || !hidden.every((n) => Number.isInteger(n) && n > 0)) {
      throw new Error(`hidden is ${JSON.stringify(hidden)}; it must list positive whole layer sizes, e.g. [512] or [512, 256] (may be empty).`);
    }
    this.config = {
      inputSize: checkPositiveInt(config.inputSize ?? 784, 'inputSize', '784'),
      hidden: hidden.slice(),
      latentSize: checkPositiveInt(config.latentSize ?? 2, 'latentSize', '2'),
      activation: checkActivation(config.activation ?? 'relu'),
      seed: config.seed ?? 0,
    };
    // PyTorch's default for nn.Linear: weights and biases uniform in +-1/sqrt(fan in); here from our
    // own seeded generator, so a seed names the same network on every engine.
    const random = seededRandom(this.config.seed);
    const variableOf = (values: Float32Array, shape: [number, number]): tf.Variable<tf.Rank.R2> => {
      const initial = tf.tensor2d(values, shape);
      const v = tf.variable(initial);
      initial.dispose(); // the variable keeps its own reference to the data
      return v;
    };
    const uniform = (n: number, fanIn: number) => {
      const bound = 1 / Math.sqrt(fanIn);
      return Float32Array.from({ length: n }, () => (2 * random() - 1) * bound);
    };
    const linear = (fanIn: number, fanOut: number): [tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R2>] => {
      const u = (n: number) => uniform(n, fanIn);
      return [variableOf(u(fanOut * fanIn), [fanOut, fanIn]), variableOf(u(fanOut), [fanOut, 1])];
    };
    const { inputSize, latentSize } = this.config;
    const enc = [inputSize, ...hidden];
    for (let i = 0; i < enc.length - 1; i++) {
      const [w, b] = linear(enc[i], enc[i + 1]);
      this.encoderWeights.push(w); this.encoderBiases.push(b);
    }
    // Two nn.Linear(last, latent) heads (fc21 and fc22 in PyTorch's example), stacked.
    const last = enc[enc.length - 1];
    const wMu = uniform(latentSize * last, last);
    const bMu = uniform(latentSize, last);
    const wLogVar = uniform(latentSize * last, last);
    const bLogVar = uniform(latentSize, last);
    this.headWeight = variableOf(Float32Array.from([...wMu, ...wLogVar]), [2 * latentSize, last]);
    this.headBias = variableOf(Float32Array.from([...bMu, ...bLogVar]), [2 * latentSize, 1]);
    const dec = [latentSize, ...hidden.slice().reverse(), inputSize];
    for (let i = 0; i < dec.length - 1; i++) {
      const [w, b] = linear(dec[i], dec[i + 1]);
      this.decoderWeights.push(w); this.decoderBiases.push(b);
    }
  }

  get inputSize(): number { return this.config.inputSize; }
  get latentSize(): number { return this.config.latentSize; }

  /** Every trainable variable. */
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

  private checkAlive(): void {
    if (this.disposed) throw new Error('This VAE was disposed.');
  }

  /** q(z|x) on columns: x is pixels x n; mu and logVar are latent x n. Call inside a tidy. */
  encodeColumns(x: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    let h = x;
    for (let i = 0; i < this.encoderWeights.length; i++) {
      h = activate(denseColumns(h, this.encoderWeights[i], this.encoderBiases[i]), this.config.activation);
    }
    const heads = denseColumns(h, this.headWeight, this.headBias);
    const [mu, logVar] = tf.split(heads, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
    return { mu, logVar };
  }

  /** p(x|z) on columns: z is latent x n; returns Bernoulli logits, pixels x n. Call inside a tidy. */
  decodeLogitsColumns(z: tf.Tensor2D): tf.Tensor2D {
    let h = z;
    const n = this.decoderWeights.length;
    for (let i = 0; i < n - 1; i++) {
      h = activate(denseColumns(h, this.decoderWeights[i], this.decoderBiases[i]), this.config.activation);
    }
    return denseColumns(h, this.decoderWeights[n - 1], this.decoderBiases[n - 1]);
  }

  /** q(z|x) for rows of images (n x pixels): mu and logVar, n x latent each. */
  encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    this.checkAlive();
    const [mu, logVar] = tf.tidy(() => {
      const e = this.encodeColumns(tf.transpose(x));
      return [tf.transpose(e.mu), tf.transpose(e.logVar)];
    });
    return { mu, logVar };
  }

  /** Bernoulli logits (n x pixels) for rows of codes (n x latent). */
  decodeLogits(z: tf.Tensor2D): tf.Tensor2D {
    this.checkAlive();
    return tf.tidy(() => tf.transpose(this.decodeLogitsColumns(tf.transpose(z))));
  }

  /**
   * The loss on a batch in the column layout (x: pixels x b, eps: latent x b), each term averaged
   * over the batch, in nats per image:
   *   rec  = sum over pixels of BCE-with-logits(decoder(z), x),  z = mu + exp(0.5 logVar) * eps
   *   kl   = 0.5 * sum over latent units of (exp(logVar) + mu^2 - 1 - logVar)
   *   loss = rec + beta * kl
   * Call inside a tidy (or tf.variableGrads).
   */
  lossTermsColumns(x: tf.Tensor2D, eps: tf.Tensor2D, beta = 1): { loss: tf.Scalar; rec: tf.Scalar; kl: tf.Scalar } {
    const b = x.shape[1];
    const { mu, logVar } = this.encodeColumns(x);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)) as tf.Tensor2D;
    const logits = this.decodeLogitsColumns(z);
    const rec = tf.div(tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits))), b) as tf.Scalar;
    const kl = tf.div(klToStandardNormal(mu, logVar, 0).sum(), b) as tf.Scalar;
    const loss = (beta === 1 ? tf.add(rec, kl) : tf.add(rec, tf.mul(beta, kl))) as tf.Scalar;
    return { loss, rec, kl };
  }

  /** The same loss terms for rows (x: b x pixels, eps: b x latent). Returns new scalars. */
  lossTerms(x: tf.Tensor2D, eps: tf.Tensor2D, beta = 1): { loss: tf.Scalar; rec: tf.Scalar; kl: tf.Scalar } {
    this.checkAlive();
    const [loss, rec, kl] = tf.tidy(() => {
      const t = this.lossTermsColumns(tf.transpose(x), tf.transpose(eps), beta);
      return [t.loss, t.rec, t.kl];
    });
    return { loss, rec, kl };
  }

  private checkData(data: ImageDataset, what: string): void {
    if (data.rows * data.cols !== this.inputSize) {
      throw new Error(`${what}: ${data.name} has ${data.rows}x${data.cols} images, the VAE takes ${this.inputSize} pixels.`);
    }
    if (data.count === 0) throw new Error(`${what}: ${data.name} has no examples.`);
  }

  /**
   * Trains with Adam on `train` (shuffled every epoch), evaluating `options.test` after each epoch.
   * Resolves, never rejects, on interrupt or divergence: the history says why it stopped. Per-step
   * losses are summed on the device and read back once per epoch. The tensor count after training
   * equals the count before (Adam's state is made for this call and freed at its end).
   */
  async train(train: ImageDataset, options: VaeTrainOptions = {}): Promise<VaeHistory> {
    this.checkAlive();
    this.checkData(train, 'train');
    const epochs = checkPositiveInt(options.epochs ?? 30, 'epochs', '30');
    const batchSize = checkPositiveInt(options.batchSize ?? 128, 'batchSize', '128');
    const learningRate = options.learningRate ?? 1e-3;
    if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new Error(`learningRate is ${learningRate}; it must be a positive number, e.g. 0.001.`);
    const beta = options.beta ?? 1;
    if (!(beta >= 0 && Number.isFinite(beta))) throw new Error(`beta is ${beta}; it must be a number of at least 0, e.g. 1.`);
    const test = options.test ?? null;
    if (test) this.checkData(test, 'test');
    const seed = options.seed ?? 1;
    const shuffleRandom = seededRandom(seed);
    const normal = normalFrom(seededRandom(seed ^ 0x2545f491));
    const progress = options.progress === undefined ? progressLine() : options.progress;
    const label = options.label ? `${options.label}: ` : 'VAE: ';
    const n = train.count;
    const steps = Math.ceil(n / batchSize);
    const D = this.inputSize;

    const history: VaeHistory = {
      epochs: [], trainNegElbo: [], testNegElbo: [], epochsRun: 0, stopReason: 'epochs', message: '', seconds: 0, trainSecondsPerEpoch: NaN,
    };
    const interrupt = await watchInterrupt(options.stopOnInterrupt ?? true);

    const batchBuffer = new Float32Array(D * Math.min(batchSize, n));
    const variables = this.variables();
    const optimizer = new Adam(variables, learningRate);
    const started = performance.now();
    let lastYield = started;
    let trainSeconds = 0;

    const status = (epoch: number, step: number): string => {
      const last = history.epochs[history.epochs.length - 1];
      const done = (epoch - 1) + step / steps;
      const elapsed = (performance.now() - started) / 1000;
      const perEpoch = done > 0 ? elapsed / done : NaN;
      const losses = last
        ? `train −ELBO ${last.trainNegElbo.toFixed(2)} (rec ${last.trainRec.toFixed(2)} + KL ${last.trainKl.toFixed(2)})` +
          (last.testNegElbo !== null ? `  test −ELBO ${last.testNegElbo.toFixed(2)}` : '')
        : 'train −ELBO …';
      return `${label}epoch ${Math.min(epoch, epochs)}/${epochs} step ${step}/${steps}  ${losses}  ` +
        `${Number.isFinite(perEpoch) ? perEpoch.toFixed(2) : '?'} s/epoch  ${formatDuration(elapsed)} elapsed, ~${formatDuration((epochs - done) * perEpoch)} left`;
    };

    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const epochStart = performance.now();
        const order = shuffledIndices(n, shuffleRandom);
        // Sums over the epoch of b * [loss, rec, kl], kept on the device.
        let sums: tf.Tensor1D = tf.zeros([3]);
        let step = 0;
        try {
          for (let start = 0; start < n; start += batchSize) {
            const b = Math.min(batchSize, n - start);
            let terms: tf.Tensor1D | null = null;
            const eps = noiseColumns(normal, this.latentSize, b);
            const batch = columnsTensor(train, start, start + b, order, batchBuffer);
            try {
              const { value, grads } = tf.variableGrads(() => {
                const t = this.lossTermsColumns(batch, eps, beta);
                terms = tf.keep(tf.stack([t.loss, t.rec, t.kl]) as tf.Tensor1D);
                return t.loss;
              }, variables);
              value.dispose();
              try {
                optimizer.step(variables.map((v) => grads[v.name]));
              } finally {
                tf.dispose(Object.values(grads));
              }
              const previous = sums;
              sums = tf.tidy(() => tf.add(previous, tf.mul(terms!, b)));
              previous.dispose();
            } finally {
              (terms as tf.Tensor1D | null)?.dispose();
              eps.dispose();
              batch.dispose();
            }
            step++;
            progress?.update(status(epoch, step));
            if (interrupt.requested || options.shouldStop?.()) break;
            const now = performance.now();
            if (now - lastYield > 100) {
              // Let the kernel deliver an interrupt and the display update.
              lastYield = now;
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
          // The one read-back of the epoch.
          const [lossSum, recSum, klSum] = Array.from(await sums.data());
          const seen = Math.min(step * batchSize, n);
          const epochTrainSeconds = (performance.now() - epochStart) / 1000;
          if (step < steps) {
            history.stopReason = 'interrupted';
            history.message = `Interrupted during epoch ${epoch} (after ${step} of ${steps} steps); the model and the history of complete epochs are kept.`;
            break;
          }
          trainSeconds += epochTrainSeconds;
          const stats: VaeEpochStats = {
            epoch, trainLoss: lossSum / seen, trainRec: recSum / seen, trainKl: klSum / seen, trainNegElbo: (recSum + klSum) / seen,
            testNegElbo: null, testRec: null, testKl: null, trainSeconds: epochTrainSeconds, seconds: 0,
          };
          if (!Number.isFinite(stats.trainLoss)) {
            history.stopReason = 'diverged';
            history.message = `The loss became ${stats.trainLoss} in epoch ${epoch}: training diverged; try a smaller learning rate than ${learningRate}.`;
            history.epochsRun = epoch;
            break;
          }
          if (test) {
            const e = this.evaluate(test, { seed: 0 });
            stats.testNegElbo = e.negElbo; stats.testRec = e.rec; stats.testKl = e.kl;
          }
          stats.seconds = (performance.now() - epochStart) / 1000;
          history.epochs.push(stats);
          history.trainNegElbo.push(stats.trainNegElbo);
          if (stats.testNegElbo !== null) history.testNegElbo.push(stats.testNegElbo);
          history.epochsRun = epoch;
          options.onEpoch?.(stats);
          progress?.update(status(epoch + 1, 0));
        } finally {
          sums.dispose();
        }
        if (interrupt.requested || options.shouldStop?.()) {
          history.stopReason = 'interrupted';
          history.message = `Interrupted after epoch ${epoch}; the model and its history so far are kept.`;
          break;
        }
      }
      if (history.stopReason === 'epochs') history.message = `Ran all ${epochs} epochs.`;
      history.seconds = (performance.now() - started) / 1000;
      const complete = history.epochs.length;
      history.trainSecondsPerEpoch = complete ? trainSeconds / complete : NaN;
      const last = history.epochs[complete - 1];
      const summary = last
        ? `train −ELBO ${last.trainNegElbo.toFixed(2)}` + (last.testNegElbo !== null ? `, test −ELBO ${last.testNegElbo.toFixed(2)} (rec ${last.testRec!.toFixed(2)} + KL ${last.testKl!.toFixed(2)})` : '')
        : 'no complete epoch';
      progress?.done(`${label}${history.epochsRun} epochs, ${summary} nats/image, ${history.trainSecondsPerEpoch.toFixed(2)} s/epoch, ` +
        `${formatDuration(history.seconds)} — ${history.message}`);
      return history;
    } finally {
      interrupt.stop();
      optimizer.dispose();
    }
  }

  /**
   * Negative ELBO on `data` in nats per image, split into reconstruction and KL: one sample of z per
   * image (seeded, so repeatable), closed-form KL, beta = 1. An upper bound on -log p(x) (up to the
   * noise of the one sample).
   */
  evaluate(data: ImageDataset, options: { seed?: number; batchSize?: number } = {}): VaeEvaluation {
    this.checkAlive();
    this.checkData(data, 'evaluate');
    const normal = normalFrom(seededRandom((options.seed ?? 0) ^ 0x6a09e667));
    const batchSize = checkPositiveInt(options.batchSize ?? 1000, 'batchSize', '1000');
    let sums: tf.Tensor1D = tf.zeros([2]);
    try {
      for (let start = 0; start < data.count; start += batchSize) {
        const end = Math.min(start + batchSize, data.count);
        const eps = noiseColumns(normal, this.latentSize, end - start);
        const previous = sums;
        sums = tf.tidy(() => {
          const t = this.lossTermsColumns(columnsTensor(data, start, end), eps, 1);
          return tf.add(previous, tf.mul(tf.stack([t.rec, t.kl]), end - start)) as tf.Tensor1D;
        });
        previous.dispose();
        eps.dispose();
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
   * the ELBO (k = 1) and approaching log p(x) as k grows; so `negLogLikelihood` is an upper bound on
   * -log p(x) that is tighter than the negative ELBO. The `elbo` returned is the mean of the same k
   * log-weights, so logLikelihood >= elbo holds exactly (Jensen). At most `maxRows` decoder columns
   * (images x k) exist at once: memory stays bounded whatever the data size.
   */
  logLikelihood(data: ImageDataset, k = 100, options: { seed?: number; maxRows?: number } = {}): VaeLogLikelihood {
    this.checkAlive();
    this.checkData(data, 'logLikelihood');
    checkPositiveInt(k, 'k', '100');
    const maxRows = checkPositiveInt(options.maxRows ?? 8192, 'maxRows', '8192');
    const chunk = Math.max(1, Math.floor(maxRows / k));
    const normal = normalFrom(seededRandom((options.seed ?? 0) ^ 0x3c6ef372));
    const L = this.latentSize;
    const D = this.inputSize;
    let sums: tf.Tensor1D = tf.zeros([2]);
    try {
      for (let start = 0; start < data.count; start += chunk) {
        const end = Math.min(start + chunk, data.count);
        const b = end - start;
        // Noise drawn image by image (k x L values each), so the numbers do not depend on maxRows.
        const noise = new Float32Array(L * k * b);
        for (let j = 0; j < b; j++) {
          for (let s = 0; s < k; s++) for (let l = 0; l < L; l++) noise[(l * k + s) * b + j] = normal();
        }
        const eps = tf.tensor3d(noise, [L, k, b]);
        const previous = sums;
        sums = tf.tidy(() => {
          const x = columnsTensor(data, start, end); // D x b
          const { mu, logVar } = this.encodeColumns(x); // L x b
          const mu3 = tf.reshape(mu, [L, 1, b]);
          const logVar3 = tf.reshape(logVar, [L, 1, b]);
          const z = tf.add(mu3, tf.mul(tf.exp(tf.mul(0.5, logVar3)), eps)); // L x k x b
          const logits = tf.reshape(this.decodeLogitsColumns(tf.reshape(z, [L, k * b])), [D, k, b]);
          const logPxGivenZ = tf.neg(bceWithLogitsSum(logits, tf.reshape(x, [D, 1, b]), 0)); // k x b
          const logPz = tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 0)), 0.5 * L * LOG_2PI);
          const logQz = tf.sub(tf.mul(-0.5, tf.sum(tf.add(tf.square(eps), logVar3), 0)), 0.5 * L * LOG_2PI);
          const logW = tf.sub(tf.add(logPxGivenZ, logPz), logQz); // k x b
          const ll = tf.sub(tf.logSumExp(logW, 0), Math.log(k)); // b
          return tf.add(previous, tf.stack([tf.sum(ll), tf.div(tf.sum(logW), k)])) as tf.Tensor1D;
        });
        previous.dispose();
        eps.dispose();
      }
      const [ll, elbo] = Array.from(sums.dataSync()).map((s) => s / data.count);
      return { logLikelihood: ll, negLogLikelihood: -ll, elbo, k, count: data.count };
    } finally {
      sums.dispose();
    }
  }

  /** Means of q(z|x) for every image: `count` rows of latentSize numbers. */
  encodeMean(data: ImageDataset, batchSize = 2000): number[][] {
    this.checkAlive();
    this.checkData(data, 'encodeMean');
    const out: number[][] = [];
    for (let start = 0; start < data.count; start += batchSize) {
      const end = Math.min(start + batchSize, data.count);
      const mu = tf.tidy(() => tf.transpose(this.encodeColumns(columnsTensor(data, start, end)).mu));
      out.push(...(mu.arraySync() as number[][]));
      mu.dispose();
    }
    return out;
  }

  /** Pixel probabilities sigmoid(logits) for latent codes (rows of latentSize): n * inputSize values, row by row. */
  decode(z: number[][] | Float32Array): Float32Array {
    this.checkAlive();
    const rows = z instanceof Float32Array ? z.length / this.latentSize : z.length;
    if (!Number.isInteger(rows) || (!(z instanceof Float32Array) && z.some((r) => r.length !== this.latentSize))) {
      throw new Error(`decode: every code must have ${this.latentSize} numbers (the latent size).`);
    }
    if (rows === 0) return new Float32Array(0);
    const p = tf.tidy(() => {
      const zRows = z instanceof Float32Array ? tf.tensor2d(z, [rows, this.latentSize]) : tf.tensor2d(z, [rows, this.latentSize]);
      return tf.transpose(tf.sigmoid(this.decodeLogitsColumns(tf.transpose(zRows))));
    });
    try {
      return p.dataSync() as Float32Array;
    } finally {
      p.dispose();
    }
  }

  /** `n` images drawn from the model: z ~ N(0, I) (seeded), then pixel probabilities: n * inputSize values. */
  sample(n: number, seed = 0): Float32Array {
    checkPositiveInt(n, 'n', '64');
    const normal = normalFrom(seededRandom(seed));
    const z = new Float32Array(n * this.latentSize);
    for (let i = 0; i < z.length; i++) z[i] = normal();
    return this.decode(z);
  }

  /** Pixel probabilities of the reconstruction from the mean code, for the first `count` images. */
  reconstruct(data: ImageDataset, count = data.count): Float32Array {
    this.checkAlive();
    this.checkData(data, 'reconstruct');
    const m = Math.min(count, data.count);
    const p = tf.tidy(() => tf.transpose(tf.sigmoid(this.decodeLogitsColumns(this.encodeColumns(columnsTensor(data, 0, m)).mu))));
    try {
      return p.dataSync() as Float32Array;
    } finally {
      p.dispose();
    }
  }

  /**
   * Sets the decoder's output biases to the log-odds of each pixel's mean over `data` (the means
   * clipped to [clip, 1 - clip]), so that the untrained decoder starts near the mean image rather
   * than at grey 0.5 everywhere. A common initialisation for Bernoulli decoders: it changes no layer
   * and no setting, only the starting values of the last bias (inputSize numbers), and uses only the
   * data given (pass the training set). Call it before training. Returns the clipped mean image.
   */
  setOutputBiasToDataMean(data: ImageDataset, clip = 1e-3): Float32Array {
    this.checkAlive();
    this.checkData(data, 'setOutputBiasToDataMean');
    if (!(clip > 0 && clip < 0.5)) throw new Error(`clip is ${clip}; it must be above 0 and below 0.5, e.g. 0.001.`);
    const D = this.inputSize;
    const sums = new Float64Array(D);
    for (let i = 0; i < data.count; i++) for (let p = 0; p < D; p++) sums[p] += data.images[i * D + p];
    const mean = Float32Array.from(sums, (s) => Math.min(1 - clip, Math.max(clip, s / data.count)));
    const logits = Float32Array.from(mean, (m) => Math.log(m / (1 - m)));
    const bias = this.decoderBiases[this.decoderBiases.length - 1];
    tf.tidy(() => bias.assign(tf.tensor2d(logits, [D, 1])));
    return mean;
  }

  /** Frees the variables. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.variables().forEach((v) => v.dispose());
  }
}
