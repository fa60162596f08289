/**
 * Looking at a generative model with a 2-D latent space, whatever the model: a decoder is just a
 * function from codes to images. Decoded grids over a box or at quantiles of the prior, samples from
 * the prior, how far each decoded image is from the nearest training glyph, how smoothly a grid
 * changes from cell to cell. The latent map whose hover shows the image behind each point is in
 * lib/figures/imagemap (the figure) and lib/pages/imagemap (the page).
 *
 * Works with the VAE (lib/vae) and the plain autoencoder (lib/autoencoder) alike; builds on
 * lib/latent (boxes, grids, nearest glyph, letter-likeness) rather than repeating it.
 */
import { Autoencoder } from './autoencoder';
import { GLYPH_COLUMNS, GLYPH_PIXELS, GLYPH_ROWS } from './font';
import { DecodedGlyph, describeDecoded, LatentBox, latentGrid } from './latent';
import { median, pixelDistance } from './metrics';
import { ImageDataset } from './mnist';
import { normalQuantileGrid } from './normal';
import { checkInteger } from './params';
import { normalFrom, seededRandom } from './random';
import { Vae } from './vae';

/** Codes (rows of latentSize numbers) to images (rows of pixel values in [0, 1]). */
export type LatentDecoder = (codes: number[][]) => number[][];

/** Cuts `count` images of `pixels` values out of one flat array (row-major, image after image). */
export function splitImages(flat: ArrayLike<number>, pixels: number): number[][] {
  if (!Number.isInteger(pixels) || pixels < 1 || flat.length % pixels !== 0) {
    throw new RangeError(`splitImages: ${flat.length} values do not make whole images of ${pixels} pixels.`);
  }
  const out: number[][] = [];
  for (let start = 0; start < flat.length; start += pixels) out.push(Array.from({ length: pixels }, (_, p) => flat[start + p]));
  return out;
}

/** The VAE's decoder (pixel probabilities) as a LatentDecoder. */
export function vaeDecoder(vae: Vae): LatentDecoder {
  return (codes) => (codes.length ? splitImages(vae.decode(codes), vae.inputSize) : []);
}

/** The plain autoencoder's decoder as a LatentDecoder. */
export function autoencoderDecoder(model: Autoencoder): LatentDecoder {
  return (codes) => (codes.length ? model.decodeArray(codes) : []);
}

export interface DecodedGrid {
  /** n * n points, row by row from the top (largest z₂), left to right. */
  points: number[][];
  images: number[][];
  n: number;
}

/** The decoder applied to an n x n grid over `box` (lib/latent's latentGrid). */
export function decodeGridOverBox(decode: LatentDecoder, box: LatentBox, n: number): DecodedGrid {
  const points = latentGrid(box, n);
  return { points, images: decode(points), n };
}

/**
 * The decoder applied at regular quantiles of the prior N(0, I) (normalQuantileGrid): Kingma and
 * Welling's manifold figure. Each cell holds the same prior mass.
 */
export function decodeQuantileGrid(decode: LatentDecoder, n: number, pMin?: number): DecodedGrid {
  const points = normalQuantileGrid(n, pMin);
  return { points, images: decode(points), n };
}

/** `count` codes drawn from N(0, I) in `latentSize` dimensions, from `seed`. */
export function priorSamples(count: number, latentSize: number, seed: number): number[][] {
  checkInteger('count', count, { min: 1 });
  const normal = normalFrom(seededRandom(seed));
  return Array.from({ length: count }, () => Array.from({ length: latentSize }, () => normal()));
}

/**
 * How much a decoded n x n grid changes between neighbouring cells (left-right and up-down pairs):
 * the mean absolute change of a pixel value, and the mean number of pixels that flip after
 * thresholding at 0.5. A continuous latent space changes little from one cell to the next.
 */
