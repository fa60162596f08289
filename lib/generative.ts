/**
 * Looking at a generative model with a 2-D latent space, whatever the model: a decoder is just a
 * function from codes to images. Decoded grids over a box or at quantiles of the prior, samples from
 * the prior, how far each decoded image is from the nearest training glyph, how smoothly a grid
 * changes from cell to cell, and a latent map whose hover shows the image behind each point.
 *
 * Works with the VAE (lib/vae) and the plain autoencoder (lib/autoencoder) alike; builds on
 * lib/latent (boxes, grids, nearest glyph, letter-likeness) rather than repeating it.
 */
import { showHtml } from './display';
import { randomBytes } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { Autoencoder } from './autoencoder';
import { GLYPH_COLUMNS, GLYPH_ROWS } from './font';
import { DecodedGlyph, describeDecoded, LatentBox, latentGrid } from './latent';
import { median, pixelDistance } from './metrics';
import { ImageDataset } from './mnist';
import { normalQuantileGrid } from './normal';
import { checkInteger } from './params';
import { PlotlyFigure, plotHtml, scriptSafeJson } from './plots';
import { normalFrom, seededRandom } from './random';
import { Vae } from './vae';

/** Tensors alive on the engine: a notebook prints it to show that re-running cells does not leak. */
export function tensorCount(): number {
  return tf.memory().numTensors;
}

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
  const pixels = GLYPH_ROWS * GLYPH_COLUMNS;
  if (glyphs.length === 0 || glyphs.length > 256) throw new RangeError(`glyphDataset: ${glyphs.length} glyphs; 1 to 256 are allowed.`);
  const images = new Float32Array(glyphs.length * pixels);
  glyphs.forEach((g, i) => {
    if (g.length !== pixels) throw new RangeError(`glyphDataset: glyph ${i} has ${g.length} pixels, not ${pixels}.`);
    for (let p = 0; p < pixels; p++) images[i * pixels + p] = g[p];
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

// ---------------------------------------------------------------------------------------------
// A latent map whose hover shows the image

export interface ImageMapSpec {
  /** One 2-D code per image. */
  codes: number[][];
  /** Class of each image (0..classNames.length-1): one colour and legend entry per class. */
  labels: ArrayLike<number>;
  classNames: readonly string[];
  /** The images, row-major, values in [0, 1]: one per code. */
  images: ReadonlyArray<ArrayLike<number>>;
  rows: number;
  cols: number;
  /** What each point is called in the hover box, e.g. its index in the test set; default its position. */
  ids?: ArrayLike<number>;
  /** How ids are introduced in the hover box; default "#". */
  idPrefix?: string;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** One line under the figure. */
  caption?: string;
  /** For report exporters (data-figure-name); default "image-map". */
  name?: string;
  height?: number;
  /** Side of the hovered image in CSS pixels; default 140. */
  imageSize?: number;
}

/** The scatter itself: one trace per class; customdata holds [position in `images`, id]. */
export function imageMapFigure(spec: ImageMapSpec): PlotlyFigure {
  const n = spec.codes.length;
  if (spec.labels.length !== n || spec.images.length !== n || (spec.ids && spec.ids.length !== n)) {
    throw new RangeError(`imageMapFigure: ${n} codes, ${spec.labels.length} labels, ${spec.images.length} images${spec.ids ? `, ${spec.ids.length} ids` : ''}; they must match.`);
  }
  const prefix = (spec.idPrefix ?? '#').replace(/[&<>]/g, '');
  const data = spec.classNames.map((className, c) => {
    const members = Array.from({ length: n }, (_, i) => i).filter((i) => spec.labels[i] === c);
    return {
      type: 'scatter', mode: 'markers', name: className,
      x: members.map((i) => spec.codes[i][0]), y: members.map((i) => spec.codes[i][1]),
      customdata: members.map((i) => [i, spec.ids ? spec.ids[i] : i]),
      marker: { size: 5, opacity: 0.75 },
      hovertemplate: `<b>${className.replace(/[&<>]/g, '')}</b> · ${prefix}%{customdata[1]}<br>z = (%{x:.2f}, %{y:.2f})<extra></extra>`,
    };
  }).filter((trace) => trace.x.length > 0);
  return {
    data,
    layout: {
      ...(spec.title ? { title: { text: spec.title } } : {}),
      xaxis: { title: { text: spec.xTitle ?? 'z₁ (mean of q(z|x))' }, zeroline: false },
      yaxis: { title: { text: spec.yTitle ?? 'z₂' }, zeroline: false, scaleanchor: 'x', scaleratio: 1 },
      margin: { l: 60, r: 20, t: spec.title ? 50 : 20, b: 50 },
      hovermode: 'closest',
      legend: { itemsizing: 'constant' },
    },
  };
}

/** Images as one base64 string of bytes 0..255 (a pixel value v becomes round(255 v)). */
export function imagesToBase64(images: ReadonlyArray<ArrayLike<number>>, pixels: number): string {
  const bytes = new Uint8Array(images.length * pixels);
  images.forEach((image, i) => {
    if (image.length !== pixels) throw new RangeError(`imagesToBase64: image ${i} has ${image.length} values, not ${pixels}.`);
    for (let p = 0; p < pixels; p++) bytes[i * pixels + p] = Math.round(255 * Math.min(1, Math.max(0, image[p] || 0)));
  });
  return Buffer.from(bytes).toString('base64');
}

/**
 * The page's script: waits for Plotly to have drawn the figure, then draws the hovered (or clicked)
 * point's image on the canvas beside it. Plain ES5, no network: works in the live notebook and in
 * the HTML export. Marks the panel with data-shown="<position>" (for tests).
 */
const IMAGE_MAP_JS = String.raw`
var bytes = (function (s) { var b = atob(s), out = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) out[i] = b.charCodeAt(i); return out; })(data.images);
var started = Date.now();
function show(panel, position, text) {
  var canvas = panel.querySelector('canvas'), ctx = canvas.getContext('2d');
  var size = data.rows * data.cols, image = ctx.createImageData(data.cols, data.rows);
  for (var p = 0; p < size; p++) {
    var grey = 255 - bytes[position * size + p];
    image.data[4 * p] = grey; image.data[4 * p + 1] = grey; image.data[4 * p + 2] = grey; image.data[4 * p + 3] = 255;
  }
  var small = document.createElement('canvas'); small.width = data.cols; small.height = data.rows;
  small.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  panel.querySelector('.ae-map-info').textContent = text;
  panel.setAttribute('data-shown', String(position));
}
(function wait() {
  var div = document.getElementById(plotId), panel = document.getElementById(panelId);
  if (div && panel && typeof div.on === 'function' && div.data) {
    var onPoint = function (event) {
      var point = event && event.points && event.points[0];
      if (!point || !point.customdata) return;
      show(panel, point.customdata[0], point.data.name + ' · ' + data.idPrefix + point.customdata[1] +
        ' · z = (' + point.x.toFixed(2) + ', ' + point.y.toFixed(2) + ')');
    };
    div.on('plotly_hover', onPoint);
    div.on('plotly_click', onPoint);
    // Plotly sized the figure while the panel beside it did not exist yet: fit it to its column now.
    if (window.Plotly && window.Plotly.Plots && window.Plotly.Plots.resize) window.Plotly.Plots.resize(div);
    var first = div.data[0];
    if (first && first.customdata && first.customdata.length) {
      show(panel, first.customdata[0][0], 'hover over a point · ' + first.name + ' · ' + data.idPrefix + first.customdata[0][1]);
    }
    panel.setAttribute('data-ready', 'true');
    return;
  }
  if (Date.now() - started < 300000) setTimeout(wait, 100);
})();
`;

/**
 * The latent map with the hovered image beside it: a Plotly scatter (one colour per class) and a
 * canvas that draws the image of the point under the pointer (or the last one clicked, on touch
 * screens). The images travel inside the page (one byte per pixel, base64), so it works offline, in
 * the HTML export too. Needs window.Plotly (ensurePlotly()).
 */
export function imageMapHtml(spec: ImageMapSpec): string {
  const pixels = spec.rows * spec.cols;
  const figure = imageMapFigure(spec);
  const tag = randomBytes(6).toString('hex');
  const plotId = `ae-map-${tag}`;
  const panelId = `ae-map-panel-${tag}`;
  const side = spec.imageSize ?? 140;
  const ratio = spec.cols / spec.rows;
  const data = { images: imagesToBase64(spec.images, pixels), rows: spec.rows, cols: spec.cols, idPrefix: spec.idPrefix ?? '#' };
  return [
    '<div style="display:flex; gap:16px; align-items:flex-start;">',
    `<div style="flex:1 1 0; min-width:0;">${plotHtml(figure, plotId, spec.caption, spec.height ?? 520, spec.name ?? 'image-map')}</div>`,
    `<div id="${panelId}" class="ae-map-panel" style="flex:0 0 ${Math.max(side, 160)}px; font: 13px/1.4 system-ui, sans-serif; color:#0f172a; padding-top:40px;">`,
    '<div style="margin-bottom:4px;">the image under the pointer</div>',
    `<canvas width="${Math.round(side * ratio)}" height="${side}" style="border:1px solid #94a3b8; background:#f1f5f9; image-rendering: pixelated;"></canvas>`,
    '<div class="ae-map-info" style="margin-top:4px; min-height:2.8em;">needs JavaScript (and, in Jupyter, a trusted notebook)</div>',
    '</div></div>',
    '<script type="text/javascript">',
    '(function () {',
    `var plotId = ${scriptSafeJson(plotId)}, panelId = ${scriptSafeJson(panelId)};`,
    `var data = ${scriptSafeJson(data)};`,
    IMAGE_MAP_JS,
    '})();',
    '</script>',
  ].join('\n');
}

/** Shows imageMapHtml in tslab and returns nothing; elsewhere returns the HTML. */
export function showImageMap(spec: ImageMapSpec): string | undefined {
  return showHtml(imageMapHtml(spec));
}
