/**
 * Noise models for the denoising autoencoder: seeded, on plain arrays and on tensors.
 *
 * A noise model is a kind and a level (a `NoiseSpec`); what the level means depends on the kind:
 *
 * - `bit-flip`, level p in [0, 1]: every pixel is flipped (0 <-> 1) independently with probability p.
 *   The natural noise for binary glyphs: a glyph of 35 pixels gets 35 p wrong pixels on average.
 * - `salt-pepper`, level v in [0, 1]: every pixel, with probability v, is replaced by 0 or 1 with
 *   equal chance (salt or pepper), whatever it was. Half of the replaced pixels keep their value, so
 *   on binary glyphs the effective flip rate is v / 2: salt-and-pepper at v is bit-flip at p = v / 2
 *   (the same distribution of noisy glyphs), 35 v / 2 wrong pixels on average.
 * - `gaussian`, level s >= 0: every pixel gets independent normal noise of mean 0 and standard
 *   deviation s, and the result is clipped to [0, 1]. Noisy pixels are no longer binary; read at the
 *   threshold 0.5 a pixel is wrong with probability Phi(-0.5 / s) (2.3% at s = 0.25, 9.1% at 0.375,
 *   15.9% at 0.5, 30.9% at 1): see `effectiveFlipRate`.
 *
 * Every function draws from a `Random` (random.ts) or a seed, so that a seed names one noisy data set.
 */
import * as tf from '@tensorflow/tfjs';
import { normalCdf } from './normal';
import { failParameter, ParameterError } from './params';
import { normalFrom, Random, seededRandom } from './random';

export type NoiseKind = 'bit-flip' | 'salt-pepper' | 'gaussian';
export const NOISE_KINDS: readonly NoiseKind[] = ['bit-flip', 'salt-pepper', 'gaussian'];

export interface NoiseSpec {
  kind: NoiseKind;
  /** bit-flip: flip probability p; salt-pepper: replacement probability v; gaussian: standard deviation s. */
  level: number;
}

/** Each kind's level: its symbol and what it is, for messages. */
const LEVELS: Record<NoiseKind, [symbol: string, what: string]> = {
  'bit-flip': ['p', 'bit-flip probability'],
  'salt-pepper': ['v', 'salt-and-pepper replacement probability'],
  'gaussian': ['s', 'gaussian standard deviation'],
};

/** The level's name in messages: p, v or s. */
export const levelSymbol = (kind: NoiseKind): string => LEVELS[kind][0];

/** Checks a noise kind; the message names the parameter and the allowed kinds. */
export function checkNoiseKind(kind: unknown, parameter = 'noise'): NoiseKind {
  if (!(NOISE_KINDS as readonly unknown[]).includes(kind)) {
    throw new Error(`${parameter} is ${JSON.stringify(kind)}; allowed: ${NOISE_KINDS.join(', ')}.`);
  }
  return kind as NoiseKind;
}

/**
 * Checks a level for a kind: a probability in [0, 1] for bit-flip and salt-pepper, a finite standard
 * deviation >= 0 for gaussian. The message names the parameter (e.g. `level`, `trainLevel`) and value.
 */
export function checkNoiseLevel(kind: NoiseKind, level: unknown, parameter = 'level'): number {
  const [sym, what] = LEVELS[kind];
  const gaussian = kind === 'gaussian';
  if (typeof level !== 'number' || !(gaussian ? Number.isFinite(level) && level >= 0 : level >= 0 && level <= 1)) {
    const shown = typeof level === 'number' ? String(level) : JSON.stringify(level) ?? String(level);
    throw new Error(`${parameter} (${what}${parameter === sym ? '' : ` ${sym}`}) is ${shown}; ` +
      `it must be ${gaussian ? 'a finite number >= 0' : 'a probability from 0 to 1'}.`);
  }
  return level;
}

/**
 * Checks a notebook parameter that gives, per noise kind, a list of levels (e.g.
 * `{ "bit-flip": [0, 0.1], "gaussian": [0.5] }`): every kind of `kinds` must have a list of at least
 * `min` levels, each valid for its kind; kinds not in `kinds` are ignored. Returns the lists, with
 * duplicates removed and in increasing order. Errors are ParameterErrors of one sentence naming the
 * parameter, the entry and the value.
 */
export function checkNoiseLevelTable(name: string, value: unknown, kinds: readonly NoiseKind[], options: { min?: number } = {}): Record<NoiseKind, number[]> {
  const min = options.min ?? 1;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    failParameter(name, value, 'it must give each noise model a list of levels, e.g. {"bit-flip": [0.1, 0.2]}');
  }
  const out = {} as Record<NoiseKind, number[]>;
  for (const kind of kinds) {
    const entry = `${name}["${kind}"]`;
    const levels = (value as Record<string, unknown>)[kind];
    if (!Array.isArray(levels) || levels.length < min) {
      throw new ParameterError(`Parameter ${entry} is ${JSON.stringify(levels) ?? 'missing'}; it must list at least ${min} ${levelSymbol(kind)} level(s) for the ${kind} noise, e.g. [0.1, 0.2].`);
    }
    levels.forEach((level, i) => {
      try {
        checkNoiseLevel(kind, level, `${entry}[${i}]`);
      } catch (err) {
        throw new ParameterError(`Parameter ${(err as Error).message}`);
      }
    });
    out[kind] = [...new Set(levels as number[])].sort((a, b) => a - b);
  }
  return out;
}

