/**
 * The training loop: explicit, full batch by default, with early stop on the course's criterion.
 *
 * One epoch is one pass over the data; with the default full batch it is one optimizer step, which
 * is what the report calls an iteration.
 */
import * as tf from '@tensorflow/tfjs';
import { Autoencoder } from './autoencoder';
import { fastAutoencoderStepper, speedPath, TrainStepPaths } from './fast';
import { meetsCriterion, reportError, summarizeWrongPixels, wrongPixelsPerGlyph } from './metrics';
import { formatDuration, ProgressLine, progressLine } from './progress';
import { watchInterrupt } from './interrupt';
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

/** A tf.train optimizer by name; `epsilon` defaults to tf.train.adam's (1e-7), PyTorch uses 1e-8. */
export function makeOptimizer(name: OptimizerName, learningRate: number, epsilon?: number): tf.Optimizer {
  return name === 'adam' ? tf.train.adam(learningRate, 0.9, 0.999, epsilon) : tf.train.sgd(learningRate);
}

/** One optimizer step per call on a batch; owns the optimizer's state. */
export interface Stepper<Batch extends unknown[]> {
  /** Updates the model from one batch; returns the batch's loss (before the update). */
  step(...batch: Batch): tf.Scalar;
  /** How the step is computed, e.g. "tfjs autodiff + tf.train.adam". */
  readonly method: string;
  dispose(): void;
}

/** The autoencoder's step: a batch of inputs and the targets to reconstruct. */
export type TrainStepper = Stepper<[input: tf.Tensor2D, target: tf.Tensor2D]>;

/**
 * The plain step for any model: the loss of a batch differentiated by tfjs autodiff and applied by
 * a tf.train optimizer, `optimizer.minimize(() => lossOfBatch(...batch))`. The stepper owns
 * `optimizer` (dispose() frees it).
 */
export function plainStepper<Batch extends unknown[]>(
  variables: tf.Variable[], lossOfBatch: (...batch: Batch) => tf.Scalar, optimizer: tf.Optimizer,
): Stepper<Batch> {
  return {
    method: `tfjs autodiff + tf.train.${optimizer.getClassName().toLowerCase()}`,
    step: (...batch) => optimizer.minimize(() => lossOfBatch(...batch), true, variables) as tf.Scalar,
    dispose: () => optimizer.dispose(),
  };
}

/**
 * The step trainAutoencoder uses: lib/fast's when the speed path is `fast` and one of its pieces
 * applies (same numbers, fewer engine calls), else the plain one. `method` says which.
 */
export function makeTrainStepper(
  model: Autoencoder,
  options: { learningRate: number; optimizer?: OptimizerName; loss?: LossName },
  /** Turn pieces of the fast step off (tests and benchmarks compare them); default all on. */
  paths: TrainStepPaths = {},
): TrainStepper {
  const loss = options.loss ?? 'bce';
  const optimizer = options.optimizer ?? 'adam';
  const fast = speedPath() === 'fast' ? fastAutoencoderStepper(model, { learningRate: options.learningRate, optimizer, loss }, paths) : null;
  return fast ?? plainStepper(model.variables(), (input: tf.Tensor2D, target: tf.Tensor2D) => model.loss(input, target, loss),
    makeOptimizer(optimizer, options.learningRate));
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
  const stepper = makeTrainStepper(model, options);

  const interrupt = await watchInterrupt(options.stopOnInterrupt ?? true);

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
          const rows = order ? order.slice(start, start + batchSize) : null;
          const input = rows ? tf.gather(inputs, rows) as tf.Tensor2D : inputs;
          const target = rows ? tf.gather(x, rows) as tf.Tensor2D : x;
          try {
            losses.push(stepper.step(input, target));
          } finally {
            if (rows) {
              input.dispose();
              target.dispose();
            }
          }
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
      if (interrupt.requested || options.shouldStop?.()) {
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
    interrupt.stop();
    for (const { losses } of pending) losses.forEach((l) => l.dispose());
    stepper.dispose();
    x.dispose();
  }
}
