/**
 * The one training loop (runTrainingLoop), serving the autoencoder (trainAutoencoder, below: full
 * batch by default, early stop on the course's criterion) and the VAE (vae-train.ts).
 *
 * One epoch is one pass over the data; with the autoencoder's default full batch it is one
 * optimizer step, which is what the report calls an iteration.
 */
import * as tf from '@tensorflow/tfjs';
import { Autoencoder } from './autoencoder';
import { fastAutodiffStepper, fastAutoencoderStepper, speedPath, TrainStepPaths } from './fast';
import { meetsCriterion, reportError, summarizeWrongPixels, wrongPixelsPerGlyph } from './metrics';
import { checkBoolean, checkInteger, checkNumber, checkOneOf } from './params';
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
  /** The criterion: every example has at most this many wrong pixels; null: none (run every epoch). Default 1. */
  maxWrongPixels?: number | null;
  /**
   * Stop at the first check where the criterion holds (default true). False: train every epoch, as
   * the report did, and still record when the criterion first held (epochsToCriterion).
   */
  stopAtCriterion?: boolean;
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
 * The step for any model that gives its loss: lib/fast's flat optimizer on the fast path where the
 * engine has one (same numbers, one update call), else the plain step. `method` says which.
 */
export function makeStepper<Batch extends unknown[]>(
  variables: tf.Variable[], lossOfBatch: (...batch: Batch) => tf.Scalar,
  options: { optimizer: OptimizerName; learningRate: number; epsilon?: number },
): Stepper<Batch> {
  const fast = speedPath() === 'fast' ? fastAutodiffStepper(variables, lossOfBatch, options) : null;
  return fast ?? plainStepper(variables, lossOfBatch, makeOptimizer(options.optimizer, options.learningRate, options.epsilon));
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
  checkInteger('epochs', options.epochs, { min: 1 });
  checkNumber('learningRate', options.learningRate, { min: 0, exclusiveMin: true });
  if (options.optimizer !== undefined) checkOneOf('optimizer', options.optimizer, OPTIMIZERS);
  if (options.loss !== undefined) checkOneOf('loss', options.loss, LOSSES);
  // batchSize null: the full batch; maxWrongPixels null: no early stop.
  if (options.batchSize != null) checkInteger('batchSize', options.batchSize, { min: 1, max: examples });
  if (options.checkEvery !== undefined) checkInteger('checkEvery', options.checkEvery, { min: 1 });
  if (options.maxWrongPixels != null) checkInteger('maxWrongPixels', options.maxWrongPixels, { min: 0 });
  if (options.stopAtCriterion !== undefined) checkBoolean('stopAtCriterion', options.stopAtCriterion);
}

/** One training run as the loop sees it: what to run, and the model's hooks. */
export interface TrainingLoop {
  epochs: number;
  /** Examples in the training set. */
  examples: number;
  /** Examples per step (the last step of an epoch takes what is left). */
  batchSize: number;
  /** Seed of the batch order, drawn anew every epoch; null: the examples in order. */
  shuffleSeed: number | null;
  /** Named in the message when the loss diverges. */
  learningRate: number;
  /** Epochs between read-backs of the losses (each waits for the device); the last epoch is always read. */
  readEvery: number;
  /** True: an interrupt (or shouldStop) ends training after the current step; false: after the current epoch. */
  stopMidEpoch: boolean;
  /** Stop when the process gets SIGINT (Jupyter's interrupt). */
  stopOnInterrupt: boolean;
  shouldStop?: () => boolean;
  progress: ProgressLine | null;
  /** The live line after `step` of `steps` steps of `epoch`. */
  status(epoch: number, step: number, steps: number): string;
  /**
   * One optimizer step on the examples `rows` (null: all of them, in order). Returns the batch's
   * loss before the update, left on the device: a scalar, or a vector of loss terms whose first
   * entry is the loss minimized. The loop disposes it.
   */
  step(rows: number[] | null, epoch: number): tf.Tensor;
  /** An epoch's step values, once read back (one array per step), and the seconds its steps took. */
  recordEpoch(epoch: number, stepValues: number[][], seconds: number): void;
  /** After a read-back whose losses are all finite, at epoch `epoch`; a reason and its sentence end training. */
  afterRead?(epoch: number): { reason: StopReason; message: string } | null;
}

export interface LoopOutcome {
  stopReason: StopReason;
  /** Empty when every epoch ran: the model says what that means. */
  message: string;
  /** Complete epochs. */
  epochsRun: number;
  seconds: number;
}

