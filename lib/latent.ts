/**
 * The 2-D latent plane: where each glyph's code lies, what the decoder draws at any other point
 * (grids, straight lines between two letters), where it draws glyphs that are in no training set
 * ("new letters"), and an explorer page that decodes under the pointer without the kernel.
 */
import * as vm from 'node:vm';
import { randomBytes } from 'node:crypto';
import { Autoencoder, Activation } from './autoencoder';
import { showHtml } from './display';
import { GLYPH_COLUMNS, GLYPH_PIXELS, GLYPH_ROWS } from './font';
import { pixelDistance } from './metrics';
import { checkInteger } from './params';
import { PlotlyFigure, scatterChart, scriptSafeJson } from './plots';
import { seededRandom } from './random';

// ---------------------------------------------------------------------------------------------
// Points of the plane

/** An axis-aligned box of the latent plane. */
export interface LatentBox { xMin: number; xMax: number; yMin: number; yMax: number }

function checkPlanar(codes: ReadonlyArray<ArrayLike<number>>, what: string): void {
  const bad = codes.find((c) => c.length !== 2);
  if (bad) throw new Error(`${what} have ${bad.length} dimension(s); the latent plane needs 2-D codes (a latent layer of size 2).`);
}

/**
 * The smallest box holding every code, widened by `margin` times its width (height) on each side,
 * so that grids and searches also see a little of what lies beyond the outermost glyphs.
 */
export function latentBox(codes: ReadonlyArray<ArrayLike<number>>, margin = 0.1): LatentBox {
  if (codes.length === 0) throw new Error('latentBox: no codes.');
  checkPlanar(codes, 'The codes');
  if (!(margin >= 0)) throw new Error(`latentBox: margin is ${margin}; it must be at least 0.`);
  const xs = codes.map((c) => c[0]);
  const ys = codes.map((c) => c[1]);
  const widen = (lo: number, hi: number): [number, number] => {
    // A single code (or codes on a line) still gets a box of size 1 along the flat direction.
    const span = hi - lo || 1;
    return [lo - margin * span, hi + margin * span];
  };
  const [xMin, xMax] = widen(Math.min(...xs), Math.max(...xs));
  const [yMin, yMax] = widen(Math.min(...ys), Math.max(...ys));
  return { xMin, xMax, yMin, yMax };
}

/**
 * An n x n grid over the box, row by row from the top (largest y) down, left to right: read as a
 * mosaic of n columns, the glyphs sit where their points sit on a plot of the plane.
 */
export function latentGrid(box: LatentBox, n: number): number[][] {
  checkInteger('n', n, { min: 2 });
  const points: number[][] = [];
  for (let row = 0; row < n; row++) {
    const y = box.yMax - (row * (box.yMax - box.yMin)) / (n - 1);
    for (let column = 0; column < n; column++) points.push([box.xMin + (column * (box.xMax - box.xMin)) / (n - 1), y]);
  }
  return points;
}

/** `steps` evenly spaced points on the segment from `from` to `to`, both ends included. */
export function interpolateLatent(from: ArrayLike<number>, to: ArrayLike<number>, steps: number): number[][] {
  checkInteger('steps', steps, { min: 2 });
  if (from.length !== to.length) throw new Error(`interpolateLatent: the ends have ${from.length} and ${to.length} dimensions.`);
  return Array.from({ length: steps }, (_, i) => {
    const t = i / (steps - 1);
    return Array.from({ length: from.length }, (_, d) => from[d] + t * (to[d] - from[d]));
  });
}

/** `count` points drawn uniformly in the box from `seed`: for spot checks anywhere on the plane. */
export function randomLatentPoints(box: LatentBox, count: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => [box.xMin + random() * (box.xMax - box.xMin), box.yMin + random() * (box.yMax - box.yMin)]);
}

// ---------------------------------------------------------------------------------------------
// What a decoded point looks like

/** Pixels at or above the threshold are ink (1), the rest paper (0); NaN is paper. */
export function binarize(probabilities: ArrayLike<number>, threshold = 0.5): number[] {
  return Array.from(probabilities, (p) => (p >= threshold ? 1 : 0));
}

