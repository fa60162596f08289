/**
 * The latent map's image panel in the page: once Plotly has drawn the map, draws the image of the
 * hovered (or clicked, on touch screens) point on the canvas beside it. A plain browser script after
 * widget.js (drawGreyImage, whenFound); imageMapHtml (lib/pages/imagemap) writes the page and calls
 * startImageMap, which first decodes the images' sprite. Marks the panel with data-shown="<position>" (for tests).
 */

/** What imageMapHtml puts in the page. */
interface ImageMapData {
  /** Every image in one grey PNG (255 = ink), `perRow` images of rows x cols a row, in base64 (imageSpritePng). */
  sprite: string;
  perRow: number;
  count: number;
  rows: number;
  cols: number;
  idPrefix: string;
}

/** The sprite's images, one byte per pixel in order, once the browser has decoded the PNG. */
function decodeSprite(data: ImageMapData, panelId: string, done: (bytes: Uint8Array) => void): void {
  const image = new Image();
  image.onload = (): void => {
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
    ctx.drawImage(image, 0, 0);
    const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data, size = data.rows * data.cols;
    const bytes = new Uint8Array(data.count * size);
    for (let i = 0; i < data.count; i++) {
      const left = (i % data.perRow) * data.cols, top = Math.floor(i / data.perRow) * data.rows;
      for (let p = 0; p < size; p++) bytes[i * size + p] = rgba[((top + Math.floor(p / data.cols)) * canvas.width + left + (p % data.cols)) * 4];
    }
    done(bytes);
  };
  image.onerror = (): void => {
    const info = document.querySelector('#' + panelId + ' .ae-map-info');
    if (info) info.textContent = 'the images did not load: this browser could not decode their PNG';
  };
  image.src = 'data:image/png;base64,' + data.sprite;
}

/** The part of a Plotly point and a drawn Plotly div this script reads; customdata is [position, id]. */
interface ImageMapPoint { x: number; y: number; customdata?: number[]; data: { name: string } }
type ImageMapPlot = HTMLElement & {
  on?: (event: string, listener: (event: { points?: ImageMapPoint[] }) => void) => void;
  data?: { name: string; customdata?: number[][] }[];
};

/** Hooks the panel `panelId` to the Plotly figure `plotId` once Plotly has drawn it. */
function startImageMap(plotId: string, panelId: string, data: ImageMapData): void {
  decodeSprite(data, panelId, (bytes) => hookImageMap(plotId, panelId, data, bytes));
}

function hookImageMap(plotId: string, panelId: string, data: ImageMapData, bytes: Uint8Array): void {
  const size = data.rows * data.cols;

  function show(panel: HTMLElement, position: number, caption: string): void {
    const canvas = panel.querySelector('canvas') as HTMLCanvasElement, ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const image = Array.from(bytes.subarray(position * size, (position + 1) * size), (b) => b / 255);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawGreyImage(ctx, image, data.cols, canvas.width, canvas.height, 0);
    (panel.querySelector('.ae-map-info') as HTMLElement).textContent = caption;
    panel.setAttribute('data-shown', String(position));
  }

  whenFound(() => {
    const div = document.getElementById(plotId) as ImageMapPlot | null, panel = document.getElementById(panelId);
    return div && panel && typeof div.on === 'function' && div.data ? { div, panel } : null;
  }, ({ div, panel }) => {
    const onPoint = (event: { points?: ImageMapPoint[] }): void => {
      const point = event && event.points && event.points[0];
      if (!point || !point.customdata) return;
      show(panel, point.customdata[0], point.data.name + ' · ' + data.idPrefix + point.customdata[1] +
        ' · z = (' + point.x.toFixed(2) + ', ' + point.y.toFixed(2) + ')');
    };
    div.on!('plotly_hover', onPoint);
    div.on!('plotly_click', onPoint);
    const first = div.data![0];
    const ready = (): void => {
      if (first && first.customdata && first.customdata.length) {
        show(panel, first.customdata[0][0], 'hover over a point · ' + first.name + ' · ' + data.idPrefix + first.customdata[0][1]);
      }
      panel.setAttribute('data-ready', 'true');
    };
    // Plotly sized the figure while the panel beside it did not exist yet: fit it to its column now.
    // The resize lands on a timer of Plotly's, so the panel is ready (and points stay put) after it.
    const plotly = (window as unknown as { Plotly?: { Plots?: { resize?: (div: HTMLElement) => unknown } } }).Plotly;
    const resized = plotly && plotly.Plots && plotly.Plots.resize ? plotly.Plots.resize(div) as Promise<unknown> | undefined : undefined;
    if (resized && typeof resized.then === 'function') resized.then(ready, ready);
    else ready();
  }, 300000, 100);
}
