/**
 * The VAE's fast training step on the wasm engine: the same loss and the same Adam as the plain
 * step (vae-train.ts: autodiff, tf.train.adam), computed with images as columns and a leaner Adam.
 *
 * Why columns: the wasm engine multiplies through XNNPACK, which re-packs its second operand
 * whenever that tensor is new. Weights change at every step; activations are smaller (batch 128
 * below 512 or 784 units). With images as columns (h -> W h + b, W out x in as in PyTorch) the
 * second operand of every large product is an activation or a gradient, never a weight matrix.
 *
 * The step trains its own column copies of the VAE's variables and writes them back on sync().
 */
import * as tf from '@tensorflow/tfjs';
import { activate } from '../activations';
import { ImageDataset } from '../mnist';
import type { Vae } from '../vae';
import type { VaeStepper } from '../vae-train';

/**
 * Adam as in PyTorch (torch.optim.Adam, no weight decay), with the bias corrections folded into
 * two scalars: with c2 = sqrt(1 - beta2^t), the update
 *   p -= lr * m_hat / (sqrt(v_hat) + eps)   equals   p -= (lr * c2 / (1 - beta1^t)) * m / (sqrt(v) + eps * c2),
 * 12 element-wise ops per variable instead of tf.train.adam's 14.
 */
class FoldedAdam {
  private readonly m: tf.Tensor[];
  private readonly v: tf.Tensor[];
  private t = 0;

  constructor(private readonly params: tf.Variable[], private readonly lr: number, private readonly beta1 = 0.9,
    private readonly beta2 = 0.999, private readonly eps = 1e-8) {
    this.m = params.map((p) => tf.zerosLike(p));
    this.v = params.map((p) => tf.zerosLike(p));
  }

  /** One update from gradients given in the order of the parameters. */
  step(grads: tf.Tensor[]): void {
    this.t++;
    const { beta1, beta2 } = this;
    const c2 = Math.sqrt(1 - beta2 ** this.t);
    const stepSize = this.lr * c2 / (1 - beta1 ** this.t);
    const epsHat = this.eps * c2;
    this.params.forEach((p, i) => {
      const g = grads[i];
      const [m, v, next] = tf.tidy(() => {
        const m = tf.add(this.m[i], tf.mul(tf.sub(g, this.m[i]), 1 - beta1)); // beta1 m + (1 - beta1) g
        const v = tf.add(this.v[i], tf.mul(tf.sub(tf.square(g), this.v[i]), 1 - beta2)); // beta2 v + (1 - beta2) g^2
        const next = tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsHat)), stepSize));
        return [m, v, next];
      });
      this.m[i].dispose(); this.m[i] = m;
      this.v[i].dispose(); this.v[i] = v;
      p.assign(next);
      next.dispose();
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** Images `rows` of `data` as columns (pixels x images), transposed in JavaScript into `buffer`. */
function columnsOf(data: ImageDataset, rows: number[], buffer: Float32Array): tf.Tensor2D {
  const size = data.rows * data.cols;
  const count = rows.length;
  const out = buffer.subarray(0, size * count);
  for (let j = 0; j < count; j++) {
    const base = rows[j] * size;
    for (let p = 0; p < size; p++) out[p * count + j] = data.images[base + p];
  }
  return tf.tensor2d(out, [size, count]);
}

/**
 * The fast step where it applies (the wasm engine), else null: the caller takes the plain step.
 * Same arguments as plainVaeStepper; `batchSize` bounds the buffer the batches are gathered into.
 */
export function fastVaeStepper(vae: Vae, learningRate: number, beta: number, batchSize: number): VaeStepper | null {
  if (tf.getBackend() !== 'wasm') return null;
  const rowVariables = vae.variables();
  // Weights in x out become out x in; biases [out] become columns (out x 1).
  const columnVariables = rowVariables.map((v) => tf.tidy(() => tf.variable(v.rank === 2 ? tf.transpose(v) : tf.reshape(v, [v.shape[0], 1])) as tf.Variable<tf.Rank.R2>));
  const layers = (from: number, to: number) =>
    Array.from({ length: (to - from) / 2 }, (_, i) => ({ w: columnVariables[from + 2 * i], b: columnVariables[from + 2 * i + 1] }));
  const encoderCount = vae.encoderWeights.length;
  const encoder = layers(0, 2 * encoderCount);
  const [head] = layers(2 * encoderCount, 2 * encoderCount + 2);
  const decoder = layers(2 * encoderCount + 2, columnVariables.length);
  const dense = (h: tf.Tensor2D, layer: { w: tf.Tensor2D; b: tf.Tensor2D }) => tf.add(tf.matMul(layer.w, h), layer.b) as tf.Tensor2D;
  const activation = vae.config.activation;
  const L = vae.latentSize;

  /** The terms of Vae.lossTerms, on columns (x: pixels x b, eps: latent x b). */
  const lossTerms = (x: tf.Tensor2D, eps: tf.Tensor2D) => {
    const b = x.shape[1];
    let h = x;
    for (const layer of encoder) h = activate(dense(h, layer), activation);
    const [mean, logVar] = tf.split(dense(h, head), 2, 0) as tf.Tensor2D[];
    h = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)) as tf.Tensor2D;
    decoder.forEach((layer, i) => { h = i === decoder.length - 1 ? dense(h, layer) : activate(dense(h, layer), activation); });
    const rec = tf.div(tf.sum(tf.sub(tf.softplus(h), tf.mul(x, h))), b) as tf.Scalar;
    const kl = tf.div(tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(1, logVar)))), b) as tf.Scalar;
    return { loss: (beta === 1 ? tf.add(rec, kl) : tf.add(rec, tf.mul(beta, kl))) as tf.Scalar, rec, kl };
  };

  const optimizer = new FoldedAdam(columnVariables, learningRate);
  const buffer = new Float32Array(vae.inputSize * batchSize);
  const noise = new Float32Array(L * batchSize);
  return {
    step: (data, rows, eps) => {
      const b = rows.length;
      for (let j = 0; j < b; j++) for (let l = 0; l < L; l++) noise[l * b + j] = eps[j * L + l];
      const x = columnsOf(data, rows, buffer);
      const epsColumns = tf.tensor2d(noise.subarray(0, L * b), [L, b]);
      let terms: tf.Tensor1D | null = null;
      try {
        const { value, grads } = tf.variableGrads(() => {
          const t = lossTerms(x, epsColumns);
          terms = tf.keep(tf.stack([t.loss, t.rec, t.kl]) as tf.Tensor1D);
          return t.loss;
        }, columnVariables);
        value.dispose();
        try {
          optimizer.step(columnVariables.map((v) => grads[v.name]));
        } finally {
          tf.dispose(Object.values(grads));
        }
        return terms!;
      } finally {
        x.dispose();
        epsColumns.dispose();
      }
    },
    sync: () => {
      rowVariables.forEach((v, i) => tf.tidy(() => v.assign(v.rank === 2 ? tf.transpose(columnVariables[i]) : tf.reshape(columnVariables[i], v.shape))));
    },
    dispose: () => {
      optimizer.dispose();
      columnVariables.forEach((v) => v.dispose());
    },
  };
}
