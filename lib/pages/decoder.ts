/**
 * The decoder in the page's JavaScript: an autoencoder's decoder half as JSON for a web page, the
 * page's own decoder, and a check that the two draw the same glyphs.
 */
import * as vm from 'node:vm';
import { Activation, Autoencoder } from '../autoencoder';
import { pixelDistance } from '../metrics';
import { pageScript } from './script';

/** The decoder half of an autoencoder as plain JSON, for a web page. */
export interface DecoderNetwork {
  latentSize: number;
  outputSize: number;
  /** Weights inputs x outputs, as in the library (a row per input). */
  layers: { weights: number[][]; biases: number[]; activation: Activation }[];
}

/**
 * The decoder's weights as JSON. float32 values are exact in a double, and JSON keeps every digit,
 * so the page multiplies exactly the numbers the library does.
 */
export function decoderNetwork(model: Autoencoder): DecoderNetwork {
  const { weights, biases } = model.parameters();
  const layers = weights.map((w, i) => ({ weights: w, biases: biases[i], activation: model.activationOf(i + 1) })).slice(model.latentIndex);
  return { latentSize: model.latentSize, outputSize: model.inputSize, layers };
}

/** The page's decoder as source text: the shared widget script, whose decodeLatent the explorer runs. */
export const DECODER_JS: string = pageScript('widget');

/** decodeLatent of DECODER_JS, evaluated in a fresh, empty context: the page's decoder, callable from node. */
export function pageDecoder(): (net: DecoderNetwork, z: ArrayLike<number>) => number[] {
  return vm.runInNewContext(`${DECODER_JS}\n;decodeLatent`, {}) as (net: DecoderNetwork, z: ArrayLike<number>) => number[];
}

export interface DecoderAgreement {
  points: number;
  /** Points whose thresholded glyph is the same in the page's decoder and the library's. */
  identicalGlyphs: number;
  /** Thresholded pixels that differ, over all points. */
  differingPixels: number;
  /** Largest difference of an output probability: float32 (library) against float64 (page) arithmetic. */
  maxProbabilityGap: number;
}

/** Decodes `points` with the library and with the page's decoder and compares the glyphs. */
export function compareWithPageDecoder(model: Autoencoder, points: number[][]): DecoderAgreement {
  const net = decoderNetwork(model);
  const decode = pageDecoder();
  const library = model.decodeArray(points);
  let identicalGlyphs = 0;
  let differingPixels = 0;
  let maxProbabilityGap = 0;
  points.forEach((point, i) => {
    const page = decode(net, point);
    const differing = pixelDistance(page, library[i]);
    differingPixels += differing;
    if (differing === 0) identicalGlyphs++;
    page.forEach((p, k) => { maxProbabilityGap = Math.max(maxProbabilityGap, Math.abs(p - library[i][k])); });
  });
  return { points: points.length, identicalGlyphs, differingPixels, maxProbabilityGap };
}
