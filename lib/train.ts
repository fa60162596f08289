/**
 * The training loop: explicit, full batch by default, with early stop on the course's criterion.
 *
 * One epoch is one pass over the data; with the default full batch it is one optimizer step, which
 * is what the report calls an iteration.
 */
import * as tf from '@tensorflow/tfjs';
import { Autoencoder } from './autoencoder';
import { meetsCriterion, reportError, summarizeWrongPixels, wrongPixelsPerGlyph } from './metrics';
import { formatDuration, ProgressLine, progressLine } from './progress';
import { seededRandom, shuffledIndices } from './random';

export type LossName = 'bce' | 'mse';
export type OptimizerName = 'adam' | 'sgd';
export const LOSSES: readonly LossName[] = ['bce', 'mse'];
export const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'sgd'];

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  /** Default adam. */
  optimizer?: OptimizerName;
  /** Binary cross-entropy (default) or mean squared error, averaged over pixels and examples. */
  loss?: LossName;
  /** Examples per step; null or omitted: the whole set (the report's setting). */
  batchSize?: number | null;
  /** Seed of the mini-batch order. */
  seed?: number;
  /** Stop once every example has at most this many wrong pixels; null: run every epoch. Default 1. */
  maxWrongPixels?: number | null;
  /** Epochs between checks of the wrong pixels (each check reads values back: not free). Default 50. */
  checkEvery?: number;
  /** Where the live line goes; default: a notebook display or the terminal; null: nowhere. */
  progress?: ProgressLine | null;
  /** A label for the progress line, e.g. the architecture. */
  label?: string;
  /** Stop at the end of the current step when the process gets SIGINT (Jupyter's interrupt). Default true. */
  stopOnInterrupt?: boolean;
  /** Polled between steps; true stops training at the end of the current step. */
  shouldStop?: () => boolean;
  /**
   * Denoising: called once per epoch with the clean examples, returns that epoch's corrupted inputs
   * (a new tensor, same shape; the loop disposes it). Targets stay clean. Criterion checks use clean
   * inputs.
   */
  corruptInputs?: (clean: tf.Tensor2D, epoch: number) => tf.Tensor2D;
}

export interface CriterionCheck {
  epoch: number;
  maxWrongPixels: number;
  totalWrongPixels: number;
  reportError: number;
}

export type StopReason = 'criterion' | 'epochs' | 'diverged' | 'interrupted';

export interface TrainHistory {
  /** Mean loss of each epoch run. */
  loss: number[];
  checks: CriterionCheck[];
  epochsRun: number;
  /** First checked epoch at which the criterion held; null when it never did. */
  epochsToCriterion: number | null;
  stopReason: StopReason;
  /** One sentence on why training stopped. */
  message: string;
  seconds: number;
  /** Wrong pixels of every example after training. */
  wrongPixels: number[];
  maxWrongPixels: number;
  totalWrongPixels: number;
  finalLoss: number;
}

export function lossFunction(name: LossName, outputActivation: string): (x: tf.Tensor2D, out: { output: tf.Tensor2D; preActivation: tf.Tensor2D }) => tf.Scalar {
  if (name === 'mse') return (x, out) => tf.mean(tf.squaredDifference(out.output, x)) as tf.Scalar;
  if (outputActivation === 'sigmoid') {
    // BCE(x, sigmoid(z)) = softplus(z) - x z: exact, and stable where sigmoid saturates.
    return (x, out) => tf.mean(tf.sub(tf.softplus(out.preActivation), tf.mul(x, out.preActivation))) as tf.Scalar;
  }
  return (x, out) => {
    const p = tf.clipByValue(out.output, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))))) as tf.Scalar;
  };
}

export function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  return name === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
}