export interface NearestGlyph {
  /** Index of the closest glyph (the first one on ties). */
  index: number;
  /** Wrong pixels between the two, after thresholding at 0.5. */
  distance: number;
}

export function nearestGlyph(image: ArrayLike<number>, glyphs: ReadonlyArray<ArrayLike<number>>): NearestGlyph {
  if (glyphs.length === 0) throw new Error('nearestGlyph: no glyphs to compare with.');
  let best = { index: 0, distance: Infinity };
  glyphs.forEach((glyph, index) => {
    const distance = pixelDistance(image, glyph);
    if (distance < best.distance) best = { index, distance };
  });
  return best;
}

/**
 * Separate pieces of ink, counting pixels that touch at an edge or a corner as one piece
 * (8-connectivity: a diagonal stroke of a 5x7 glyph is a chain of corner-touching pixels).
 */
export function strokeCount(image: ArrayLike<number>): number {
  const ink = binarize(image);
  if (ink.length !== GLYPH_PIXELS) throw new Error(`strokeCount: an image needs ${GLYPH_PIXELS} pixels, got ${ink.length}.`);
  const seen = new Uint8Array(GLYPH_PIXELS);
  let pieces = 0;
  for (let start = 0; start < GLYPH_PIXELS; start++) {
    if (!ink[start] || seen[start]) continue;
    pieces++;
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop() as number;
      const [row, column] = [Math.floor(p / GLYPH_COLUMNS), p % GLYPH_COLUMNS];
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const [r, c] = [row + dr, column + dc];
          if (r < 0 || r >= GLYPH_ROWS || c < 0 || c >= GLYPH_COLUMNS) continue;
          const q = r * GLYPH_COLUMNS + c;
          if (ink[q] && !seen[q]) { seen[q] = 1; stack.push(q); }
        }
      }
    }
  }
  return pieces;
}

/**
 * How sure the decoder is of its drawing: the mean over pixels of |2p - 1|, 1 when every output is
 * 0 or 1, 0 when every output is 0.5. Between two learned glyphs the outputs blur towards 0.5.
 */
export function decoderConfidence(probabilities: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    sum += Number.isFinite(p) ? Math.abs(2 * p - 1) : 0;
  }
  return probabilities.length ? sum / probabilities.length : 0;
}

/** One decoded point and what we measure of it. */
export interface DecodedGlyph {
  point: number[];
  /** The decoder's outputs, in [0, 1]. */
  probabilities: number[];
  /** The outputs thresholded at 0.5. */
  pixels: number[];
  nearest: NearestGlyph;
  confidence: number;
  strokes: number;
  ink: number;
}

/** Measures decoder outputs against the training glyphs. */
export function describeDecoded(points: number[][], probabilities: number[][], glyphs: ReadonlyArray<ArrayLike<number>>): DecodedGlyph[] {
  return points.map((point, i) => {
    const pixels = binarize(probabilities[i]);
    return {
      point,
      probabilities: probabilities[i],
      pixels,
      nearest: nearestGlyph(pixels, glyphs),
      confidence: decoderConfidence(probabilities[i]),
      strokes: strokeCount(pixels),
      ink: pixels.reduce((a, b) => a + b, 0),
    };
  });
}

/** Decodes points (in batches, to bound memory) and describes each against the glyphs. */
export function decodeLatentPoints(model: Autoencoder, points: number[][], glyphs: ReadonlyArray<ArrayLike<number>>, batch = 4096): DecodedGlyph[] {
  checkPlanar(points, 'The points');
  const probabilities: number[][] = [];
  for (let start = 0; start < points.length; start += batch) probabilities.push(...model.decodeArray(points.slice(start, start + batch)));
  return describeDecoded(points, probabilities, glyphs);
}

// ---------------------------------------------------------------------------------------------
// New letters

/** When a decoded glyph counts as "letter-like". */
export interface LetterLikeCriteria {
  /** Least decoder confidence (see decoderConfidence). */
  minConfidence: number;
  /** Most pieces of ink (see strokeCount): as many as the most broken-up training glyph (i, j: 2). */
  maxStrokes: number;
  /** Ink pixels within the range the training glyphs span. */
  minInk: number;
  maxInk: number;
}

