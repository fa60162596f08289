/**
 * The latent explorer in the page: the plane on a canvas, shaded by how far its decoded glyph is from
 * every training glyph, and under the pointer the decoded glyph, the nearest training glyph, its
 * distance and the decoder's confidence. A plain browser script after widget.js; latentExplorerHtml
 * (lib/pages/explorer) writes the page and calls startLatentExplorer.
 */

/** What latentExplorerHtml puts in the page. */
interface LatentExplorerData {
  net: PageNetwork;
  /** The training glyphs, 0/1 pixels, their names and their codes. */
  glyphs: number[][];
  labels: string[];
  codes: number[][];
  box: PlaneBox;
  minDistance: number;
  /** The plane's background by verdict. */
  shades: { near: string; variant: string; fresh: string };
  marks: { point: number[]; label: string }[];
  rows: number;
  columns: number;
  /** Side of the plane in CSS pixels. */
  size: number;
}

/** The glyph with the fewest pixels different from `probabilities` read at 0.5 (the first one on ties), and that count. */
function nearestGlyphOf(probabilities: ArrayLike<number>, glyphs: number[][]): { index: number; distance: number } {
  let index = 0, distance = Infinity;
  glyphs.forEach((glyph, g) => {
    let d = 0;
    for (let p = 0; p < glyph.length; p++) if ((probabilities[p] >= 0.5 ? 1 : 0) !== glyph[p]) d++;
    if (d < distance) { index = g; distance = d; }
  });
  return { index, distance };
}

/** Starts the explorer in the element `id` once the page has attached it. */
function startLatentExplorer(id: string, data: LatentExplorerData): void {
  whenAttached(id, 'canvas.ae-plane', (root) => runLatentExplorer(root, data));
}

function runLatentExplorer(root: HTMLElement, data: LatentExplorerData): void {
  const { size, box } = data;
  const plane = root.querySelector('canvas.ae-plane') as HTMLCanvasElement;
  const info = root.querySelector('.ae-info') as HTMLElement;
  const [width, height] = [data.columns * 22, data.rows * 22];
  const planeCtx = sharpCanvas(plane, size, size);
  const decodedCtx = sharpCanvas(root.querySelector('canvas.ae-decoded') as HTMLCanvasElement, width, height);
  const nearestCtx = sharpCanvas(root.querySelector('canvas.ae-nearest') as HTMLCanvasElement, width / 2, height / 2);
  const { toScreen, toLatent } = planeView(box, size);
  const verdict = (distance: number): 'near' | 'variant' | 'fresh' => (distance <= 1 ? 'near' : distance >= data.minDistance ? 'fresh' : 'variant');

  // The background: how far the decoded glyph is from every training glyph, on a coarse grid.
  const verdicts = { near: 'a training glyph', variant: 'a variant', fresh: 'a new glyph' };
  const resolution = 64, background = document.createElement('canvas');
  background.width = resolution; background.height = resolution;
  const bg = background.getContext('2d') as CanvasRenderingContext2D;
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const z = toLatent((c + 0.5) / resolution * size, (r + 0.5) / resolution * size);
      bg.fillStyle = data.shades[verdict(nearestGlyphOf(decodeLatent(data.net, z), data.glyphs).distance)];
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
    const probabilities = decodeLatent(data.net, z);
    const near = nearestGlyphOf(probabilities, data.glyphs);
    const confidence = probabilities.reduce((sum, p) => sum + Math.abs(2 * p - 1), 0) / probabilities.length;
    drawPlane(z);
    drawGreyImage(decodedCtx, probabilities, data.columns, width, height, 1);
    drawGreyImage(nearestCtx, data.glyphs[near.index], data.columns, width / 2, height / 2, 1);
    info.textContent = `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})  ·  nearest training glyph: "${data.labels[near.index]}", ` +
      `${near.distance} pixel${near.distance === 1 ? '' : 's'} away (${verdicts[verdict(near.distance)]})  ·  decoder confidence ${confidence.toFixed(2)}`;
    root.setAttribute('data-nearest', data.labels[near.index]);
    root.setAttribute('data-distance', String(near.distance));
  }

  followPointer(plane, (x, y) => show(toLatent(x, y)));
  show(data.marks.length ? data.marks[0].point : data.codes[0]);
  root.setAttribute('data-ready', 'true');
}
