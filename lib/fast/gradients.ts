/**
 * Backpropagation of the dense autoencoder written out, kernel by kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { Activation, Autoencoder } from '../autoencoder';
import type { LossName } from '../train';
import { KernelRunner } from './kernels';

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

/** Whether `ExplicitGradients` covers this loss and output activation (else tfjs autodiff does). */
export function hasExplicitGradients(loss: LossName, outputActivation: Activation): boolean {
  return loss === 'mse' || outputActivation === 'sigmoid';
}

const ACTIVATION_KERNELS: Record<Exclude<Activation, 'linear'>, string> = { tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu' };

/**
 * Loss and gradients with backpropagation written out. Every value is computed by the same kernels
 * on the same inputs in the same order as tfjs autodiff of `model.loss` (tf.variableGrads), so
 * the results are bit-identical; what goes away is the tape, the op wrappers, the broadcasting
 * bookkeeping (reshapes, identities) and the re-computations: 63 kernels for the 8-layer
 * benchmark network instead of about 200 (368 with tf.train.adam). Covers mse with
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
    const g = this.scalar(Math.fround(1 / tf.util.sizeFromShape(output.shape)));
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