/** Criteria taken from the training glyphs themselves, plus the confidence asked for. */
export function letterLikeCriteria(glyphs: ReadonlyArray<ArrayLike<number>>, minConfidence: number): LetterLikeCriteria {
  const inks = glyphs.map((g) => binarize(g).reduce((a, b) => a + b, 0));
  return {
    minConfidence,
    maxStrokes: Math.max(...glyphs.map(strokeCount)),
    minInk: Math.max(1, Math.min(...inks)),
    maxInk: Math.max(...inks),
  };
}

export function isLetterLike(glyph: Pick<DecodedGlyph, 'confidence' | 'strokes' | 'ink'>, criteria: LetterLikeCriteria): boolean {
  return glyph.confidence >= criteria.minConfidence && glyph.strokes >= 1 && glyph.strokes <= criteria.maxStrokes &&
    glyph.ink >= criteria.minInk && glyph.ink <= criteria.maxInk;
}

export interface NewLetterOptions {
  /** Where to look; default the box of the glyphs' codes with a 10 % margin. */
  box?: LatentBox;
  /** The search decodes a resolution x resolution grid over the box. Default 80. */
  resolution?: number;
  /** A new letter is at least this many pixels from every training glyph, and from every other new letter. Default 3. */
  minDistance?: number;
  /** How many new letters to return at most. Default 6. */
  count?: number;
  criteria: LetterLikeCriteria;
}

export interface NewLetterSearch {
  /** The chosen letters, most confident first. */
  letters: DecodedGlyph[];
  /** Points decoded, and how many passed each test in turn. */
  searched: number;
  farFromTraining: number;
  letterLike: number;
  /** Different drawings among the letter-like points. */
  distinctDrawings: number;
  box: LatentBox;
  minDistance: number;
}

/**
 * Scans a grid over the plane for points whose decoded glyph is at least `minDistance` pixels from
 * every training glyph and letter-like; keeps the most confident point of each distinct drawing,
 * then picks greedily, most confident first, drawings at least `minDistance` pixels apart.
 */
export function findNewLetters(model: Autoencoder, glyphs: ReadonlyArray<ArrayLike<number>>, options: NewLetterOptions): NewLetterSearch {
  const minDistance = options.minDistance ?? 3;
  const count = options.count ?? 6;
  const resolution = options.resolution ?? 80;
  const box = options.box ?? latentBox(model.encodeArray(glyphs.map((g) => Array.from(g))));
  const decoded = decodeLatentPoints(model, latentGrid(box, resolution), glyphs);
  const far = decoded.filter((d) => d.nearest.distance >= minDistance);
  const letterLike = far.filter((d) => isLetterLike(d, options.criteria));
  const byDrawing = new Map<string, DecodedGlyph>();
  for (const d of letterLike) {
    const key = d.pixels.join('');
    const kept = byDrawing.get(key);
    if (!kept || d.confidence > kept.confidence) byDrawing.set(key, d);
  }
  const candidates = [...byDrawing.values()].sort((a, b) => b.confidence - a.confidence || b.nearest.distance - a.nearest.distance);
  const letters: DecodedGlyph[] = [];
  for (const c of candidates) {
    if (letters.length >= count) break;
    if (letters.every((l) => pixelDistance(l.pixels, c.pixels) >= minDistance)) letters.push(c);
  }
  return { letters, searched: decoded.length, farFromTraining: far.length, letterLike: letterLike.length, distinctDrawings: byDrawing.size, box, minDistance };
}

// ---------------------------------------------------------------------------------------------
// The decoder in the page's JavaScript

export interface DecoderLayerJson {
  /** inputs x outputs, as in the library (a row per input). */
  weights: number[][];
  biases: number[];
  activation: Activation;
}

/** The decoder half of an autoencoder as plain JSON, for a web page. */
export interface DecoderNetwork {
  latentSize: number;
  outputSize: number;
  layers: DecoderLayerJson[];
}

/**
 * The decoder's weights as JSON. float32 values are exact in a double, and JSON keeps every digit,
 * so the page multiplies exactly the numbers the library does.
 */
