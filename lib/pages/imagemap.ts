/**
 * The latent map with the hovered image beside it, as a page: the Plotly figure (lib/figures/imagemap)
 * and a panel that its browser script (lib/pages/browser/imagemap) draws into.
 */
import { randomBytes } from 'node:crypto';
import { showHtml } from '../display';
import { ImageMapSpec, imageMapFigure } from '../figures/imagemap';
import { plotHtml } from '../figures/plotly';
import { encodePng } from '../png';
import { pageScriptElement } from './script';

/** Where image i sits in a sprite of `perRow` images a row: its top-left pixel. */
export function spriteCell(i: number, perRow: number, rows: number, cols: number): { x: number; y: number } {
  return { x: (i % perRow) * cols, y: Math.floor(i / perRow) * rows };
}

/**
 * Images side by side in one grey PNG (ink bright: a pixel value v is grey round(255 v)), `perRow`
 * to a row, so that the sheet is about square: deflate then squeezes the empty paper of the
 * images (most of an MNIST digit) as no list of bytes does, and a browser decodes it natively.
 */
export function imageSpritePng(images: ReadonlyArray<ArrayLike<number>>, rows: number, cols: number): { png: Uint8Array; perRow: number } {
  if (images.length === 0) throw new RangeError('imageSpritePng: no images.');
  const pixels = rows * cols;
  const perRow = Math.max(1, Math.ceil(Math.sqrt((images.length * rows) / cols)));
  const width = perRow * cols;
  const height = Math.ceil(images.length / perRow) * rows;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  images.forEach((image, i) => {
    if (image.length !== pixels) throw new RangeError(`imageSpritePng: image ${i} has ${image.length} values, not ${pixels} (${rows} x ${cols}).`);
    const cell = spriteCell(i, perRow, rows, cols);
    for (let p = 0; p < pixels; p++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, image[p] || 0)));
      const at = ((cell.y + Math.floor(p / cols)) * width + cell.x + (p % cols)) * 4;
      rgba[at] = v; rgba[at + 1] = v; rgba[at + 2] = v;
    }
  });
  return { png: encodePng(width, height, rgba), perRow };
}

/**
 * The latent map with the hovered image beside it: a Plotly scatter (one colour per class) and a
 * canvas that draws the image of the point under the pointer (or the last one clicked, on touch
 * screens). The images travel inside the page (one grey PNG of them all, see imageSpritePng), so it
 * works offline, in the HTML export too. Needs window.Plotly (ensurePlotly()).
 */
export function imageMapHtml(spec: ImageMapSpec): string {
  const figure = imageMapFigure(spec);
  const tag = randomBytes(6).toString('hex');
  const plotId = `ae-map-${tag}`;
  const panelId = `ae-map-panel-${tag}`;
  const side = spec.imageSize ?? 140;
  const ratio = spec.cols / spec.rows;
  const sprite = imageSpritePng(spec.images, spec.rows, spec.cols);
  const data: ImageMapData = {
    sprite: Buffer.from(sprite.png).toString('base64'), perRow: sprite.perRow, count: spec.images.length,
    rows: spec.rows, cols: spec.cols, idPrefix: spec.idPrefix ?? '#',
  };
  return [
    '<div style="display:flex; gap:16px; align-items:flex-start;">',
    `<div style="flex:1 1 0; min-width:0;">${plotHtml(figure, plotId, spec.caption, spec.height ?? 520, spec.name ?? 'image-map')}</div>`,
    `<div id="${panelId}" class="ae-map-panel" style="flex:0 0 ${Math.max(side, 160)}px; font: 13px/1.4 system-ui, sans-serif; color:#0f172a; padding-top:40px;">`,
    '<div style="margin-bottom:4px;">the image under the pointer</div>',
    `<canvas width="${Math.round(side * ratio)}" height="${side}" style="border:1px solid #94a3b8; background:#f1f5f9; image-rendering: pixelated;"></canvas>`,
    '<div class="ae-map-info" style="margin-top:4px; min-height:2.8em;">needs JavaScript (and, in Jupyter, a trusted notebook)</div>',
    '</div></div>',
    pageScriptElement('imagemap', 'startImageMap', [plotId, panelId, data]),
  ].join('\n');
}

/** Shows imageMapHtml in tslab and returns nothing; elsewhere returns the HTML. */
export function showImageMap(spec: ImageMapSpec): string | undefined {
  return showHtml(imageMapHtml(spec));
}
