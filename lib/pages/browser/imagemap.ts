/**
 * The latent map's image panel in the page: once Plotly has drawn the map, draws the image of the
 * hovered (or clicked, on touch screens) point on the canvas beside it, straight from the images'
 * sprite. A plain browser script after widget.js; imageMapHtml (lib/pages/imagemap) writes the page
 * and calls startImageMap. Marks the panel with data-shown="<position>" (for tests).
 */

/** What imageMapHtml puts in the page. */
interface ImageMapData {
  /** Every image (`count` of them) in one grey PNG (255 = ink), `perRow` images of rows x cols a row, in base64 (imageSpritePng). */
  sprite: string;
  perRow: number;
  count: number;
  rows: number;
  cols: number;
  idPrefix: string;
}

/** The part of a Plotly point and a drawn Plotly div this script reads; customdata is [position, id]. */
interface ImageMapPoint { x: number; y: number; customdata?: number[]; data: { name: string } }
type ImageMapPlot = HTMLElement & {
  on?: (event: string, listener: (event: { points?: ImageMapPoint[] }) => void) => void;
  data?: { name: string; customdata?: number[][] }[];
};

/** Decodes the sprite, then hooks the panel `panelId` to the Plotly figure `plotId` once Plotly has drawn it. */
function startImageMap(plotId: string, panelId: string, data: ImageMapData): void {
  const sprite = new Image();
  sprite.src = 'data:image/png;base64,' + data.sprite;
  sprite.decode().then(() => hookImageMap(plotId, panelId, data, sprite), () => {
    const info = document.querySelector('#' + panelId + ' .ae-map-info');
    if (info) info.textContent = 'the images did not load: this browser could not decode their PNG';
  });
}

function hookImageMap(plotId: string, panelId: string, data: ImageMapData, sprite: HTMLImageElement): void {
  function show(panel: HTMLElement, position: number, caption: string): void {
    const canvas = panel.querySelector('canvas') as HTMLCanvasElement, ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    ctx.imageSmoothingEnabled = false;
    ctx.globalCompositeOperation = 'copy';
    ctx.drawImage(sprite, (position % data.perRow) * data.cols, Math.floor(position / data.perRow) * data.rows, data.cols, data.rows,
      0, 0, canvas.width, canvas.height);
    // The sprite's ink is bright; drawn here, as everywhere else, ink is dark.
    ctx.globalCompositeOperation = 'difference';
    ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.globalCompositeOperation = 'source-over';
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
  });
}
