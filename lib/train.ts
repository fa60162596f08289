/**
 * The one training loop (runTrainingLoop), serving the autoencoder (trainAutoencoder, below: full
 * batch by default, early stop on the course's criterion) and the VAE (vae-train.ts).
 *
 * One epoch is one pass over the data; with the autoencoder's default full batch it is one
 * optimizer step, which is what the report calls an iteration.
 */
import * as tf from '@tensorflow/tfjs';
import { Activation, Autoencoder } from './autoencoder';
import { createFlatOptimizer, DirectKernels, directKernelsAvailable, FlatOptimizer } from './engine';
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

/**
 * A batch's loss and the gradients of `model.variables()`, in that order. Where `sumRows[i]`,
 * grads[i] is a batch of per-example gradients (rows) whose column sums are the gradient: the
 * flat optimizer sums them itself (FlatOptimizer.sumsRows).
 */
export interface LossAndGradients<T extends tf.TensorInfo = tf.Tensor> {
  loss: T;
  grads: T[];
  sumRows?: boolean[];
}

/** Runs one kernel: through the engine (tf.engine().runKernel) or directly (DirectKernels). */
export interface KernelRunner<T extends tf.TensorInfo = tf.TensorInfo> {
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs?: tf.NamedAttrMap): T;
}

/** Kernels through the engine, as tfjs ops call them: outputs are tensors of the current scope. */
export const ENGINE_KERNELS: KernelRunner<tf.Tensor> = {
  run: (kernelName, inputs, attrs = {}) => tf.engine().runKernel(kernelName, inputs as tf.NamedTensorMap, attrs) as tf.Tensor,
};

/** Whether `ExplicitGradients` covers this loss and output activation (else tfjs autodiff does). */
export function hasExplicitGradients(loss: LossName, outputActivation: Activation): boolean {
  return loss === 'mse' || outputActivation === 'sigmoid';
}

