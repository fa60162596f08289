/**
 * What the page widgets share: the decoder, thresholding, the nearest glyph, sharp canvases, grey
 * images and glyphs with their wrong pixels coloured, and the latent plane with the glyphs' codes. A plain browser script (no imports, no exports), read from disk into the
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
 * squares filling width x height from (left, top), leaving `gap` pixels of what is below between
 * neighbours. Square edges are rounded to whole pixels, so that no seam shows between squares.
 */
function drawGreyImage(ctx: CanvasRenderingContext2D, values: ArrayLike<number>, columns: number, width: number, height: number, gap: number,
  left = 0, top = 0): void {
  const rows = Math.ceil(values.length / columns);
  for (let p = 0; p < values.length; p++) {
    const column = p % columns, row = Math.floor(p / columns);
    const x = Math.round(left + (column * width) / columns), y = Math.round(top + (row * height) / rows);
    const v = Math.min(1, Math.max(0, values[p] || 0)), grey = Math.round(255 * (1 - v));
    ctx.fillStyle = 'rgb(' + grey + ',' + grey + ',' + grey + ')';
    ctx.fillRect(x, y, Math.round(left + ((column + 1) * width) / columns) - x - gap, Math.round(top + ((row + 1) * height) / rows) - y - gap);
  }
}

/** The colours of wrong pixels, as the notebooks' mosaics draw them (MOSAIC_COLOURS in lib/figures/mosaic). */
interface WrongPixelColours { missing: readonly number[]; extra: readonly number[] }

/**
 * Draws a reconstruction as drawGreyImage does, but a pixel read on the wrong side of 0.5 against
 * its target glyph in the mosaic's colours: missing ink in `colours.missing`, extra ink in `colours.extra`.
 */
function drawGlyphAgainst(ctx: CanvasRenderingContext2D, values: ArrayLike<number>, target: ArrayLike<number>, columns: number,
  left: number, top: number, width: number, height: number, gap: number, colours: WrongPixelColours): void {
  const rows = Math.ceil(values.length / columns);
  for (let p = 0; p < values.length; p++) {
    const column = p % columns, row = Math.floor(p / columns);
    const x = Math.round(left + (column * width) / columns), y = Math.round(top + (row * height) / rows);
    const value = values[p], isInk = value >= 0.5, shouldBeInk = target[p] >= 0.5;
    const v = Math.min(1, Math.max(0, value || 0)), grey = Math.round(255 * (1 - v));
    const rgb = shouldBeInk && !isInk ? colours.missing : !shouldBeInk && isInk ? colours.extra : [grey, grey, grey];
    ctx.fillStyle = 'rgb(' + rgb[0] + ',' + rgb[1] + ',' + rgb[2] + ')';
    ctx.fillRect(x, y, Math.round(left + ((column + 1) * width) / columns) - x - gap, Math.round(top + ((row + 1) * height) / rows) - y - gap);
  }
}

/** A part of the latent plane shown on a square of `size` CSS pixels. */
interface PlaneBox { xMin: number; xMax: number; yMin: number; yMax: number }

/** Maps between latent codes and the square's pixels (z2 grows upwards). */
function planeView(box: PlaneBox, size: number): { toScreen(z: ArrayLike<number>): [number, number]; toLatent(x: number, y: number): number[] } {
  return {
    toScreen: (z) => [(z[0] - box.xMin) / (box.xMax - box.xMin) * size, (box.yMax - z[1]) / (box.yMax - box.yMin) * size],
    toLatent: (x, y) => [box.xMin + x / size * (box.xMax - box.xMin), box.yMax - y / size * (box.yMax - box.yMin)],
  };
}

/** The plane's frame with its axis ranges, and each glyph's code as a dot under its name. */
function drawLatentCodes(ctx: CanvasRenderingContext2D, box: PlaneBox, size: number, codes: ArrayLike<number>[], labels: string[]): void {
  const view = planeView(box, size);
  ctx.strokeStyle = '#94a3b8'; ctx.lineWidth = 1; ctx.strokeRect(0.5, 0.5, size - 1, size - 1);
  ctx.font = '10px system-ui, sans-serif'; ctx.fillStyle = '#64748b';
  ctx.textAlign = 'left'; ctx.fillText('z1 ' + box.xMin.toFixed(1), 4, size - 4);
  ctx.textAlign = 'right'; ctx.fillText(box.xMax.toFixed(1), size - 4, size - 4);
  ctx.textAlign = 'left'; ctx.fillText('z2 ' + box.yMax.toFixed(1), 4, 12);
  ctx.font = 'bold 13px system-ui, sans-serif'; ctx.textAlign = 'center';
  for (let g = 0; g < codes.length; g++) {
    const s = view.toScreen(codes[g]);
    ctx.fillStyle = '#1d4ed8'; ctx.beginPath(); ctx.arc(s[0], s[1], 3, 0, 2 * Math.PI); ctx.fill();
    ctx.fillStyle = '#0f172a'; ctx.fillText(labels[g], s[0], s[1] - 6);
  }
}

/** A red cross hair at `point` (a latent code). */
function drawCrossHair(ctx: CanvasRenderingContext2D, box: PlaneBox, size: number, point: ArrayLike<number>): void {
  const p = planeView(box, size).toScreen(point);
  ctx.strokeStyle = '#dc2626'; ctx.lineWidth = 1; ctx.beginPath();
  ctx.moveTo(p[0] - 10, p[1]); ctx.lineTo(p[0] + 10, p[1]); ctx.moveTo(p[0], p[1] - 10); ctx.lineTo(p[0], p[1] + 10); ctx.stroke();
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
