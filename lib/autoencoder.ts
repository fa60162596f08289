/**
 * A dense autoencoder built from a list of layer sizes, e.g. [35, 20, 10, 2, 10, 20, 35]: the
 * smallest layer is the latent code; everything before it is the encoder, everything after it the
 * decoder. Plain tfjs variables and ops, no tf.layers: the forward pass is spelled out below.
 */
import * as tf from '@tensorflow/tfjs';
import { activate } from './activations';
import { normalFrom, seededRandom } from './random';
import type { LossName } from './train';

export { activate, ACTIVATION_NAMES } from './activations';
export type { ActivationName } from './activations';

/** The activations an autoencoder layer may use (lib/fast's explicit gradients cover these). */
export type Activation = 'tanh' | 'sigmoid' | 'relu' | 'linear';
export const ACTIVATIONS: readonly Activation[] = ['tanh', 'sigmoid', 'relu', 'linear'];

export interface AutoencoderConfig {
  /** Layer sizes from input to output; first and last equal, the single smallest is the latent. */
  layers: number[];
  /** Activation of every hidden layer but the latent one. Default tanh. */
  hiddenActivation?: Activation;
  /** Activation of the latent layer. Default linear, so codes can spread freely over the plane. */
  latentActivation?: Activation;
  /** Activation of the output layer. Default sigmoid: pixels are probabilities. */
  outputActivation?: Activation;
  /** Seed of the initial weights. */
  seed?: number;
}

export type ResolvedAutoencoderConfig = Required<AutoencoderConfig>;

/** Checks a layer list; the message names the parameter and says what is allowed. */
export function validateLayers(layers: unknown, inputSize?: number, parameter = 'layers'): number[] {
  const shown = JSON.stringify(layers);
  if (!Array.isArray(layers) || layers.length < 3) {
    throw new Error(`${parameter} is ${shown}; it must list at least 3 layer sizes, e.g. [35, 10, 2, 10, 35].`);
  }
  if (!layers.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`${parameter} is ${shown}; every layer size must be a positive whole number.`);
  }
  const sizes = layers as number[];
  if (sizes[0] !== sizes[sizes.length - 1]) {
    throw new Error(`${parameter} is ${shown}; an autoencoder's first and last layers must be the same size.`);
  }
  if (inputSize !== undefined && sizes[0] !== inputSize) {
    throw new Error(`${parameter} is ${shown}; the data has ${inputSize} values per example, so it must start and end with ${inputSize}.`);
  }
  const smallest = Math.min(...sizes);
  const at = sizes.flatMap((n, i) => (n === smallest ? [i] : []));
  if (at.length !== 1 || at[0] === 0 || at[0] === sizes.length - 1) {
    throw new Error(`${parameter} is ${shown}; exactly one inner layer must be the smallest (the latent layer).`);
  }
  return sizes.slice();
}

function checkActivation(value: unknown, parameter: string): Activation {
  if (!(ACTIVATIONS as readonly unknown[]).includes(value)) {
    throw new Error(`${parameter} is ${JSON.stringify(value)}; allowed: ${ACTIVATIONS.join(', ')}.`);
  }
  return value as Activation;
}

/** A dense autoencoder: `encode`, `decode`, and the `loss` it is trained on. */
export class Autoencoder {
  readonly config: ResolvedAutoencoderConfig;
  /** Index in `layers` of the latent layer. */
  readonly latentIndex: number;
  /** weights[i]: layers[i] x layers[i+1]. */
  readonly weights: tf.Variable<tf.Rank.R2>[];
  readonly biases: tf.Variable<tf.Rank.R1>[];

  constructor(config: AutoencoderConfig) {
    const layers = validateLayers(config.layers);
    this.config = {
      layers,
      hiddenActivation: checkActivation(config.hiddenActivation ?? 'tanh', 'hiddenActivation'),
      latentActivation: checkActivation(config.latentActivation ?? 'linear', 'latentActivation'),
      outputActivation: checkActivation(config.outputActivation ?? 'sigmoid', 'outputActivation'),
      seed: config.seed ?? 0,
    };
    this.latentIndex = layers.indexOf(Math.min(...layers));
    // Glorot-normal initial weights from our own generator: the same seed gives the same network
    // on every engine. Biases start at zero.
    const normal = normalFrom(seededRandom(this.config.seed));
    this.weights = [];
    this.biases = [];
    for (let i = 0; i < layers.length - 1; i++) {
      const [fanIn, fanOut] = [layers[i], layers[i + 1]];
      const std = Math.sqrt(2 / (fanIn + fanOut));
      const values = Float32Array.from({ length: fanIn * fanOut }, () => std * normal());
      // In a tidy: the initial tensors are freed, only the variables stay.
      this.weights.push(tf.tidy(() => tf.variable(tf.tensor2d(values, [fanIn, fanOut]), true)));
      this.biases.push(tf.tidy(() => tf.variable(tf.zeros([fanOut]), true)));
    }
  }

