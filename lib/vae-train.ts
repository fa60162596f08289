/**
 * Training a VAE (vae.ts) through the one training loop (train.ts): mini-batches shuffled every
 * epoch, one seeded sample of z per image and step, Adam with PyTorch's defaults, the test set's
 * negative ELBO after every epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { pairStepper, Replica, TermsStepper } from './fast/pair';
import { speedPath } from './fast/path';
import { ImageDataset } from './mnist';
import { coreCount } from './parallel';
import { checkInteger, checkNumber } from './params';
import { formatDuration, progressLine } from './progress';
import { normalFrom, seededRandom } from './random';
import { makeStepper, runTrainingLoop, TrainOptions } from './train';
import type { ResolvedVaeConfig, Vae } from './vae';
import { evaluateVae, imageRows } from './vae-eval';

/** The progress line and the stops mean what they mean in `trainAutoencoder`. */
export interface VaeTrainOptions extends Pick<TrainOptions, 'progress' | 'label' | 'stopOnInterrupt' | 'shouldStop'> {
  /** Default 30. */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam's learning rate (betas 0.9, 0.999, eps 1e-8, as PyTorch's defaults). Default 1e-3. */
  learningRate?: number;
  /** Weight of the KL term (beta-VAE). Default 1: the loss is the negative ELBO. */
  beta?: number;
  /**
   * Threads that share each step on the fast path: 2 splits every batch between this thread and a
   * helper thread (the same numbers up to float32 rounding); 1 keeps the step in this thread (the
   * plain path's bits). Default 2 where the machine has two cores or more. The plain path uses 1.
   */
  threads?: number;
  /** Seed of the batch order and of the noise eps. Default 1. */
  seed?: number;
  /** Evaluated after every epoch (negative ELBO, reconstruction, KL); null: none. */
  test?: ImageDataset | null;
  /** Called after each epoch with its numbers. */
  onEpoch?: (stats: VaeEpochStats) => void;
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
  /** How each step was computed, e.g. "tfjs autodiff + tf.train.adam". */
  stepMethod: string;
}

/**
 * Trains `vae` on `train`, evaluating `options.test` after each epoch. Resolves, never rejects, on
 * interrupt or divergence: the history says why it stopped. The tensor count after training
 * equals the count before.
 */