/**
 * The training loop every model here runs through: epochs of seeded shuffled batches, one step per
 * batch with its loss kept on the device and read back every `readEvery` epochs, a live progress
 * line, a stop on NaN or Infinity (the history so far kept, the learning rate named), on the
 * model's own criterion (afterRead) and on Jupyter's interrupt. Frees every loss it keeps.
 */
export async function runTrainingLoop(loop: TrainingLoop): Promise<LoopOutcome> {
  const { epochs, examples, batchSize, progress } = loop;
  const steps = Math.ceil(examples / batchSize);
  const random = loop.shuffleSeed === null ? null : seededRandom(loop.shuffleSeed);
  const interrupt = await watchInterrupt(loop.stopOnInterrupt);
  const stopRequested = (): boolean => interrupt.requested || (loop.shouldStop?.() ?? false);
  const outcome: LoopOutcome = { stopReason: 'epochs', message: '', epochsRun: 0, seconds: 0 };
  // Per-step losses wait on the device until a read-back takes them all in one go.
  let pending: { epoch: number; losses: tf.Tensor[]; seconds: number }[] = [];
  const started = performance.now();
  let lastYield = started;

  /** Reads back and records the pending epochs; returns the first non-finite epoch loss, if any. */
  const readBack = (): { epoch: number; loss: number } | null => {
    let firstBad: { epoch: number; loss: number } | null = null;
    const readStart = performance.now();
    for (const { epoch, losses, seconds } of pending) {
      const values = losses.map((l) => Array.from(l.dataSync()));
      losses.forEach((l) => l.dispose());
      const meanLoss = values.reduce((sum, v) => sum + v[0], 0) / values.length;
      if (!Number.isFinite(meanLoss) && firstBad === null) firstBad = { epoch, loss: meanLoss };
      const last = epoch === pending[pending.length - 1].epoch;
      loop.recordEpoch(epoch, values, seconds + (last ? (performance.now() - readStart) / 1000 : 0));
    }
    pending = [];
    return firstBad;
  };

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStart = performance.now();
      const order = random ? shuffledIndices(examples, random) : null;
      const losses: tf.Tensor[] = [];
      pending.push({ epoch, losses, seconds: 0 });
      let step = 0;
      for (let start = 0; start < examples; start += batchSize) {
        losses.push(loop.step(order ? order.slice(start, start + batchSize) : null, epoch));
        step++;
        progress?.update(loop.status(epoch, step, steps));
        if (loop.stopMidEpoch && stopRequested()) break;
        const now = performance.now();
        if (now - lastYield > 100) {
          // Let the kernel deliver an interrupt and the display update.
          lastYield = now;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      if (step < steps) {
        pending.pop()!.losses.forEach((l) => l.dispose());
        outcome.stopReason = 'interrupted';
        outcome.message = `Interrupted during epoch ${epoch} (after ${step} of ${steps} steps); the model and the history of complete epochs are kept.`;
        break;
      }
      pending[pending.length - 1].seconds = (performance.now() - epochStart) / 1000;
      outcome.epochsRun = epoch;
      if (epoch % loop.readEvery === 0 || epoch === epochs) {
        const bad = readBack();
        if (bad) {
          outcome.stopReason = 'diverged';
          outcome.message = `The loss became ${bad.loss} at epoch ${bad.epoch}: training diverged, most likely because ` +
            `the learning rate (${loop.learningRate}) is too high for this network; try a smaller one.`;
          break;
        }
        const stop = loop.afterRead?.(epoch) ?? null;
        progress?.update(loop.status(epoch, steps, steps));
        if (stop) {
          outcome.stopReason = stop.reason;
          outcome.message = stop.message;
          break;
        }
      }
      if (stopRequested()) {
        outcome.stopReason = 'interrupted';
        outcome.message = `Interrupted after epoch ${epoch}; the model and its history so far are kept.`;
        break;
      }
    }
    readBack();
    outcome.seconds = (performance.now() - started) / 1000;
    return outcome;
  } finally {
    interrupt.stop();
    for (const { losses } of pending) losses.forEach((l) => l.dispose());
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
  const { epochs, stopAtCriterion = true } = options;
  const batchSize = options.batchSize ?? data.length;
  const maxWrong = options.maxWrongPixels === undefined ? 1 : options.maxWrongPixels;
  const label = options.label ? `${options.label}: ` : '';
  const progress = options.progress === undefined ? progressLine() : options.progress;

  const x = tf.tensor2d(data, [data.length, model.inputSize]);
  const history: TrainHistory = {
    loss: [], checks: [], epochsRun: 0, epochsToCriterion: null, stopReason: 'epochs', message: '',
    seconds: 0, wrongPixels: [], maxWrongPixels: NaN, totalWrongPixels: NaN, finalLoss: NaN,
  };
  const check = (epoch: number): void => {
    const outputs = tf.tidy(() => model.reconstruct(x).arraySync());
    const perGlyph = wrongPixelsPerGlyph(outputs, data);
    const { max, total } = summarizeWrongPixels(perGlyph);
    history.checks.push({ epoch, maxWrongPixels: max, totalWrongPixels: total, reportError: reportError(outputs, data) });
    history.wrongPixels = perGlyph;
    if (maxWrong !== null && history.epochsToCriterion === null && meetsCriterion(perGlyph, maxWrong)) history.epochsToCriterion = epoch;
  };
  const started = performance.now();
  const status = (epoch: number): string => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = epoch / Math.max(elapsed, 1e-9);
    const last = history.checks.at(-1);
    const loss = history.loss.at(-1)?.toFixed(4) ?? '…';
    const pixels = last ? `wrong pixels max ${last.maxWrongPixels} total ${last.totalWrongPixels}` : 'wrong pixels …';
    return `${label}epoch ${epoch}/${epochs}  loss ${loss}  ${pixels}  ${rate.toFixed(0)} epochs/s  ` +
      `${formatDuration(elapsed)} elapsed, ≤ ${formatDuration((epochs - epoch) / rate)} left`;
  };

  const stepper = makeTrainStepper(model, options);
  let inputs: tf.Tensor2D = x;
  let inputsEpoch = 0;
  try {
    const outcome = await runTrainingLoop({
      epochs, examples: data.length, batchSize, shuffleSeed: batchSize >= data.length ? null : options.seed ?? 0,
      learningRate: options.learningRate, readEvery: options.checkEvery ?? 50, stopMidEpoch: false,
      stopOnInterrupt: options.stopOnInterrupt ?? true, shouldStop: options.shouldStop,
      progress, status,
      step: (rows, epoch) => {
        if (options.corruptInputs && inputsEpoch !== epoch) {
          if (inputs !== x) inputs.dispose();
          inputs = options.corruptInputs(x, epoch);
          inputsEpoch = epoch;
        }
        if (!rows) return stepper.step(inputs, x);
        const [input, target] = [tf.gather(inputs, rows) as tf.Tensor2D, tf.gather(x, rows) as tf.Tensor2D];
        try {
          return stepper.step(input, target);
        } finally {
          input.dispose();
          target.dispose();
        }
      },
      recordEpoch: (_, stepValues) => { history.loss.push(stepValues.reduce((sum, v) => sum + v[0], 0) / stepValues.length); },
      afterRead: (epoch) => {
        check(epoch);
        return stopAtCriterion && maxWrong !== null && history.epochsToCriterion !== null
          ? { reason: 'criterion', message: `Every example has at most ${maxWrong} wrong pixel(s) after ${epoch} epochs.` }
          : null;
      },
    });
    Object.assign(history, { stopReason: outcome.stopReason, message: outcome.message, epochsRun: outcome.epochsRun });
    if (history.stopReason !== 'diverged' && history.checks.at(-1)?.epoch !== history.epochsRun) check(history.epochsRun);
    const lastCheck = history.checks.at(-1);
    if (history.stopReason === 'epochs') {
      history.message = maxWrong === null
        ? `Ran all ${epochs} epochs.`
        : history.epochsToCriterion !== null
          ? `Ran all ${epochs} epochs; every example had at most ${maxWrong} wrong pixel(s) first at epoch ${history.epochsToCriterion} (worst at the end: ${lastCheck?.maxWrongPixels}).`
          : `Ran all ${epochs} epochs without reaching at most ${maxWrong} wrong pixel(s) on every example (worst: ${lastCheck?.maxWrongPixels}).`;
    }
    history.seconds = outcome.seconds;
    history.finalLoss = history.loss.filter(Number.isFinite).at(-1) ?? NaN;
    history.maxWrongPixels = history.wrongPixels.length ? Math.max(...history.wrongPixels) : NaN;
    history.totalWrongPixels = history.wrongPixels.reduce((a, b) => a + b, 0);
    progress?.done(`${status(history.epochsRun)} — ${history.message}`);
    return history;
  } finally {
    if (inputs !== x) inputs.dispose();
    stepper.dispose();
    x.dispose();
  }
}
