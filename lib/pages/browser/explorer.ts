/**
 * The latent explorer in the page: the plane on a canvas, shaded by how far its decoded glyph is from
 * every training glyph, and under the pointer the decoded glyph, the nearest training glyph, its
 * distance and the decoder's confidence. A plain browser script after widget.js (decodeLatent,
 * thresholdPixels, nearestGlyphOf, sharpCanvas, drawGreyImage, planeView, drawLatentCodes, drawCrossHair, whenFound); latentExplorerHtml
 * (lib/pages/explorer) writes the page and calls startLatentExplorer.
 */

/** What latentExplorerHtml puts in the page. */
interface LatentExplorerData {
  net: PageNetwork;
  /** The training glyphs, 0/1 pixels, and their names. */
  glyphs: number[][];
  labels: string[];
  codes: number[][];
  box: { xMin: number; xMax: number; yMin: number; yMax: number };
  minDistance: number;
  marks: { point: number[]; label: string }[];
  rows: number;
  columns: number;
  /** Side of the plane in CSS pixels. */
  size: number;
}

/** Starts the explorer in the element `id` once the page has attached it. */
function startLatentExplorer(id: string, data: LatentExplorerData): void {
  whenFound(() => {
    const root = document.getElementById(id);
    return root && root.querySelector('canvas.ae-plane') ? root : null;
  }, (root) => runLatentExplorer(root, data), 10000, 50);
}

function runLatentExplorer(root: HTMLElement, data: LatentExplorerData): void {
  const size = data.size, box = data.box;
  const plane = root.querySelector('canvas.ae-plane') as HTMLCanvasElement;
  const decoded = root.querySelector('canvas.ae-decoded') as HTMLCanvasElement;
  const nearest = root.querySelector('canvas.ae-nearest') as HTMLCanvasElement;
  const info = root.querySelector('.ae-info') as HTMLElement;
  const cell = 22;
  const planeCtx = sharpCanvas(plane, size, size);
  const decodedCtx = sharpCanvas(decoded, data.columns * cell, data.rows * cell);
  const nearestCtx = sharpCanvas(nearest, data.columns * cell / 2, data.rows * cell / 2);
  const { toScreen, toLatent } = planeView(box, size);

  // The background: how far the decoded glyph is from every training glyph, on a coarse grid.
  const shades = { near: '#ffffff', variant: '#e2e8f0', fresh: '#fde68a' };
  const resolution = 64, background = document.createElement('canvas');
  background.width = resolution; background.height = resolution;
  const bg = background.getContext('2d') as CanvasRenderingContext2D;
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const z = toLatent((c + 0.5) / resolution * size, (r + 0.5) / resolution * size);
      const d = nearestGlyphOf(thresholdPixels(decodeLatent(data.net, z)), data.glyphs).distance;
      bg.fillStyle = d <= 1 ? shades.near : d >= data.minDistance ? shades.fresh : shades.variant;
      bg.fillRect(c, r, 1, 1);
    }
  }

  function drawPlane(pointer: number[]): void {
    const ctx = planeCtx;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(background, 0, 0, size, size);
    drawLatentCodes(ctx, box, size, data.codes, data.labels);
    for (const mark of data.marks) {
      const t = toScreen(mark.point);
      ctx.fillStyle = '#b45309'; ctx.beginPath();
      ctx.moveTo(t[0], t[1] - 6); ctx.lineTo(t[0] + 6, t[1]); ctx.lineTo(t[0], t[1] + 6); ctx.lineTo(t[0] - 6, t[1]); ctx.closePath(); ctx.fill();
      ctx.fillText(mark.label, t[0], t[1] + 18);
    }
    drawCrossHair(ctx, box, size, pointer);
  }

  function show(z: number[]): void {
    const probabilities = decodeLatent(data.net, z), pixels = thresholdPixels(probabilities);
    const near = nearestGlyphOf(pixels, data.glyphs);
    let confidence = 0;
    for (const p of probabilities) confidence += Math.abs(2 * p - 1);
    confidence /= probabilities.length;
    drawPlane(z);
    const [width, height] = [data.columns * cell, data.rows * cell];
    decodedCtx.fillStyle = '#cbd5e1'; decodedCtx.fillRect(0, 0, width, height);
    drawGreyImage(decodedCtx, probabilities, data.columns, width, height, 1);
    nearestCtx.fillStyle = '#cbd5e1'; nearestCtx.fillRect(0, 0, width / 2, height / 2);
    drawGreyImage(nearestCtx, data.glyphs[near.index], data.columns, width / 2, height / 2, 1);
    const verdict = near.distance <= 1 ? 'a training glyph' : near.distance >= data.minDistance ? 'a new glyph' : 'a variant';
    info.textContent = 'z = (' + z[0].toFixed(2) + ', ' + z[1].toFixed(2) + ')  ·  nearest training glyph: "' +
      data.labels[near.index] + '", ' + near.distance + ' pixel' + (near.distance === 1 ? '' : 's') + ' away (' + verdict +
      ')  ·  decoder confidence ' + confidence.toFixed(2);
    root.setAttribute('data-nearest', data.labels[near.index]);
    root.setAttribute('data-distance', String(near.distance));
  }

  function onPointer(event: PointerEvent): void {
    const rect = plane.getBoundingClientRect();
    show(toLatent(event.clientX - rect.left, event.clientY - rect.top));
  }
  plane.addEventListener('pointermove', onPointer);
  plane.addEventListener('pointerdown', onPointer);
  show(data.marks.length ? data.marks[0].point : data.codes[0]);
  root.setAttribute('data-ready', 'true');
}