export async function trainVae(vae: Vae, train: ImageDataset, options: VaeTrainOptions = {}): Promise<VaeHistory> {
  vae.checkAlive();
  vae.checkData(train, 'train');
  const epochs = checkInteger('epochs', options.epochs ?? 30, { min: 1 });
  const batchSize = checkInteger('batchSize', options.batchSize ?? 128, { min: 1 });
  const learningRate = checkNumber('learningRate', options.learningRate ?? 1e-3, { min: 0, exclusiveMin: true });
  const beta = checkNumber('beta', options.beta ?? 1, { min: 0 });
  const test = options.test ?? null;
  if (test) vae.checkData(test, 'test');
  const threads = checkInteger('threads', options.threads ?? Math.min(2, coreCount()), { min: 1, max: 2 });
  const seed = options.seed ?? 1;
  const normal = normalFrom(seededRandom(seed ^ 0x2545f491));
  const progress = options.progress === undefined ? progressLine() : options.progress;
  const label = options.label ? `${options.label}: ` : 'VAE: ';
  const n = train.count;

  const history: VaeHistory = {
    epochs: [], trainNegElbo: [], testNegElbo: [], epochsRun: 0, stopReason: 'epochs', message: '', seconds: 0, trainSecondsPerEpoch: NaN, stepMethod: '',
  };
  const started = performance.now();
  const status = (epoch: number, step: number, steps: number): string => {
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

  const stepper = await vaeStepper(vae, { beta, learningRate, maxRows: Math.min(batchSize, n), threads });
  history.stepMethod = stepper.method;
  const batch = new Float32Array(vae.inputSize * Math.min(batchSize, n));
  // The tidy frees the batch and the noise; the step's terms leave it.
  const step = (rows: number[]): tf.Tensor1D => tf.tidy(() => {
    const eps = Float32Array.from({ length: rows.length * vae.latentSize }, normal);
    return stepper.step(imageRows(train, 0, rows.length, rows, batch), tf.tensor2d(eps, [rows.length, vae.latentSize]));
  });
  let epochRead: VaeEpochStats | null = null;
  try {
    const outcome = await runTrainingLoop({
      epochs, examples: n, batchSize, shuffleSeed: seed, learningRate, readEvery: 1, stopMidEpoch: true,
      stopOnInterrupt: options.stopOnInterrupt ?? true, shouldStop: options.shouldStop, progress, status,
      step: (rows) => step(rows!),
      recordEpoch: (epoch, stepValues, seconds) => {
        // Each step's terms are means over its batch; the last batch may be smaller.
        const [loss, rec, kl] = [0, 1, 2].map((t) => stepValues.reduce((sum, v, i) => sum + v[t] * Math.min(batchSize, n - i * batchSize), 0) / n);
        epochRead = {
          epoch, trainLoss: loss, trainRec: rec, trainKl: kl, trainNegElbo: rec + kl,
          testNegElbo: null, testRec: null, testKl: null, trainSeconds: seconds, seconds,
        };
      },
      afterRead: () => {
        const stats = epochRead!;
        const evaluationStart = performance.now();
        if (test) {
          const e = evaluateVae(vae, test, { seed: 0 });
          stats.testNegElbo = e.negElbo; stats.testRec = e.rec; stats.testKl = e.kl;
        }
        stats.seconds = stats.trainSeconds + (performance.now() - evaluationStart) / 1000;
        history.epochs.push(stats);
        history.trainNegElbo.push(stats.trainNegElbo);
        if (stats.testNegElbo !== null) history.testNegElbo.push(stats.testNegElbo);
        options.onEpoch?.(stats);
        return null;
      },
    });
    history.stopReason = outcome.stopReason as VaeStopReason;
    history.message = outcome.message || `Ran all ${epochs} epochs.`;
    history.epochsRun = outcome.epochsRun;
    history.seconds = outcome.seconds;
    const complete = history.epochs.length;
    history.trainSecondsPerEpoch = complete ? history.epochs.reduce((s, e) => s + e.trainSeconds, 0) / complete : NaN;
    const last = history.epochs[complete - 1];
    const summary = last
      ? `train −ELBO ${last.trainNegElbo.toFixed(2)}` + (last.testNegElbo !== null ? `, test −ELBO ${last.testNegElbo.toFixed(2)} (rec ${last.testRec!.toFixed(2)} + KL ${last.testKl!.toFixed(2)})` : '')
      : 'no complete epoch';
    progress?.done(`${label}${history.epochsRun} epochs, ${summary} nats/image, ${history.trainSecondsPerEpoch.toFixed(2)} s/epoch, ` +
      `${formatDuration(history.seconds)} — ${history.message}`);
    return history;
  } finally {
    stepper.dispose();
  }
}

/** The VAE's loss terms for a batch, [loss, rec, kl], as the step differentiates them. */
function lossTermList(vae: Vae, beta: number): (x: tf.Tensor2D, eps: tf.Tensor2D) => tf.Scalar[] {
  return (x, eps) => {
    const t = vae.lossTerms(x, eps, beta);
    return [t.loss, t.rec, t.kl];
  };
}

/**
 * The VAE's step, returning its loss terms: autodiff of the loss and Adam with PyTorch's epsilon.
 * On the fast path lib/fast applies Adam in one flat kernel, and with two threads each computes
 * half the batch's gradients; on the plain path, tf.train.adam's `minimize`.
 */
async function vaeStepper(vae: Vae, options: { beta: number; learningRate: number; maxRows: number; threads: number }): Promise<TermsStepper> {
  const terms = lossTermList(vae, options.beta);
  const adam = { optimizer: 'adam', learningRate: options.learningRate, epsilon: 1e-8 } as const;
  if (speedPath() === 'fast' && options.threads > 1 && options.maxRows > 1) {
    const replica = { module: __filename, name: 'vaeReplica', args: { config: vae.config, beta: options.beta } };
    const pair = await pairStepper(vae.variables(), terms, replica, { ...adam, columns: [vae.inputSize, vae.latentSize], maxRows: options.maxRows, termCount: 3 });
    if (pair) return pair;
  }
  // The terms are kept from inside the loss as they are computed; the step returns them.
  let kept: tf.Tensor1D | null = null;
  const single = makeStepper(vae.variables(), (x: tf.Tensor2D, eps: tf.Tensor2D) => {
    const t = terms(x, eps);
    kept = tf.keep(tf.stack(t) as tf.Tensor1D);
    return t[0];
  }, adam);
  return {
    method: single.method,
    step: (x, eps) => { single.step(x, eps); return kept!; },
    dispose: () => single.dispose(),
  };
}

/** The VAE's copy in lib/fast's helper thread: the same architecture (its weights come from the stepper). */
export function vaeReplica({ config, beta }: { config: ResolvedVaeConfig; beta: number }): Replica {
  // vae.ts imports this module: its class is taken when the helper asks, once both are loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Vae } = require('./vae') as typeof import('./vae');
  const vae = new Vae(config);
  return { variables: vae.variables(), terms: lossTermList(vae, beta), dispose: () => vae.dispose() };
}
