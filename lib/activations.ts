/**
 * The activation functions of both models, by name: one table, so the autoencoder and the VAE
 * mean the same thing by "relu" or "tanh".
 */
import * as tf from '@tensorflow/tfjs';

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'leakyRelu' | 'softplus' | 'linear';
export const ACTIVATION_NAMES: readonly ActivationName[] = ['relu', 'tanh', 'sigmoid', 'elu', 'leakyRelu', 'softplus', 'linear'];

/** Slope of leakyRelu below zero. */
export const LEAKY_RELU_ALPHA = 0.2;

/** `name` applied element-wise to `x`; linear returns `x` itself. */
export function activate<T extends tf.Tensor>(x: T, name: ActivationName): T {
  switch (name) {
    case 'relu': return tf.relu(x);
    case 'tanh': return tf.tanh(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'elu': return tf.elu(x);
    case 'leakyRelu': return tf.leakyRelu(x, LEAKY_RELU_ALPHA);
    case 'softplus': return tf.softplus(x);
    case 'linear': return x;
  }
}
