/**
 * What the page widgets share: the decoder, sharp canvases, grey glyphs (with their wrong pixels
 * coloured), the latent plane with the glyphs' codes, and waiting for the page. A plain browser
 * script (no imports, no exports), read into the page before the widget's own script
 * (lib/pages/script). Node runs the same text too: pageDecoder (lib/pages/decoder) takes
 * decodeLatent from it to check that the page draws the library's glyphs.
 */

/** A decoder as decoderNetwork (lib/pages/decoder) writes it. */
type PageNetwork = Pick<import('../decoder').DecoderNetwork, 'layers'>;

/** The decoder's outputs at the code `z`, in double precision (the library computes in float32). */
function decodeLatent(net: PageNetwork, z: ArrayLike<number>): number[] {
  let h = Array.from(z, Number);
  for (const { weights, biases, activation } of net.layers) {
    h = biases.map((b, j) => {
      let s = b;
      for (let i = 0; i < h.length; i++) s += h[i] * weights[i][j];
      if (activation === 'tanh') return Math.tanh(s);
      if (activation === 'sigmoid') return 1 / (1 + Math.exp(-s));
      if (activation === 'relu') return s > 0 ? s : 0;
      return s;
    });
  }
  return h;
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

/** The colours of wrong pixels, as the notebooks' mosaics draw them (MOSAIC_COLOURS in lib/figures/mosaic). */
interface WrongPixelColours { missing: readonly number[]; extra: readonly number[] }

/**
 * Draws an image of `columns` pixels a row (values in [0, 1], white 0 to black 1, NaN white) as grey
 * squares filling width x height from (left, top), `gap` pixels apart. Given a `target` glyph, a
 * pixel on the wrong side of 0.5 takes the mosaic's colour for missing or extra ink.
 */
function drawGreyImage(ctx: CanvasRenderingContext2D, values: ArrayLike<number>, columns: number, width: number, height: number, gap: number,
  left = 0, top = 0, against?: { target: ArrayLike<number>; colours: WrongPixelColours }): void {
  const rows = Math.ceil(values.length / columns);
  // Edges on whole pixels, so that no seam shows between squares.
  const xAt = (column: number): number => Math.round(left + (column * width) / columns);
  const yAt = (row: number): number => Math.round(top + (row * height) / rows);
  for (let p = 0; p < values.length; p++) {
    const column = p % columns, row = Math.floor(p / columns);
    const grey = Math.round(255 * (1 - Math.min(1, Math.max(0, values[p] || 0))));
    let rgb: readonly number[] = [grey, grey, grey];
    if (against && (values[p] >= 0.5) !== (against.target[p] >= 0.5)) rgb = values[p] >= 0.5 ? against.colours.extra : against.colours.missing;
    ctx.fillStyle = `rgb(${rgb.join(',')})`;
    ctx.fillRect(xAt(column), yAt(row), xAt(column + 1) - xAt(column) - gap, yAt(row + 1) - yAt(row) - gap);
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

/** Calls `move` with the pointer's place on `canvas`, in CSS pixels, as it moves over it or touches it. */
function followPointer(canvas: HTMLCanvasElement, move: (x: number, y: number) => void): void {
  const listener = (event: PointerEvent): void => {
    const rect = canvas.getBoundingClientRect();
    move(event.clientX - rect.left, event.clientY - rect.top);
  };
  canvas.addEventListener('pointermove', listener);
  canvas.addEventListener('pointerdown', listener);
}

/**
 * Hands `find()` to `start` as soon as it is found: a widget's script may run before the page has
 * attached its elements (notebook outputs are not always rendered in order) or loaded what it
 * needs. Gives up after five minutes.
 */
function whenFound<T>(find: () => T | null | undefined, start: (found: T) => void): void {
  const until = Date.now() + 300000;
  (function poll(): void {
    const found = find();
    if (found) start(found);
    else if (Date.now() < until) setTimeout(poll, 50);
  })();
}

/** Hands the element `id` to `start` once the page holds it with `part` inside, and `ready()`. */
function whenAttached(id: string, part: string, start: (root: HTMLElement) => void, ready = (): boolean => true): void {
  whenFound(() => {
    const root = document.getElementById(id);
    return root?.querySelector(part) && ready() ? root : null;
  }, start);
}
