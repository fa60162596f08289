/**
 * What the page widgets share: the decoder, thresholding, the nearest glyph, sharp canvases and grey
 * images drawn into them. A plain browser script (no imports, no exports), read from disk into the
 * page before the widget's own script (lib/pages/script). Node runs the same text too: pageDecoder
 * (lib/pages/decoder) takes decodeLatent from it to check that the page draws the library's glyphs.
 */

/** A decoder as decoderNetwork (lib/pages/decoder) writes it: per layer, a row of weights per input. */
interface PageNetwork {
  layers: { weights: number[][]; biases: number[]; activation: string }[];
}

/** The decoder's outputs at the code `z`, in double precision (the library computes in float32). */
function decodeLatent(net: PageNetwork, z: ArrayLike<number>): number[] {
  let h: number[] = [];
  for (let k = 0; k < z.length; k++) h.push(+z[k]);
  for (const layer of net.layers) {
    const w = layer.weights, b = layer.biases, out = new Array<number>(b.length);
    for (let j = 0; j < b.length; j++) {
      let s = b[j];
      for (let i = 0; i < h.length; i++) s += h[i] * w[i][j];
      if (layer.activation === 'tanh') s = Math.tanh(s);
      else if (layer.activation === 'sigmoid') s = 1 / (1 + Math.exp(-s));
      else if (layer.activation === 'relu') s = s > 0 ? s : 0;
      out[j] = s;
    }
    h = out;
  }
  return h;
}

/** Outputs at or above 0.5 are ink (1), the rest paper (0), as the library's binarize reads them. */
function thresholdPixels(probabilities: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let p = 0; p < probabilities.length; p++) out.push(probabilities[p] >= 0.5 ? 1 : 0);
  return out;
}

/** The glyph with the fewest pixels different from `pixels` (the first one on ties), and that count. */
function nearestGlyphOf(pixels: ArrayLike<number>, glyphs: ArrayLike<number>[]): { index: number; distance: number } {
  let best = 0, bestDistance = Infinity;
  for (let g = 0; g < glyphs.length; g++) {
    let d = 0;
    for (let p = 0; p < pixels.length; p++) if (pixels[p] !== glyphs[g][p]) d++;
    if (d < bestDistance) { best = g; bestDistance = d; }
  }
  return { index: best, distance: bestDistance };
}

/** Sizes a canvas to width x height CSS pixels with one canvas pixel per screen pixel; draws in CSS pixels. */
function sharpCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
  canvas.style.width = width + 'px'; canvas.style.height = height + 'px';
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/**
 * Draws an image of `columns` pixels a row (values in [0, 1], white 0 to black 1, NaN white) as grey
 * squares filling width x height from the top left, leaving `gap` pixels of what is below between
 * neighbours. Square edges are rounded to whole pixels, so that no seam shows between squares.
 */
function drawGreyImage(ctx: CanvasRenderingContext2D, values: ArrayLike<number>, columns: number, width: number, height: number, gap: number): void {
  const rows = Math.ceil(values.length / columns);
  for (let p = 0; p < values.length; p++) {
    const column = p % columns, row = Math.floor(p / columns);
    const x = Math.round((column * width) / columns), y = Math.round((row * height) / rows);
    const v = Math.min(1, Math.max(0, values[p] || 0)), grey = Math.round(255 * (1 - v));
    ctx.fillStyle = 'rgb(' + grey + ',' + grey + ',' + grey + ')';
    ctx.fillRect(x, y, Math.round(((column + 1) * width) / columns) - x - gap, Math.round(((row + 1) * height) / rows) - y - gap);
  }
}

/**
 * Hands `find()` to `start` as soon as it is found: a widget's script may run before the page has
 * attached its elements, since notebook outputs are not always rendered in order. Gives up after
 * `timeoutMs`.
 */
function whenFound<T>(find: () => T | null, start: (found: T) => void, timeoutMs: number, pollMs: number): void {
  const started = Date.now();
  (function poll(): void {
    const found = find();
    if (found) { start(found); return; }
    if (Date.now() - started < timeoutMs) setTimeout(poll, pollMs);
  })();
}
