/**
 * The latent map with the hovered image beside it, as a page: the Plotly figure (lib/figures/imagemap)
 * and a panel that its browser script (lib/pages/browser/imagemap) draws into.
 */
import { randomBytes } from 'node:crypto';
import { showHtml } from '../display';
import { ImageMapSpec, imageMapFigure } from '../figures/imagemap';
import { plotHtml } from '../figures/plotly';
import { pageScriptElement } from './script';

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
  const data: ImageMapData = { images: imagesToBase64(spec.images, pixels), rows: spec.rows, cols: spec.cols, idPrefix: spec.idPrefix ?? '#' };
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
