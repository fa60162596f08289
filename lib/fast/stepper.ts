/**
 * Fast training steps assembled from this folder's pieces: the dense autoencoder's, and any
 * model's autodiff step with the flat optimizer (the VAE's).
 */
import * as tf from '@tensorflow/tfjs';
import { Autoencoder } from '../autoencoder';
import type { LossName, OptimizerName, Stepper, TrainStepper } from '../train';
import { createFlatOptimizer } from './flat-optimizer';
import { ExplicitGradients, hasExplicitGradients } from './gradients';
import { DirectKernels, directKernelsAvailable, ENGINE_KERNELS } from './kernels';

/** Pieces of the fast step, each on by default; tests and benchmarks turn them off one by one. */
export interface TrainStepPaths {
  /** Explicit backprop (else tfjs autodiff, tf.variableGrads). */
  explicit?: boolean;
  /** One flat optimizer call per step (else a tf.train optimizer). */
  flat?: boolean;
  /** The flat optimizer's WebAssembly module on the wasm engine (else its JavaScript loop). */
  wasmModule?: boolean;
  /** Run the explicit backprop's kernels without the engine (else through tf.engine().runKernel). */
  direct?: boolean;
}

/**
 * The fast step, or null where none of its pieces applies (then the caller takes the plain one).
 * Explicit backprop with its kernels run directly (DirectKernels) and one call for the whole
 * optimizer update (FlatOptimizer). Fallbacks, each on its own: kernels through the engine (other
 * engines, debug mode, tf.profile), tfjs autodiff (bce without a sigmoid output), tf.train
 * optimizers (engines without a flat optimizer). Every combination computes the plain step's bits.
 */
export function fastAutoencoderStepper(
  model: Autoencoder,
  options: { learningRate: number; optimizer: OptimizerName; loss: LossName },
  paths: TrainStepPaths = {},
): TrainStepper | null {
  const { learningRate, optimizer: optimizerName, loss: lossName } = options;
  const variables = model.variables();
  const backendName = tf.getBackend();
  const explicit = (paths.explicit ?? true) && hasExplicitGradients(lossName, model.config.outputActivation);
  const flat = (paths.flat ?? true)
    ? createFlatOptimizer(optimizerName, learningRate, variables, { wasmModule: paths.wasmModule ?? true })
    : null;
  if (!explicit && !flat) return null;
  const optimizer = flat ? null : optimizerName === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
  const backprop = explicit ? new ExplicitGradients(model, lossName, flat?.sumsRows ?? false) : null;
  const direct = (paths.direct ?? true) && backprop && flat && directKernelsAvailable() ? new DirectKernels() : null;

  const engineStep = (input: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar => tf.tidy(() => {
    let loss: tf.Tensor;
    let grads: tf.Tensor[];
    let sumRows: boolean[] | undefined;
    if (backprop) {
      ({ loss, grads, sumRows } = backprop.compute(ENGINE_KERNELS, input, target));
    } else {
      const r = tf.variableGrads(() => model.loss(input, target, lossName), variables);
      loss = r.value;
      grads = variables.map((v) => r.grads[v.name]);
    }
    if (flat) flat.apply(variables, grads, sumRows);
    else optimizer!.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    return loss as tf.Scalar;
  });

  const gradientsBy = explicit ? `explicit backprop (${direct ? 'direct kernels' : 'engine kernels'})` : 'tfjs autodiff';
  const updateBy = flat
    ? `flat ${optimizerName} kernel (${flat.implementation}${flat.sumsRows ? ', summing bias gradients' : ''})`
    : `tf.train.${optimizerName}`;
  return {
    method: `${gradientsBy} + ${updateBy}`,
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

/**
 * Any model's step with tfjs autodiff, as the plain step computes it, and the update in one flat
 * optimizer call instead of tf.train's few kernels per variable: the plain step's bits, given the
 * same epsilon. Null where the engine has no flat optimizer.
 */
export function fastAutodiffStepper<Batch extends unknown[]>(
  variables: tf.Variable[], lossOfBatch: (...batch: Batch) => tf.Scalar,
  options: { optimizer: OptimizerName; learningRate: number; epsilon?: number },
): Stepper<Batch> | null {
  const flat = createFlatOptimizer(options.optimizer, options.learningRate, variables, { epsilon: options.epsilon });
  if (!flat) return null;
  return {
    method: `tfjs autodiff + flat ${options.optimizer} kernel (${flat.implementation})`,
    step: (...batch) => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => lossOfBatch(...batch), variables);
      flat.apply(variables, variables.map((v) => grads[v.name]));
      return value;
    }),
    dispose: () => flat.dispose(),
  };
}