const ACTIVATION_KERNELS: Record<Exclude<Activation, 'linear'>, string> = { tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu' };

/**
 * Loss and gradients with backpropagation written out. Every value is computed by the same kernels
 * on the same inputs in the same order as tfjs autodiff of `lossFunction` through `model.forward`
 * (tf.variableGrads), so the results are bit-identical; what goes away is the tape, the op
 * wrappers, the broadcasting bookkeeping (reshapes, identities) and the re-computations: 63 kernels
 * for the 8-layer benchmark network instead of about 200 (368 with tf.train.adam). Covers mse with
 * any output activation and bce with a sigmoid output (see hasExplicitGradients). Holds a few
 * constants: dispose() when done.
 */
export class ExplicitGradients {
  private readonly constants = new Map<number, tf.Scalar>();
  /** target / n for the last target seen (the whole set, in full-batch training, every step). */
  private scaledTarget: { id: number; value: tf.Tensor2D } | null = null;

  /**
   * `leaveBiasSums`: return each bias gradient as the rows to sum (for a FlatOptimizer with
   * sumsRows), saving one Sum kernel per layer.
   */
  constructor(readonly model: Autoencoder, readonly loss: LossName, readonly leaveBiasSums = false) {
    if (!hasExplicitGradients(loss, model.config.outputActivation)) {
      throw new Error(`ExplicitGradients: ${loss} with a ${model.config.outputActivation} output is left to tfjs autodiff.`);
    }
  }

  /** A float32 scalar constant, made once. */
  private scalar(value: number): tf.Scalar {
    let c = this.constants.get(value);
    if (!c) {
      c = tf.keep(tf.scalar(value));
      this.constants.set(value, c);
    }
    return c;
  }

  /**
   * The loss of one batch and its gradients, with kernels run by `k` (ENGINE_KERNELS: call inside
   * a tidy; DirectKernels: the caller releases them).
   */
  compute<T extends tf.TensorInfo>(k: KernelRunner<T>, input: tf.Tensor2D, target: tf.Tensor2D): LossAndGradients<T> {
    const model = this.model;
    const layers = model.layers.length - 1;
    const one = this.scalar(1);
    const matMul = (a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): T =>
      k.run('BatchMatMul', { a, b }, { transposeA, transposeB });
    const binary = (kernel: string, a: tf.TensorInfo, b: tf.TensorInfo): T => k.run(kernel, { a, b });
    const unary = (kernel: string, x: tf.TensorInfo): T => k.run(kernel, { x });
    const activate = (x: T, a: Activation): T => (a === 'linear' ? x : unary(ACTIVATION_KERNELS[a], x));
    // d * activation'(pre-activation), as tfjs's gradient of each activation computes it from its output h.
    const throughActivation = (d: T, h: T, a: Activation): T => {
      switch (a) {
        case 'linear': return d;
        case 'tanh': return binary('Multiply', binary('Sub', one, unary('Square', h)), d);
        case 'sigmoid': return binary('Multiply', d, binary('Multiply', h, binary('Sub', one, h)));
        case 'relu': return binary('Multiply', d, k.run('Step', { x: h }, { alpha: 0 }));
      }
    };

    const h: T[] = [input as unknown as T];
    let logits: T | null = null;
    for (let i = 0; i < layers; i++) {
      const pre = binary('Add', matMul(h[i], model.weights[i], false, false), model.biases[i]);
      if (i === layers - 1) logits = pre;
      h.push(activate(pre, model.activationOf(i + 1)));
    }
    const output = h[layers];
    // tfjs's gradient of a mean over n values: 1 / n in float32, for every element.
    const g = this.scalar(Math.fround(1 / sizeOfShape(output.shape)));
    const mean = (x: T): T => k.run('Mean', { x }, { axis: null, keepDims: false } as unknown as tf.NamedAttrMap);
    let value: T;
    let delta: T;
    if (this.loss === 'bce') {
      // mean(softplus(z) - x z): dz = g sigmoid(z) - g x (softplus' = sigmoid; sigmoid(z) is the output).
      value = mean(binary('Sub', unary('Softplus', logits!), binary('Multiply', target, logits!)));
      delta = binary('Sub', binary('Multiply', g, output), this.targetTimes(target, g));
    } else {
      // mean((y - x)^2): dy = g (2 (y - x)), then through the output activation.
      value = mean(binary('SquaredDifference', output, target));
      const dy = binary('Multiply', g, binary('Multiply', this.scalar(2), binary('Sub', output, target)));
      delta = throughActivation(dy, output, model.activationOf(layers));
    }
    const grads: T[] = new Array(2 * layers);
    for (let i = layers - 1; i >= 0; i--) {
      grads[2 * i] = matMul(h[i], delta, true, false);
      grads[2 * i + 1] = this.leaveBiasSums ? delta : k.run('Sum', { x: delta }, { axis: 0, keepDims: false });
      if (i > 0) delta = throughActivation(matMul(delta, model.weights[i], false, true), h[i], model.activationOf(i));
    }
    return { loss: value, grads, sumRows: this.leaveBiasSums ? grads.map((_, j) => j % 2 === 1) : undefined };
  }

  private targetTimes(target: tf.Tensor2D, g: tf.Scalar): tf.Tensor2D {
    if (this.scaledTarget?.id !== target.id) {
      this.scaledTarget?.value.dispose();
      this.scaledTarget = { id: target.id, value: tf.keep(tf.mul(target, g)) };
    }
    return this.scaledTarget.value;
  }

  dispose(): void {
    this.constants.forEach((c) => c.dispose());
    this.constants.clear();
    this.scaledTarget?.value.dispose();
    this.scaledTarget = null;
  }
}

function sizeOfShape(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parts of the fast training step, each on by default. */
export interface TrainStepPaths {
  /** Explicit backprop (else tfjs autodiff, tf.variableGrads). */
  explicit?: boolean;
  /** One flat optimizer call per step (else a tf.train optimizer). */
  flat?: boolean;
  /** Run the explicit backprop's kernels without the engine (else through tf.engine().runKernel). */
  direct?: boolean;
}

/** One optimizer step per call; owns the optimizer's state. */
export interface TrainStepper {
  /** Updates the model from one batch; returns the batch's loss (before the update). */
  step(input: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar;
  /** How the step is computed, e.g. "explicit backprop (direct kernels) + flat adam kernel". */
  readonly method: string;
  dispose(): void;
}

/**
 * The training step trainAutoencoder uses. Fast path: explicit backprop with its kernels run
 * directly (DirectKernels, no engine bookkeeping) and one call for the whole optimizer update
 * (FlatOptimizer: Adam or SGD over every parameter, bit-identical to tf.train.adam / tf.train.sgd
 * given the same gradients). Fallbacks, each on its own: kernels through the engine (other
 * engines, debug mode, tf.profile), tfjs autodiff (bce without a sigmoid output), tf.train
 * optimizers (engines without a flat optimizer). Every path computes the same numbers.
 */
export function makeTrainStepper(
  model: Autoencoder,
  options: { learningRate: number; optimizer?: OptimizerName; loss?: LossName },
  /** Turn parts of the fast path off (tests and benchmarks compare the paths); default all on. */
  paths: TrainStepPaths = {},
): TrainStepper {
  const lossName = options.loss ?? 'bce';
  const optimizerName = options.optimizer ?? 'adam';
  const variables = model.variables();
  const backendName = tf.getBackend();
  const explicit = (paths.explicit ?? true) && hasExplicitGradients(lossName, model.config.outputActivation);
  const flat: FlatOptimizer | null = (paths.flat ?? true) ? createFlatOptimizer(optimizerName, options.learningRate, variables) : null;
  const optimizer = flat ? null : makeOptimizer(optimizerName, options.learningRate);
  const computeLoss = lossFunction(lossName, model.config.outputActivation);
  const backprop = explicit ? new ExplicitGradients(model, lossName, flat?.sumsRows ?? false) : null;
  const direct = (paths.direct ?? true) && backprop && flat && directKernelsAvailable() ? new DirectKernels() : null;
  const engineStep = (input: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar => tf.tidy(() => {
    let loss: tf.Tensor;
    let grads: tf.Tensor[];
    let sumRows: boolean[] | undefined;
    if (backprop) {
      ({ loss, grads, sumRows } = backprop.compute(ENGINE_KERNELS, input, target));
    } else {
      const r = tf.variableGrads(() => computeLoss(target, model.forward(input)), variables);
      loss = r.value;
      grads = variables.map((v) => r.grads[v.name]);
    }
    if (flat) flat.apply(variables, grads, sumRows);
    else optimizer!.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    return loss as tf.Scalar;
  });
  return {
    method: `${explicit ? `explicit backprop (${direct ? 'direct kernels' : 'engine kernels'})` : 'tfjs autodiff'} + ` +
      `${flat ? `flat ${optimizerName} kernel${flat.sumsRows ? ' summing bias gradients' : ''}` : `tf.train.${optimizerName}`}`,
    step: (input, target) => {
      if (tf.getBackend() !== backendName) {
        throw new Error(`The engine changed from ${backendName} to ${tf.getBackend()} during training; make a new stepper.`);
      }
      if (!direct || !directKernelsAvailable()) return engineStep(input, target);
      try {
        const { loss, grads, sumRows } = backprop!.compute(direct, input, target);
        flat!.apply(variables, grads, sumRows, true);
        return direct.tensor(loss) as tf.Scalar;
      } finally {
        direct.release();
      }
    },
    dispose: () => {
      backprop?.dispose();
      flat?.dispose();
      optimizer?.dispose();
    },
  };
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

/** Why a training loop ended early, and the sentence to tell. */
export interface LoopStop {
  reason: StopReason;
  message: string;
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
  /** After a read-back whose losses are all finite, at epoch `epoch`; a LoopStop ends training. */
  afterRead?(epoch: number): LoopStop | null;
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
  const epochs = options.epochs;
  const batchSize = options.batchSize ?? data.length;
  const maxWrong = options.maxWrongPixels === undefined ? 1 : options.maxWrongPixels;
  const label = options.label ? `${options.label}: ` : '';
  const progress = options.progress === undefined ? progressLine() : options.progress;
  const fullBatch = batchSize >= data.length;

  const x = tf.tensor2d(data, [data.length, model.inputSize]);
  const history: TrainHistory = {
    loss: [], checks: [], epochsRun: 0, epochsToCriterion: null, stopReason: 'epochs', message: '',
    seconds: 0, wrongPixels: [], maxWrongPixels: NaN, totalWrongPixels: NaN, finalLoss: NaN,
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
  const started = performance.now();
  const status = (epoch: number): string => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = epoch / Math.max(elapsed, 1e-9);
    const last = history.checks[history.checks.length - 1];
    const loss = history.loss.length ? history.loss[history.loss.length - 1].toFixed(4) : '…';
    const pixels = last ? `wrong pixels max ${last.maxWrongPixels} total ${last.totalWrongPixels}` : 'wrong pixels …';
    return `${label}epoch ${epoch}/${epochs}  loss ${loss}  ${pixels}  ${rate.toFixed(0)} epochs/s  ` +
      `${formatDuration(elapsed)} elapsed, ≤ ${formatDuration((epochs - epoch) / rate)} left`;
  };

  const stepper = makeTrainStepper(model, options);
  let inputs: tf.Tensor2D = x;
  let inputsEpoch = 0;
  try {
    const outcome = await runTrainingLoop({
      epochs, examples: data.length, batchSize, shuffleSeed: fullBatch ? null : options.seed ?? 0,
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
        return maxWrong !== null && history.epochsToCriterion !== null
          ? { reason: 'criterion', message: `Every example has at most ${maxWrong} wrong pixel(s) after ${epoch} epochs.` }
          : null;
      },
    });
    Object.assign(history, { stopReason: outcome.stopReason, message: outcome.message, epochsRun: outcome.epochsRun });
    if (history.stopReason !== 'diverged' && history.checks[history.checks.length - 1]?.epoch !== history.epochsRun) check(history.epochsRun);
    const lastCheck = history.checks[history.checks.length - 1];
    if (history.stopReason === 'epochs') {
      history.message = maxWrong === null
        ? `Ran all ${epochs} epochs.`
        : `Ran all ${epochs} epochs without reaching at most ${maxWrong} wrong pixel(s) on every example (worst: ${lastCheck?.maxWrongPixels}).`;
    }
    history.seconds = outcome.seconds;
    const finite = history.loss.filter(Number.isFinite);
    history.finalLoss = finite.length ? finite[finite.length - 1] : NaN;
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
