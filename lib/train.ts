/**
 * The training loop: explicit, full batch by default, with early stop on the course's criterion.
 *
 * One epoch is one pass over the data; with the default full batch it is one optimizer step, which
 * is what the report calls an iteration.
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