  get layers(): number[] { return this.config.layers; }
  get inputSize(): number { return this.config.layers[0]; }
  get latentSize(): number { return this.config.layers[this.latentIndex]; }

  /** Every trainable variable, weights then biases, layer by layer. */
  variables(): tf.Variable[] {
    return this.weights.flatMap((w, i) => [w, this.biases[i]]);
  }

  /** The activation applied to layer `layer` (an index in `layers`, 1 or more). */
  activationOf(layer: number): Activation {
    if (layer === this.config.layers.length - 1) return this.config.outputActivation;
    if (layer === this.latentIndex) return this.config.latentActivation;
    return this.config.hiddenActivation;
  }

  /** Runs layers from..to (indices in `layers`); returns the pre-activation of the last one too. */
  private run(x: tf.Tensor2D, from: number, to: number): { output: tf.Tensor2D; preActivation: tf.Tensor2D } {
    let h = x;
    let pre = x;
    for (let i = from; i < to; i++) {
      pre = tf.add(tf.matMul(h, this.weights[i]), this.biases[i]);
      h = activate(pre, this.activationOf(i + 1));
    }
    return { output: h, preActivation: pre };
  }

  /** Inputs (n x inputSize) to latent codes (n x latentSize). */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.run(x, 0, this.latentIndex).output);
  }

  /** Latent codes (n x latentSize) to outputs (n x inputSize), in [0, 1] with a sigmoid output. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.run(z, this.latentIndex, this.config.layers.length - 1).output);
  }

  /** Reconstruction of the inputs. */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.run(x, 0, this.config.layers.length - 1).output);
  }

  /** Output and the output layer's pre-activation (logits, with a sigmoid output): for the loss. */
  forward(x: tf.Tensor2D): { output: tf.Tensor2D; preActivation: tf.Tensor2D } {
    return this.run(x, 0, this.config.layers.length - 1);
  }

  /**
   * The training loss of reconstructing `target` from `input` (the same tensor, or a corrupted
   * copy when denoising), averaged over pixels and examples:
   * - bce: -mean(x log y + (1 - x) log(1 - y)). With a sigmoid output y = sigmoid(z) this equals
   *   mean(softplus(z) - x z), computed from the logits z: exact, and finite where the sigmoid
   *   saturates. Other outputs are clipped to [1e-7, 1 - 1e-7] first.
   * - mse: mean((y - x)^2).
   * Not in a tidy: call it inside one (or inside optimizer.minimize).
   */
  loss(input: tf.Tensor2D, target: tf.Tensor2D, lossName: LossName = 'bce'): tf.Scalar {
    const { output, preActivation: logits } = this.forward(input);
    if (lossName === 'mse') return tf.mean(tf.squaredDifference(output, target));
    if (this.config.outputActivation === 'sigmoid') return tf.mean(tf.sub(tf.softplus(logits), tf.mul(target, logits)));
    const y = tf.clipByValue(output, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.add(tf.mul(target, tf.log(y)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, y)))))) as tf.Scalar;
  }

  /** The encoder alone, as a function of plain arrays. */
  encodeArray(inputs: number[][]): number[][] {
    return tf.tidy(() => this.encode(tf.tensor2d(inputs, [inputs.length, this.inputSize])).arraySync());
  }

  /** The decoder alone, as a function of plain arrays. */
  decodeArray(codes: number[][]): number[][] {
    return tf.tidy(() => this.decode(tf.tensor2d(codes, [codes.length, this.latentSize])).arraySync());
  }

  /** Reconstruction of plain arrays. */
  reconstructArray(inputs: number[][]): number[][] {
    return tf.tidy(() => this.reconstruct(tf.tensor2d(inputs, [inputs.length, this.inputSize])).arraySync());
  }

  /** Weights and biases as plain arrays, e.g. to save or to send to a web page. */
  parameters(): { weights: number[][][]; biases: number[][] } {
    return {
      weights: this.weights.map((w) => w.arraySync()),
      biases: this.biases.map((b) => b.arraySync()),
    };
  }

  /** Sets weights and biases from plain arrays of the shapes `parameters()` returns. */
  setParameters(parameters: { weights: number[][][]; biases: number[][] }): void {
    parameters.weights.forEach((w, i) => tf.tidy(() => this.weights[i].assign(tf.tensor2d(w, this.weights[i].shape))));
    parameters.biases.forEach((b, i) => tf.tidy(() => this.biases[i].assign(tf.tensor1d(b))));
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