export function decoderNetwork(model: Autoencoder): DecoderNetwork {
  const { layers, hiddenActivation, outputActivation } = model.config;
  const last = layers.length - 1;
  const { weights, biases } = model.parameters();
  const decoderLayers: DecoderLayerJson[] = [];
  for (let i = model.latentIndex; i < last; i++) {
    decoderLayers.push({ weights: weights[i], biases: biases[i], activation: i + 1 === last ? outputActivation : hiddenActivation });
  }
  return { latentSize: model.latentSize, outputSize: model.inputSize, layers: decoderLayers };
}

/**
 * The page's decoder, as source text: the same text runs in the explorer page and, through
 * `pageDecoder`, in node for the agreement check. Plain ES5 so that any browser runs it.
 */
export const DECODER_JS = `function decodeLatent(net, z) {
  var h = [];
  for (var k = 0; k < z.length; k++) h.push(+z[k]);
  for (var l = 0; l < net.layers.length; l++) {
    var layer = net.layers[l], w = layer.weights, b = layer.biases, out = new Array(b.length);
    for (var j = 0; j < b.length; j++) {
      var s = b[j];
      for (var i = 0; i < h.length; i++) s += h[i] * w[i][j];
      if (layer.activation === 'tanh') s = Math.tanh(s);
      else if (layer.activation === 'sigmoid') s = 1 / (1 + Math.exp(-s));
      else if (layer.activation === 'relu') s = s > 0 ? s : 0;
      out[j] = s;
    }
    h = out;
  }
  return h;
}`;