/** Checks a spec and returns a clean copy. */
export function checkNoiseSpec(spec: NoiseSpec, parameter = 'noise'): NoiseSpec {
  if (spec === null || typeof spec !== 'object') {
    throw new Error(`${parameter} is ${JSON.stringify(spec)}; it must be e.g. { kind: 'bit-flip', level: 0.1 }.`);
  }
  const kind = checkNoiseKind(spec.kind, `${parameter}.kind`);
  return { kind, level: checkNoiseLevel(kind, spec.level, `${parameter}.level`) };
}

/** A spec from a kind and a level (checked); `parameter` names the level in errors. */
export function noiseSpec(kind: NoiseKind, level: number, parameter = 'level'): NoiseSpec {
  const k = checkNoiseKind(kind);
  return { kind: k, level: checkNoiseLevel(k, level, parameter) };
}

/**
 * Probability that one binary pixel reads wrong at the threshold 0.5 after the noise: p for
 * bit-flip, v / 2 for salt-pepper, Phi(-0.5 / s) for gaussian. Times 35: the noisy input's expected
 * wrong pixels per glyph.
 */
export function effectiveFlipRate(spec: NoiseSpec): number {
  const { kind, level } = checkNoiseSpec(spec);
  if (kind === 'bit-flip') return level;
  if (kind === 'salt-pepper') return level / 2;
  return level === 0 ? 0 : normalCdf(-0.5 / level);
}

/**
 * Writes rows of pixels with the noise `spec` into `out`, drawing from `random`: one uniform
 * (bit-flip, salt-pepper) or one normal (gaussian, Box-Muller pairs shared across rows) per pixel,
 * in pixel order, so that rows corrupted one by one get the same noise as the same rows in one
 * block. Bit-flip maps x to 1 - x: it flips binary pixels and mirrors grey ones. One loop per kind,
 * so that each loop's calls stay monomorphic: this runs on every pixel of every training epoch.
 */
function noiseWriter(spec: NoiseSpec, random: Random): (clean: ArrayLike<number>, out: Float32Array | number[]) => void {
  const { kind, level } = checkNoiseSpec(spec);
  if (kind === 'bit-flip') {
    return (clean, out) => { for (let i = 0; i < clean.length; i++) out[i] = random() < level ? 1 - clean[i] : clean[i]; };
  }
  if (kind === 'salt-pepper') {
    // u < v replaces the pixel, and then u / v is uniform again, so u < v / 2 (pepper, 0) and
    // v / 2 <= u < v (salt, 1) are equally likely.
    return (clean, out) => {
      for (let i = 0; i < clean.length; i++) {
        const u = random();
        out[i] = u < level ? (u < level / 2 ? 0 : 1) : clean[i];
      }
    };
  }
  const normal = normalFrom(random);
  return (clean, out) => {
    for (let i = 0; i < clean.length; i++) {
      // The noise rounded to float32, as a noise tensor would hold it: then a tensor of these values
      // is, bit for bit, the clean tensor plus that noise tensor.
      const v = clean[i] + Math.fround(level * normal());
      out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  };
}

/** A sampler of `spec` drawing from `random`, called on rows one after another (see `noiseWriter`). */
export function noiseSampler(spec: NoiseSpec, random: Random): (clean: ArrayLike<number>) => number[] {
  const write = noiseWriter(spec, random);
  return (clean) => {
    const out = new Array<number>(clean.length);
    write(clean, out);
    return out;
  };
}

/** Noisy copies of `rows` (each row a glyph's pixels). `rows` is not changed. */
export function addNoise(rows: ArrayLike<number>[], spec: NoiseSpec, random: Random): number[][] {
  return rows.map(noiseSampler(spec, random));
}

/**
 * One seed from several numbers (e.g. a base seed and an epoch), by mixing their 32-bit parts:
 * unlike `seed * 1e6 + epoch` it never overflows and neighbouring inputs give unrelated streams.
 * Non-integers are mixed by their float64 bits, so 0.1 and 0.15 give different seeds.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5 | 0;
  const view = new DataView(new ArrayBuffer(8));
  for (const part of parts) {
    view.setFloat64(0, part);
    for (const word of [view.getUint32(0), view.getUint32(4)]) {
      h = Math.imul(h ^ word, 0x5bd1e995);
      h ^= h >>> 15;
      h = Math.imul(h, 0x27d4eb2d);
      h ^= h >>> 13;
    }
  }
  return h >>> 0;
}

/** A noisy copy of a tensor of pixels (rows x pixels), the same values as `addNoise` on its rows. */
export function corruptTensor(clean: tf.Tensor2D, spec: NoiseSpec, random: Random): tf.Tensor2D {
  const values = clean.dataSync();
  const noisy = new Float32Array(values.length);
  noiseWriter(spec, random)(values, noisy);
  return tf.tensor2d(noisy, clean.shape);
}

/**
 * A `corruptInputs` for `trainAutoencoder`: fresh noise every epoch, the same noise for the same
 * seed and epoch (the stream of epoch e is seededRandom(deriveSeed(seed, e))), whatever happened
 * before. The returned tensor is new (the training loop frees it); nothing else is kept.
 */
export function corruptor(noise: NoiseSpec, seed = 0): (clean: tf.Tensor2D, epoch: number) => tf.Tensor2D {
  const spec = checkNoiseSpec(noise);
  return (clean, epoch) => corruptTensor(clean, spec, seededRandom(deriveSeed(seed, epoch)));
}