function checkOptions(options: TrainOptions, examples: number): void {
  const { epochs, learningRate, batchSize, checkEvery, maxWrongPixels } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs is ${epochs}; it must be a whole number of at least 1.`);
  if (!(typeof learningRate === 'number' && learningRate > 0 && Number.isFinite(learningRate))) {
    throw new Error(`learningRate is ${learningRate}; it must be a positive number, e.g. 0.005.`);
  }
  if (options.optimizer !== undefined && !OPTIMIZERS.includes(options.optimizer)) {
    throw new Error(`optimizer is ${JSON.stringify(options.optimizer)}; allowed: ${OPTIMIZERS.join(', ')}.`);
  }
  if (options.loss !== undefined && !LOSSES.includes(options.loss)) {
    throw new Error(`loss is ${JSON.stringify(options.loss)}; allowed: ${LOSSES.join(', ')}.`);
  }
  if (batchSize !== undefined && batchSize !== null && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= examples)) {
    throw new Error(`batchSize is ${batchSize}; it must be a whole number from 1 to ${examples} (the examples), or null for the full batch.`);
  }
  if (checkEvery !== undefined && !(Number.isInteger(checkEvery) && checkEvery >= 1)) {
    throw new Error(`checkEvery is ${checkEvery}; it must be a whole number of at least 1.`);
  }
  if (maxWrongPixels !== undefined && maxWrongPixels !== null && !(Number.isInteger(maxWrongPixels) && maxWrongPixels >= 0)) {
    throw new Error(`maxWrongPixels is ${maxWrongPixels}; it must be a whole number of at least 0, or null for no early stop.`);
  }
}

/**
 * Trains `model` to reproduce `data` (rows of 0/1 pixels). Frees every tensor it makes: the tensor
 * count after training equals the count before. Resolves, never rejects, on divergence or interrupt:
 * the history says why it stopped and keeps everything up to that point.
 */
export async function trainAutoencoder(model: Autoencoder, data: number[][], options: TrainOptions): Promise<TrainHistory> {
  if (data.length === 0) throw new Error('trainAutoencoder: no examples to train on.');
  if (data.some((row) => row.length !== model.inputSize)) {
    throw new Error(`trainAutoencoder: every example must have ${model.inputSize} values (the model's input size).`);
  }
  checkOptions(options, data.length);
  const epochs = options.epochs;
  const batchSize = options.batchSize ?? data.length;
  const checkEvery = options.checkEvery ?? 50;
  const maxWrong = options.maxWrongPixels === undefined ? 1 : options.maxWrongPixels;
  const progress = options.progress === undefined ? progressLine() : options.progress;
  const label = options.label ? `${options.label}: ` : '';
  const random = seededRandom(options.seed ?? 0);
  const fullBatch = batchSize >= data.length;

  const x = tf.tensor2d(data, [data.length, model.inputSize]);
  const optimizer = makeOptimizer(options.optimizer ?? 'adam', options.learningRate);
  const computeLoss = lossFunction(options.loss ?? 'bce', model.config.outputActivation);
  const variables = model.variables() as tf.Variable[];

  let interrupted = false;
  const onSigint = (): void => { interrupted = true; };
  const listen = options.stopOnInterrupt ?? true;
  if (listen) process.on('SIGINT', onSigint);

  const history: TrainHistory = {
    loss: [], checks: [], epochsRun: 0, epochsToCriterion: null, stopReason: 'epochs', message: '',
    seconds: 0, wrongPixels: [], maxWrongPixels: NaN, totalWrongPixels: NaN, finalLoss: NaN,
  };
  // Per-step losses stay on the device until a check reads them back in one go.
  let pending: { epoch: number; losses: tf.Scalar[] }[] = [];
  const started = performance.now();
  let lastYield = started;

  const flushLosses = (): boolean => {
    for (const { losses } of pending) {
      const values = losses.map((l) => l.dataSync()[0]);
      history.loss.push(values.reduce((a, b) => a + b, 0) / values.length);
      losses.forEach((l) => l.dispose());
    }
    pending = [];
    return history.loss.every(Number.isFinite);
  };

  const check = (epoch: number): CriterionCheck => {
    const outputs = tf.tidy(() => model.reconstruct(x).arraySync());
    const perGlyph = wrongPixelsPerGlyph(outputs, data);
    const summary = summarizeWrongPixels(perGlyph);
    const entry = { epoch, maxWrongPixels: summary.max, totalWrongPixels: summary.total, reportError: reportError(outputs, data) };
    history.checks.push(entry);
    history.wrongPixels = perGlyph;
    if (maxWrong !== null && history.epochsToCriterion === null && meetsCriterion(perGlyph, maxWrong)) history.epochsToCriterion = epoch;
    return entry;
  };

  const status = (epoch: number, last: CriterionCheck | undefined): string => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = epoch / Math.max(elapsed, 1e-9);
    const loss = history.loss.length ? history.loss[history.loss.length - 1].toFixed(4) : '…';
    const pixels = last ? `wrong pixels max ${last.maxWrongPixels} total ${last.totalWrongPixels}` : 'wrong pixels …';
    return `${label}epoch ${epoch}/${epochs}  loss ${loss}  ${pixels}  ${rate.toFixed(0)} epochs/s  ` +
      `${formatDuration(elapsed)} elapsed, ≤ ${formatDuration((epochs - epoch) / rate)} left`;
  };

  try {
    let lastCheck: CriterionCheck | undefined;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const losses: tf.Scalar[] = [];
      const order = fullBatch ? null : shuffledIndices(data.length, random);
      const inputs = options.corruptInputs ? options.corruptInputs(x, epoch) : x;
      try {
        for (let start = 0; start < data.length; start += batchSize) {
          const cost = optimizer.minimize(() => {
            const rows = order ? order.slice(start, start + batchSize) : null;
            const input = rows ? tf.gather(inputs, rows) as tf.Tensor2D : inputs;
            const target = rows ? tf.gather(x, rows) as tf.Tensor2D : x;
            return computeLoss(target, model.forward(input));
          }, true, variables);
          losses.push(cost as tf.Scalar);
        }
      } finally {
        if (inputs !== x) inputs.dispose();
      }
      pending.push({ epoch, losses });
      history.epochsRun = epoch;

      const last = epoch === epochs;
      if (epoch % checkEvery === 0 || last) {
        if (!flushLosses()) {
          history.stopReason = 'diverged';
          const bad = history.loss.findIndex((l) => !Number.isFinite(l)) + 1;
          history.message = `The loss became ${history.loss[bad - 1]} at epoch ${bad}: training diverged, most likely because ` +
            `the learning rate (${options.learningRate}) is too high for this network; try a smaller one.`;
          break;
        }
        lastCheck = check(epoch);
        progress?.update(status(epoch, lastCheck));
        if (maxWrong !== null && history.epochsToCriterion !== null) {
          history.stopReason = 'criterion';
          history.message = `Every example has at most ${maxWrong} wrong pixel(s) after ${epoch} epochs.`;
          break;
        }
      }
      if (interrupted || options.shouldStop?.()) {
        history.stopReason = 'interrupted';
        history.message = `Interrupted after epoch ${epoch}; the model and its history so far are kept.`;
        break;
      }
      const now = performance.now();
      if (now - lastYield > 100) {
        // Let the kernel deliver an interrupt and the display update.
        lastYield = now;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    flushLosses();
    if (history.stopReason !== 'diverged' && history.checks[history.checks.length - 1]?.epoch !== history.epochsRun) {
      lastCheck = check(history.epochsRun);
    }
    if (history.stopReason === 'epochs') {
      history.message = maxWrong === null
        ? `Ran all ${epochs} epochs.`
        : `Ran all ${epochs} epochs without reaching at most ${maxWrong} wrong pixel(s) on every example (worst: ${lastCheck?.maxWrongPixels}).`;
    }
    history.seconds = (performance.now() - started) / 1000;
    const finite = history.loss.filter(Number.isFinite);
    history.finalLoss = finite.length ? finite[finite.length - 1] : NaN;
    history.maxWrongPixels = history.wrongPixels.length ? Math.max(...history.wrongPixels) : NaN;
    history.totalWrongPixels = history.wrongPixels.reduce((a, b) => a + b, 0);
    progress?.done(`${status(history.epochsRun, lastCheck)} — ${history.message}`);
    return history;
  } finally {
    if (listen) process.removeListener('SIGINT', onSigint);
    for (const { losses } of pending) losses.forEach((l) => l.dispose());
    optimizer.dispose();
    x.dispose();
  }
}
