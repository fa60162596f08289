/**
 * The 2-D latent plane: where each glyph's code lies, what the decoder draws at any other point
 * (grids, straight lines between two letters), and where it draws glyphs that are in no training set
 * ("new letters"). Its figures are in lib/figures/latent, its explorer page in lib/pages/explorer.
 */
import { Autoencoder } from './autoencoder';
import { GLYPH_COLUMNS, GLYPH_PIXELS, GLYPH_ROWS } from './font';
import { pixelDistance } from './metrics';
import { checkInteger } from './params';
import { seededRandom } from './random';

// ---------------------------------------------------------------------------------------------
// Points of the plane

/** An axis-aligned box of the latent plane. */
export interface LatentBox { xMin: number; xMax: number; yMin: number; yMax: number }

/** Throws unless every code has 2 dimensions; `what` names them in the message (e.g. 'The codes'). */
export function checkPlanar(codes: ReadonlyArray<ArrayLike<number>>, what: string): void {
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

/** Pixels at or above 0.5 are ink (1), the rest paper (0); NaN is paper. */
export function binarize(probabilities: ArrayLike<number>): number[] {
  return Array.from(probabilities, (p) => (p >= 0.5 ? 1 : 0));
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
      for (let r = Math.max(0, row - 1); r <= Math.min(GLYPH_ROWS - 1, row + 1); r++) {
        for (let c = Math.max(0, column - 1); c <= Math.min(GLYPH_COLUMNS - 1, column + 1); c++) {
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

/** Decodes points (in batches of 4096, to bound memory) and describes each against the glyphs. */
export function decodeLatentPoints(model: Autoencoder, points: number[][], glyphs: ReadonlyArray<ArrayLike<number>>): DecodedGlyph[] {
  const batch = 4096;
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