export function gridNeighbourChange(images: ReadonlyArray<ArrayLike<number>>, n: number): { meanAbsChange: number; meanFlips: number; pairs: number } {
  if (images.length !== n * n) throw new RangeError(`gridNeighbourChange: ${images.length} images for a ${n} x ${n} grid.`);
  let abs = 0;
  let flips = 0;
  let pairs = 0;
  const compare = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
    let s = 0;
    for (let p = 0; p < a.length; p++) s += Math.abs(a[p] - b[p]);
    abs += s / a.length;
    flips += pixelDistance(a, b);
    pairs++;
  };
  for (let row = 0; row < n; row++) {
    for (let column = 0; column < n; column++) {
      const here = images[row * n + column];
      if (column + 1 < n) compare(here, images[row * n + column + 1]);
      if (row + 1 < n) compare(here, images[(row + 1) * n + column]);
    }
  }
  return { meanAbsChange: abs / pairs, meanFlips: flips / pairs, pairs };
}

export interface NearestGlyphSummary {
  count: number;
  /** Decoded images within `reproduceMax` pixels of a training glyph (after thresholding at 0.5). */
  reproductions: number;
  /** At least `newMin` pixels from every training glyph. */
  newGlyphs: number;
  /** Of the new ones, those that pass the letter-likeness test (lib/latent's isLetterLike), when given. */
  newLetterLike: number | null;
  meanDistance: number;
  medianDistance: number;
  maxDistance: number;
  /** Mean decoder confidence (mean |2p - 1|). */
  meanConfidence: number;
}

/**
 * Counts over decoded images described against the training glyphs (lib/latent's describeDecoded):
 * how many reproduce a glyph, how many are new, and the distances to the nearest glyph.
 */
export function summarizeNearestGlyphs(decoded: readonly DecodedGlyph[], options: { reproduceMax?: number; newMin?: number; letterLike?: (d: DecodedGlyph) => boolean } = {}): NearestGlyphSummary {
  const reproduceMax = options.reproduceMax ?? 1;
  const newMin = options.newMin ?? 3;
  const distances = decoded.map((d) => d.nearest.distance);
  const fresh = decoded.filter((d) => d.nearest.distance >= newMin);
  const count = decoded.length;
  return {
    count,
    reproductions: decoded.filter((d) => d.nearest.distance <= reproduceMax).length,
    newGlyphs: fresh.length,
    newLetterLike: options.letterLike ? fresh.filter(options.letterLike).length : null,
    meanDistance: count ? distances.reduce((a, b) => a + b, 0) / count : NaN,
    medianDistance: median(distances),
    maxDistance: count ? distances.reduce((a, b) => Math.max(a, b)) : NaN,
    meanConfidence: count ? decoded.reduce((a, d) => a + d.confidence, 0) / count : NaN,
  };
}

/** Decodes `points` and describes each result against the glyphs (nearest glyph, distance, confidence...). */
export function decodeAndDescribe(decode: LatentDecoder, points: number[][], glyphs: ReadonlyArray<ArrayLike<number>>): DecodedGlyph[] {
  return describeDecoded(points, decode(points), glyphs);
}

/** 5x7 glyphs (0/1 rows) as an image data set, so that the VAE can train on them; labels are glyph indices. */
export function glyphDataset(glyphs: ReadonlyArray<ArrayLike<number>>, name = 'glyphs'): ImageDataset {
  if (glyphs.length === 0 || glyphs.length > 256) throw new RangeError(`glyphDataset: ${glyphs.length} glyphs; 1 to 256 are allowed.`);
  const images = new Float32Array(glyphs.length * GLYPH_PIXELS);
  glyphs.forEach((g, i) => {
    if (g.length !== GLYPH_PIXELS) throw new RangeError(`glyphDataset: glyph ${i} has ${g.length} pixels, not ${GLYPH_PIXELS}.`);
    images.set(g, i * GLYPH_PIXELS);
  });
  return { images, labels: Uint8Array.from(glyphs.map((_, i) => i)), count: glyphs.length, rows: GLYPH_ROWS, cols: GLYPH_COLUMNS, name };
}

/**
 * `n` indices spread evenly over 0..count-1 (all of them when n >= count). The embedded MNIST split
 * is ordered by digit, so its first n images are all zeros; evenly spread ones cover every digit.
 */
export function spreadIndices(count: number, n: number): number[] {
  const m = Math.max(0, Math.min(Math.trunc(n), count));
  return Array.from({ length: m }, (_, i) => Math.floor((i * count) / m));
}