/** DECODER_JS evaluated in a fresh, empty context: the page's decoder, callable from node. */
export function pageDecoder(): (net: DecoderNetwork, z: ArrayLike<number>) => number[] {
  return vm.runInNewContext(`(${DECODER_JS})`, {}) as (net: DecoderNetwork, z: ArrayLike<number>) => number[];
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

// ---------------------------------------------------------------------------------------------
// Figures

/** A glyph as text for a Plotly hover box (shown in a monospace font): `█` ink, `·` paper. */
export function glyphHoverText(image: ArrayLike<number>, title: string): string {
  const pixels = binarize(image);
  const rows = Array.from({ length: GLYPH_ROWS }, (_, r) =>
    pixels.slice(r * GLYPH_COLUMNS, (r + 1) * GLYPH_COLUMNS).map((p) => (p ? '█' : '·')).join(''));
  return [`<b>${title.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string)}</b>`, ...rows].join('<br>');
}

export interface LatentMapGroup {
  name: string;
  codes: number[][];
  /** Drawn next to each point. */
  labels: string[];
  /** What each point's glyph looks like, for the hover box; default no glyph. */
  images?: ReadonlyArray<ArrayLike<number>>;
  /** Extra hover lines per point, e.g. a distance. */
  notes?: string[];
  /** Plotly marker symbol: circle, x, star, diamond, ... */
  symbol?: string;
  markerSize?: number;
  /** Draw the labels; default true. */
  showLabels?: boolean;
}

/**
 * The latent plane as a Plotly scatter: one series per group, every point labelled, and a hover box
 * that draws the point's glyph. `paths` adds polylines, e.g. an interpolation.
 */
export function latentMapFigure(groups: LatentMapGroup[], options: { title?: string; paths?: { name: string; points: number[][] }[]; height?: number } = {}): PlotlyFigure {
  for (const g of groups) checkPlanar(g.codes, `The codes of "${g.name}"`);
  const figure = scatterChart({
    series: groups.map((g) => ({
      name: g.name,
      x: g.codes.map((c) => c[0]),
      y: g.codes.map((c) => c[1]),
      text: g.labels,
      hover: g.codes.map((_, i) => {
        const head = g.labels[i] + (g.notes?.[i] ? ` · ${g.notes[i]}` : '');
        return g.images ? glyphHoverText(g.images[i], head) : head;
      }),
      markerSize: g.markerSize,
    })),
    title: options.title,
    xTitle: 'latent z₁',
    yTitle: 'latent z₂',
    equalAspect: true,
  });
  figure.data.forEach((trace, i) => {
    const group = groups[i];
    trace.hovertemplate = '%{hovertext}<extra></extra>';
    if (group.symbol) (trace.marker as Record<string, unknown>).symbol = group.symbol;
    if (group.showLabels === false) trace.mode = 'markers';
  });
  for (const p of options.paths ?? []) {
    figure.data.push({
      type: 'scatter', mode: 'lines+markers', name: p.name,
      x: p.points.map((q) => q[0]), y: p.points.map((q) => q[1]),
      marker: { size: 4 }, line: { dash: 'dot' }, hoverinfo: 'skip',
    });
  }
  figure.layout = { ...figure.layout, hoverlabel: { font: { family: 'DejaVu Sans Mono, Menlo, Consolas, monospace' } }, ...(options.height ? { height: options.height } : {}) };
  return figure;
}

// ---------------------------------------------------------------------------------------------
// The explorer page

export interface LatentExplorerSpec {
  model: Autoencoder;
  /** The training glyphs (0/1 pixels) and their names: the nearest one is named under the pointer. */
  glyphs: ReadonlyArray<ArrayLike<number>>;
  labels: string[];
  /** Their codes, drawn as labelled dots; default: encoded with the model. */
  codes?: number[][];
  /** The part of the plane shown; default the codes' box with a 10 % margin. */
  box?: LatentBox;
  /** Decoded glyphs at least this many pixels from every training glyph are shaded as new. Default 3. */
  minDistance?: number;
  /** Extra points to mark, e.g. the new letters found. */
  marks?: { point: number[]; label: string }[];
  /** Side of the plane in CSS pixels; default 440. */
  size?: number;
  /** One line under the widget. */
  caption?: string;
}

/** Everything the page needs, as JSON. */
function explorerData(spec: LatentExplorerSpec): { minDistance: number } & Record<string, unknown> {
  const codes = spec.codes ?? spec.model.encodeArray(spec.glyphs.map((g) => Array.from(g)));
  checkPlanar(codes, 'The codes');
  if (spec.labels.length !== spec.glyphs.length || codes.length !== spec.glyphs.length) {
    throw new Error(`latentExplorerHtml: ${spec.glyphs.length} glyphs, ${spec.labels.length} labels and ${codes.length} codes; they must match.`);
  }
  return {
    net: decoderNetwork(spec.model),
    glyphs: spec.glyphs.map((g) => binarize(g)),
    labels: spec.labels,
    codes,
    box: spec.box ?? latentBox(codes),
    minDistance: spec.minDistance ?? 3,
    marks: spec.marks ?? [],
    rows: GLYPH_ROWS,
    columns: GLYPH_COLUMNS,
  };
}

/** The page's script after DECODER_JS: drawing and pointer handling. `data` and `id` are defined before it. */
const EXPLORER_JS = String.raw`
function nearestOf(pixels, glyphs) {
  var best = 0, bestDistance = Infinity;
  for (var g = 0; g < glyphs.length; g++) {
    var d = 0;
    for (var p = 0; p < pixels.length; p++) if (pixels[p] !== glyphs[g][p]) d++;
    if (d < bestDistance) { best = g; bestDistance = d; }
  }
  return { index: best, distance: bestDistance };
}
function threshold(probabilities) {
  var out = [];
  for (var p = 0; p < probabilities.length; p++) out.push(probabilities[p] >= 0.5 ? 1 : 0);
  return out;
}
function start(root) {
  var size = data.size, box = data.box;
  var plane = root.querySelector('canvas.ae-plane'), decoded = root.querySelector('canvas.ae-decoded'),
      nearest = root.querySelector('canvas.ae-nearest'), info = root.querySelector('.ae-info');
  var ratio = window.devicePixelRatio || 1;
  function setup(canvas, width, height) {
    canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
    canvas.style.width = width + 'px'; canvas.style.height = height + 'px';
    var ctx = canvas.getContext('2d'); ctx.setTransform(ratio, 0, 0, ratio, 0, 0); return ctx;
  }
  var cell = 22;
  var planeCtx = setup(plane, size, size);
  var decodedCtx = setup(decoded, data.columns * cell, data.rows * cell);
  var nearestCtx = setup(nearest, data.columns * cell / 2, data.rows * cell / 2);
  function toScreen(z) {
    return [(z[0] - box.xMin) / (box.xMax - box.xMin) * size, (box.yMax - z[1]) / (box.yMax - box.yMin) * size];
  }
  function toLatent(x, y) {
    return [box.xMin + x / size * (box.xMax - box.xMin), box.yMax - y / size * (box.yMax - box.yMin)];
  }
  // The background: how far the decoded glyph is from every training glyph, on a coarse grid.
  var shades = { near: '#ffffff', variant: '#e2e8f0', fresh: '#fde68a' };
  var resolution = 64, background = document.createElement('canvas');
  background.width = resolution; background.height = resolution;
  var bg = background.getContext('2d');
  for (var r = 0; r < resolution; r++) {
    for (var c = 0; c < resolution; c++) {
      var z = toLatent((c + 0.5) / resolution * size, (r + 0.5) / resolution * size);
      var d = nearestOf(threshold(decodeLatent(data.net, z)), data.glyphs).distance;
      bg.fillStyle = d <= 1 ? shades.near : d >= data.minDistance ? shades.fresh : shades.variant;
      bg.fillRect(c, r, 1, 1);
    }
  }
  function drawPlane(pointer) {
    var ctx = planeCtx;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(background, 0, 0, size, size);
    ctx.strokeStyle = '#94a3b8'; ctx.strokeRect(0.5, 0.5, size - 1, size - 1);
    ctx.font = '10px system-ui, sans-serif'; ctx.fillStyle = '#64748b';
    ctx.textAlign = 'left'; ctx.fillText('z1 ' + box.xMin.toFixed(1), 4, size - 4);
    ctx.textAlign = 'right'; ctx.fillText(box.xMax.toFixed(1), size - 4, size - 4);
    ctx.textAlign = 'left'; ctx.fillText('z2 ' + box.yMax.toFixed(1), 4, 12);
    ctx.font = 'bold 13px system-ui, sans-serif'; ctx.textAlign = 'center';
    for (var g = 0; g < data.codes.length; g++) {
      var s = toScreen(data.codes[g]);
      ctx.fillStyle = '#1d4ed8'; ctx.beginPath(); ctx.arc(s[0], s[1], 3, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = '#0f172a'; ctx.fillText(data.labels[g], s[0], s[1] - 6);
    }
    for (var m = 0; m < data.marks.length; m++) {
      var t = toScreen(data.marks[m].point);
      ctx.fillStyle = '#b45309'; ctx.beginPath();
      ctx.moveTo(t[0], t[1] - 6); ctx.lineTo(t[0] + 6, t[1]); ctx.lineTo(t[0], t[1] + 6); ctx.lineTo(t[0] - 6, t[1]); ctx.closePath(); ctx.fill();
      ctx.fillText(data.marks[m].label, t[0], t[1] + 18);
    }
    if (pointer) {
      var p = toScreen(pointer);
      ctx.strokeStyle = '#dc2626'; ctx.lineWidth = 1; ctx.beginPath();
      ctx.moveTo(p[0] - 10, p[1]); ctx.lineTo(p[0] + 10, p[1]); ctx.moveTo(p[0], p[1] - 10); ctx.lineTo(p[0], p[1] + 10); ctx.stroke();
    }
  }
  function drawGlyph(ctx, values, scale) {
    for (var p = 0; p < values.length; p++) {
      var v = Math.min(1, Math.max(0, values[p] || 0)), grey = Math.round(255 * (1 - v));
      ctx.fillStyle = 'rgb(' + grey + ',' + grey + ',' + grey + ')';
      ctx.fillRect((p % data.columns) * scale, Math.floor(p / data.columns) * scale, scale - 1, scale - 1);
    }
  }
  function show(z) {
    var probabilities = decodeLatent(data.net, z), pixels = threshold(probabilities);
    var near = nearestOf(pixels, data.glyphs), confidence = 0;
    for (var p = 0; p < probabilities.length; p++) confidence += Math.abs(2 * probabilities[p] - 1);
    confidence /= probabilities.length;
    drawPlane(z);
    decodedCtx.fillStyle = '#cbd5e1'; decodedCtx.fillRect(0, 0, data.columns * cell, data.rows * cell);
    drawGlyph(decodedCtx, probabilities, cell);
    nearestCtx.fillStyle = '#cbd5e1'; nearestCtx.fillRect(0, 0, data.columns * cell / 2, data.rows * cell / 2);
    drawGlyph(nearestCtx, data.glyphs[near.index], cell / 2);
    var verdict = near.distance <= 1 ? 'a training glyph' : near.distance >= data.minDistance ? 'a new glyph' : 'a variant';
    info.textContent = 'z = (' + z[0].toFixed(2) + ', ' + z[1].toFixed(2) + ')  ·  nearest training glyph: "' +
      data.labels[near.index] + '", ' + near.distance + ' pixel' + (near.distance === 1 ? '' : 's') + ' away (' + verdict +
      ')  ·  decoder confidence ' + confidence.toFixed(2);
    root.setAttribute('data-nearest', data.labels[near.index]);
    root.setAttribute('data-distance', String(near.distance));
  }
  function onPointer(event) {
    var rect = plane.getBoundingClientRect();
    show(toLatent(event.clientX - rect.left, event.clientY - rect.top));
  }
  plane.addEventListener('pointermove', onPointer);
  plane.addEventListener('pointerdown', onPointer);
  show(data.marks.length ? data.marks[0].point : data.codes[0]);
  root.setAttribute('data-ready', 'true');
}
var started = Date.now();
(function wait() {
  var root = document.getElementById(id);
  if (root && root.querySelector('canvas.ae-plane')) { start(root); return; }
  if (Date.now() - started < 10000) setTimeout(wait, 50);
})();
`;

/**
 * A self-contained widget: the latent plane on a canvas, and under the pointer the decoded glyph,
 * the nearest training glyph with its name and distance, and the decoder's confidence. The decoder's
 * weights are in the page and DECODER_JS decodes there, so it works offline and without a kernel
 * (in a live notebook, in the HTML export, in any saved copy whose outputs are trusted).
 */
export function latentExplorerHtml(spec: LatentExplorerSpec): string {
  const size = spec.size ?? 440;
  const id = `ae-explorer-${randomBytes(6).toString('hex')}`;
  const data = { ...explorerData(spec), size };
  const minDistance = data.minDistance;
  const swatch = (colour: string): string => `<span style="display:inline-block;width:10px;height:10px;background:${colour};border:1px solid #94a3b8;margin:0 4px 0 10px"></span>`;
  const caption = spec.caption ? `<div style="font: 13px/1.4 system-ui, sans-serif; color: #444; margin: 4px 0 12px 0;">${spec.caption.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string)}</div>` : '';
  return [
    `<div id="${id}" class="ae-explorer" style="font: 13px/1.4 system-ui, sans-serif; color: #0f172a;">`,
    '<div style="display:flex; gap:16px; align-items:flex-start; flex-wrap:wrap;">',
    `<canvas class="ae-plane" style="cursor:crosshair; touch-action:none; width:${size}px; height:${size}px; background:#f1f5f9;"></canvas>`,
    '<div>',
    '<div style="margin-bottom:4px;">decoded under the pointer</div><canvas class="ae-decoded"></canvas>',
    '<div style="margin:8px 0 4px 0;">nearest training glyph</div><canvas class="ae-nearest"></canvas>',
    '</div></div>',
    '<div class="ae-info" style="margin-top:6px; min-height:1.4em;">This explorer needs JavaScript (and, in Jupyter, a trusted notebook).</div>',
    `<div style="color:#475569; margin-top:2px;">Background:${swatch('#ffffff')}a training glyph (≤ 1 pixel off)` +
      (minDistance > 2 ? `${swatch('#e2e8f0')}a variant (${minDistance > 3 ? `2–${minDistance - 1}` : '2'} pixels)` : '') +
      `${swatch('#fde68a')}a new glyph (≥ ${minDistance} pixels from every training glyph). Diamonds: new letters found by the search.</div>`,
    '</div>',
    caption,
    '<script type="text/javascript">',
    '(function () {',
    `var id = ${scriptSafeJson(id)};`,
    `var data = ${scriptSafeJson(data)};`,
    DECODER_JS,
    EXPLORER_JS,
    '})();',
    '</script>',
  ].join('\n');
}

/** Shows the explorer in tslab and returns nothing; elsewhere returns its HTML. */
export function showLatentExplorer(spec: LatentExplorerSpec): string | undefined {
  return showHtml(latentExplorerHtml(spec));
}
