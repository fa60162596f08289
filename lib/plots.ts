/**
 * Pictures for the notebooks: glyph mosaics as crisp PNGs, and Plotly figures that work offline
 * (Notebook 6, JupyterLab, VS Code and nbconvert's HTML export) by shipping plotly.js in an output.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { GLYPH_COLUMNS, GLYPH_ROWS } from './font';
import { notebookDisplay } from './display';
import { encodePng } from './png';


function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const CAPTION_STYLE = 'font: 13px/1.4 system-ui, sans-serif; color: #444; margin: 4px 0 12px 0;';

/**
 * The caption under a figure. `name` (for a PNG shown with displayPng) goes into a
 * `data-figure-name` attribute, so that a report exporter reading the saved notebook can name the
 * image that precedes it; tslab's display cannot attach metadata to the image itself.
 */
function captionHtml(caption: string, name?: string): string {
  const nameAttribute = name === undefined ? '' : ` data-figure-name="${escapeHtml(name)}"`;
  return `<div class="ts-figure-caption"${nameAttribute} style="${CAPTION_STYLE}">${escapeHtml(caption)}</div>`;
}

// ---------------------------------------------------------------------------------------------
// Glyph mosaics

export type Rgb = readonly [number, number, number];

/**
 * Colours of a mosaic. Missing ink is red and extra ink is blue rather than orange: red and blue stay
 * distinguishable for the common red-green colour blindness, and neither is a grey level.
 */
export const MOSAIC_COLOURS: { readonly missing: Rgb; readonly extra: Rgb; readonly background: Rgb } = {
  /** Target pixel on, output below the threshold. */
  missing: [220, 38, 38],
  /** Target pixel off, output at or above the threshold. */
  extra: [37, 99, 235],
  /** Gaps and margins: a light slate, so that a glyph's white cell stands out from its surroundings. */
  background: [203, 213, 225],
};

/** One line of a mosaic: the same kind of image for every glyph (e.g. originals, or reconstructions). */
export interface GlyphImageRow {
  /**
   * One image per glyph: GLYPH_PIXELS values in [0, 1] (1 = ink), row-major like `Glyph.bits`; or
   * imageRows x imageColumns values for other images (see GlyphMosaicOptions).
   */
  images: ReadonlyArray<ArrayLike<number>>;
  /** Target bits per glyph (same order as `images`); when present, wrong pixels are coloured. */
  targets?: ReadonlyArray<ArrayLike<number>>;
  /** Name of the line for the caption (the image itself carries no text). */
  label?: string;
}

export interface GlyphMosaicOptions {
  /** Glyphs per line before wrapping into another band of lines; default min(count, 16). */
  columns?: number;
  /** Screen pixels per glyph pixel (nearest neighbour); default 8. */
  scale?: number;
  /** Pixels between neighbouring glyphs and between the lines of a band; default scale / 2. */
  gap?: number;
  /** Pixels between wrapped bands, larger than `gap` so that each band reads as one group; default 3 * gap. */
  bandGap?: number;
  /** Pixels around the whole mosaic; default gap. */
  margin?: number;
  /** An output pixel counts as ink at or above this value; default 0.5. */
  threshold?: number;
  /** Pixel rows and columns of every image; default GLYPH_ROWS x GLYPH_COLUMNS (7 x 5), e.g. 28 x 28 for MNIST digits. */
  imageRows?: number;
  imageColumns?: number;
}

/** What showGlyphMosaic adds to the mosaic's options. */
export interface ShowGlyphMosaicOptions extends GlyphMosaicOptions {
  /** One line saying what to look at; default glyphMosaicCaption(rows). */
  caption?: string;
  /** Name under which a report exporter saves the image (reports/figures/<notebook>/<name>.png); default `mosaic-N`. */
  name?: string;
}

export interface GlyphMosaicLayout {
  width: number;
  height: number;
  columns: number;
  bands: number;
  scale: number;
  /** Top-left screen pixel of glyph `glyphIndex` in mosaic line `line`. */
  cellOrigin(line: number, glyphIndex: number): { x: number; y: number };
}

const DEFAULT_MOSAIC_COLUMNS = 16;

/**
 * Where everything goes. With columns C and lines L, glyph i of line l sits in band floor(i / C):
 * each band shows the same C glyphs in every line, so an original stays right above its reconstruction.
 */
export function glyphMosaicLayout(glyphCount: number, lineCount: number, options: GlyphMosaicOptions = {}): GlyphMosaicLayout {
  const scale = options.scale ?? 8;
  const gap = options.gap ?? Math.max(1, Math.round(scale / 2));
  const bandGap = options.bandGap ?? 3 * gap;
  const margin = options.margin ?? gap;
  const imageRows = options.imageRows ?? GLYPH_ROWS;
  const imageColumns = options.imageColumns ?? GLYPH_COLUMNS;
  for (const [name, value, minimum] of [['scale', scale, 1], ['gap', gap, 0], ['bandGap', bandGap, 0], ['margin', margin, 0],
    ['imageRows', imageRows, 1], ['imageColumns', imageColumns, 1]] as const) {
    if (!Number.isInteger(value) || value < minimum) throw new RangeError(`mosaic ${name} must be an integer >= ${minimum}, got ${value}`);
  }
  if (!Number.isInteger(glyphCount) || glyphCount < 1) throw new RangeError(`a mosaic needs at least one glyph, got ${glyphCount}`);
  if (!Number.isInteger(lineCount) || lineCount < 1) throw new RangeError(`a mosaic needs at least one line, got ${lineCount}`);
  const requestedColumns = options.columns ?? DEFAULT_MOSAIC_COLUMNS;
  if (!Number.isInteger(requestedColumns) || requestedColumns < 1) throw new RangeError(`mosaic columns must be a positive integer, got ${requestedColumns}`);
  const columns = Math.min(requestedColumns, glyphCount);
  const bands = Math.ceil(glyphCount / columns);
  const cellWidth = imageColumns * scale;
  const cellHeight = imageRows * scale;
  const bandHeight = lineCount * cellHeight + (lineCount - 1) * gap;
  return {
    width: 2 * margin + columns * cellWidth + (columns - 1) * gap,
    height: 2 * margin + bands * bandHeight + (bands - 1) * bandGap,
    columns,
    bands,
    scale,
    cellOrigin(line: number, glyphIndex: number) {
      const band = Math.floor(glyphIndex / columns);
      const column = glyphIndex % columns;
      return {
        x: margin + column * (cellWidth + gap),
        y: margin + band * (bandHeight + bandGap) + line * (cellHeight + gap),
      };
    },
  };
}

/** The colour of one glyph pixel. NaN (a diverged model) draws mid-grey and counts as no ink. */
function glyphPixelColour(value: number, target: number | undefined, threshold: number): Rgb {
  const ink = Number.isNaN(value) ? 0.5 : Math.min(1, Math.max(0, value));
  if (target !== undefined) {
    const isInk = value >= threshold;
    const shouldBeInk = target >= 0.5;
    if (shouldBeInk && !isInk) return MOSAIC_COLOURS.missing;
    if (!shouldBeInk && isInk) return MOSAIC_COLOURS.extra;
  }
  const grey = Math.round(255 * (1 - ink));
  return [grey, grey, grey];
}

/** The mosaic as raw RGBA pixels (see glyphMosaicPng). */
export function glyphMosaicImage(rows: readonly GlyphImageRow[], options: GlyphMosaicOptions = {}): { width: number; height: number; rgba: Uint8Array } {
  const glyphCount = Math.max(0, ...rows.map((row) => row.images.length));
  const layout = glyphMosaicLayout(glyphCount, rows.length, options);
  const threshold = options.threshold ?? 0.5;
  const imageRows = options.imageRows ?? GLYPH_ROWS;
  const imageColumns = options.imageColumns ?? GLYPH_COLUMNS;
  const pixels = imageRows * imageColumns;
  const { width, height, scale } = layout;
  const rgba = new Uint8Array(width * height * 4);
  const [br, bg, bb] = MOSAIC_COLOURS.background;
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = br; rgba[i + 1] = bg; rgba[i + 2] = bb; rgba[i + 3] = 255;
  }
  rows.forEach((row, line) => {
    if (row.targets && row.targets.length !== row.images.length) {
      throw new RangeError(`mosaic line ${line}: ${row.targets.length} targets for ${row.images.length} images`);
    }
    row.images.forEach((image, glyphIndex) => {
      const target = row.targets?.[glyphIndex];
      if (image.length !== pixels || (target && target.length !== pixels)) {
        throw new RangeError(`mosaic line ${line}, glyph ${glyphIndex}: images and targets need ${pixels} values (${imageRows} x ${imageColumns})`);
      }
      const origin = layout.cellOrigin(line, glyphIndex);
      for (let py = 0; py < imageRows; py++) {
        for (let px = 0; px < imageColumns; px++) {
          const pixel = py * imageColumns + px;
          const [r, g, b] = glyphPixelColour(image[pixel], target?.[pixel], threshold);
          for (let dy = 0; dy < scale; dy++) {
            let at = ((origin.y + py * scale + dy) * width + origin.x + px * scale) * 4;
            for (let dx = 0; dx < scale; dx++, at += 4) {
              rgba[at] = r; rgba[at + 1] = g; rgba[at + 2] = b;
            }
          }
        }
      }
    });
  });
  return { width, height, rgba };
}

/**
 * A grid of glyph images as a PNG: grey levels for continuous outputs (white 0 to black 1), each
 * glyph pixel a `scale`-pixel square, and — for lines with targets — red where ink is missing and
 * blue where there is extra ink. For "originals over reconstructions" of 32 glyphs:
 *
 *     glyphMosaicPng([{ label: 'originals', images: bits },
 *                     { label: 'reconstructions', images: outputs, targets: bits }], { columns: 8 })
 */
export function glyphMosaicPng(rows: readonly GlyphImageRow[], options: GlyphMosaicOptions = {}): Uint8Array {
  const image = glyphMosaicImage(rows, options);
  return encodePng(image.width, image.height, image.rgba);
}

/** A one-line caption naming the lines of each band and, when errors are coloured, the colours. */
export function glyphMosaicCaption(rows: readonly GlyphImageRow[]): string {
  const names = rows.map((row, i) => row.label ?? `line ${i + 1}`);
  const parts = [rows.length > 1 ? `Top to bottom in each band: ${names.join(' / ')}.` : `${names[0] ?? ''}.`];
  if (rows.some((row) => row.targets)) parts.push('Red: ink missing; blue: extra ink; grey: output level (black = 1).');
  return parts.join(' ').trim();
}

/**
 * In tslab, shows the PNG and a caption under it and returns nothing, so that a cell ending in this
 * call does not also print the bytes. Outside tslab it shows nothing and returns the bytes.
 * With `name`, the output after the image (the caption, or an empty marker) carries the name for
 * report exporters (see captionHtml).
 */
export function displayPng(bytes: Uint8Array, caption?: string, options: { name?: string } = {}): Uint8Array | undefined {
  const display = notebookDisplay();
  if (!display) return bytes;
  display.png(bytes);
  if (caption || options.name !== undefined) display.html(captionHtml(caption ?? '', options.name));
  return undefined;
}

let mosaicCounter = 0;

/**
 * glyphMosaicPng + displayPng, captioned with glyphMosaicCaption unless a caption is given, and
 * named for report exporters (`name`, default `mosaic-N` counting the mosaics shown in this kernel).
 */
export function showGlyphMosaic(rows: readonly GlyphImageRow[], options: ShowGlyphMosaicOptions = {}): Uint8Array | undefined {
  mosaicCounter++;
  const png = glyphMosaicPng(rows, options);
  return displayPng(png, options.caption ?? glyphMosaicCaption(rows), { name: options.name ?? `mosaic-${mosaicCounter}` });
}

// ---------------------------------------------------------------------------------------------
// Plotly

export type PlotlyTrace = Record<string, unknown>;
export type PlotlyLayout = Record<string, unknown>;
export type PlotlyConfig = Record<string, unknown>;

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout?: PlotlyLayout;
  config?: PlotlyConfig;
}

export interface ShowPlotOptions {
  /** One line saying what to look at, shown under the figure. */
  caption?: string;
  /** Name under which a report exporter finds the figure; default `figure-N`. */
  name?: string;
  /** Height of the plot in CSS pixels; default the layout's height, else 420. */
  height?: number;
}

/** How long a figure waits for window.Plotly before saying so in its place. */
const PLOTLY_WAIT_MS = 10_000;
const PLOTLY_POLL_MS = 50;

let plotlySourceCache: string | undefined;

/** The full plotly.js bundle shipped with plotly.js-dist (about 10 MB, unminified). */
export function plotlySource(): string {
  plotlySourceCache ??= fs.readFileSync(require.resolve('plotly.js-dist'), 'utf8');
  return plotlySourceCache;
}

/**
 * Serialises for embedding inside a <script>: typed arrays become plain arrays (JSON.stringify would
 * turn them into {"0": ...} objects), `<` is escaped so that neither `</script>` nor `<!--` in a string
 * can end or confuse the script element, and U+2028/U+2029 are escaped for pre-ES2019 engines.
 */
export function scriptSafeJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) =>
    ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v);
  if (json === undefined) throw new TypeError('value is not JSON-serialisable');
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The output that makes window.Plotly available. plotly's UMD header prefers CommonJS and AMD over
 * a global, and classic Notebook (and nbconvert's HTML) load RequireJS, whose `define` would swallow
 * Plotly as an anonymous module (or fail with "Mismatched anonymous define()"). So the script hides
 * define/module/exports while plotly runs and restores them afterwards, even if plotly throws.
 * An existing window.Plotly (another output, a Plotly extension) is kept rather than replaced.
 */
export function plotlyLoaderHtml(source: string = plotlySource()): string {
  // Inside strings and regexes `<\/` means `</`; only a literal `</script` could end the element.
  const safeSource = source.replace(/<\/(script)/gi, '<\\/$1');
  return [
    '<script type="text/javascript">',
    '(function () {',
    '  if (typeof window.Plotly !== "undefined") return;',
    '  var names = ["define", "module", "exports"], hidden = {};',
    '  names.forEach(function (name) {',
    '    hidden[name] = { present: name in window, value: window[name] };',
    '    window[name] = undefined;',
    '  });',
    '  try {',
    safeSource,
    '  } finally {',
    '    names.forEach(function (name) {',
    // A global that was absent is deleted again, so `name in window` checks elsewhere stay false.
    '      if (hidden[name].present) window[name] = hidden[name].value; else delete window[name];',
    '    });',
    '  }',
    '})();',
    '</script>',
  ].join('\n');
}

let plotlyInjected = false;

/**
 * Shows the plotly.js loader once per kernel: the flag lives in this module, so re-running a cell
 * does not emit another 10 MB output, while a new kernel (new process) emits it again.
 *
 * Call it in an early cell of its own. If it is only triggered by the first showPlot, re-running that
 * cell clears the loader output; the live page keeps window.Plotly, but a saved or exported notebook
 * would no longer contain plotly.js. Restart & Run All (or nbconvert --execute) always re-creates it;
 * `force` re-emits it in the current kernel. Outside tslab this does nothing.
 */
export function ensurePlotly(options: { force?: boolean } = {}): void {
  if (plotlyInjected && !options.force) return;
  const display = notebookDisplay();
  if (!display) return;
  display.html(plotlyLoaderHtml());
  plotlyInjected = true;
}

/** The loader as a string, for an exporter that writes its own HTML page; shows nothing. */
export function plotlyScriptTag(): string {
  return plotlyLoaderHtml();
}

/**
 * The output for one figure: a div that says what is wrong until Plotly draws into it (if scripts do
 * not run at all, e.g. in an untrusted notebook, that text stays visible), a caption, and a script that
 * waits for window.Plotly. Waiting matters because outputs are not always rendered in order, and the
 * div may not be attached to the page yet when the script runs.
 *
 * Jupyter runs these scripts only for trusted outputs: the executing session's outputs, and notebooks
 * the user saved (signed). JupyterLab shows an untrusted notebook's scripts only after "Trust Notebook".
 *
 * `name` becomes the div's `data-figure-name`, which report exporters use to name the figure's files.
 */
export function plotHtml(figure: PlotlyFigure, id: string, caption?: string, height = 420, name?: string): string {
  const payload = {
    data: figure.data,
    layout: figure.layout ?? {},
    config: { responsive: true, displaylogo: false, ...figure.config },
  };
  const idJson = scriptSafeJson(id);
  const waiting = 'Interactive figure: it needs JavaScript, plotly.js (run ensurePlotly() or Restart &amp; Run All) '
    + 'and a trusted notebook (JupyterLab: Trust Notebook).';
  return [
    `<div id="${escapeHtml(id)}" class="ts-plotly"${name === undefined ? '' : ` data-figure-name="${escapeHtml(name)}"`}`
      + ` style="width: 100%; height: ${Math.round(height)}px;">`,
    `<p style="${CAPTION_STYLE} color: #a33;">${waiting}</p>`,
    '</div>',
    caption ? captionHtml(caption) : '',
    '<script type="text/javascript">',
    '(function () {',
    `  var id = ${idJson};`,
    `  var figure = ${scriptSafeJson(payload)};`,
    '  var started = Date.now(), warned = false;',
    '  function draw() {',
    '    var div = document.getElementById(id);',
    '    if (div && window.Plotly) {',
    '      div.textContent = "";',
    '      window.Plotly.newPlot(div, figure.data, figure.layout, figure.config);',
    '      return;',
    '    }',
    '    var waited = Date.now() - started;',
    `    if (div && !warned && waited > ${PLOTLY_WAIT_MS}) {`,
    '      warned = true;',
    '      div.firstElementChild && (div.firstElementChild.textContent = "plotly.js has not loaded: run the cell with ensurePlotly() (or Restart & Run All), then re-run this cell.");',
    '    }',
    // Keeps listening, slowly, in case the loader output renders late (e.g. a lazily rendered page).
    `    if (waited < 300000) setTimeout(draw, warned ? 1000 : ${PLOTLY_POLL_MS});`,
    '  }',
    '  draw();',
    '})();',
    '</script>',
  ].join('\n');
}

interface ShownFigure {
  name: string;
  figure: PlotlyFigure;
}

const figureRegistry: ShownFigure[] = [];
let figureCounter = 0;
/** Random per process: ids must not collide with outputs of an earlier kernel still on the page. */
const sessionTag = randomBytes(4).toString('hex');

/**
 * Shows a figure in tslab (loading plotly.js first if this kernel has not) and records it for
 * shownFigures(). Outside tslab it only records it, so scripts can export the same figures.
 */
export function showPlot(figure: PlotlyFigure, options: ShowPlotOptions = {}): void {
  figureCounter++;
  const name = options.name ?? `figure-${figureCounter}`;
  // A copy as JSON sees it: later changes to the caller's arrays do not change what was shown.
  const snapshot = JSON.parse(scriptSafeJson(figure)) as PlotlyFigure;
  const existing = figureRegistry.findIndex((entry) => entry.name === name);
  // Re-running a cell replaces its named figure instead of exporting both versions.
  if (existing >= 0) figureRegistry[existing] = { name, figure: snapshot };
  else figureRegistry.push({ name, figure: snapshot });

  const display = notebookDisplay();
  if (!display) return;
  ensurePlotly();
  const layoutHeight = typeof figure.layout?.height === 'number' ? figure.layout.height : undefined;
  const id = `ts-plot-${sessionTag}-${figureCounter}`;
  display.html(plotHtml(figure, id, options.caption, options.height ?? layoutHeight ?? 420, name));
}

/** Figures shown in this kernel, in order, as JSON-ready copies. */
export function shownFigures(): { name: string; figure: PlotlyFigure }[] {
  return figureRegistry.map((entry) => ({ name: entry.name, figure: entry.figure }));
}

/** Forgets the shown figures (e.g. before a fresh export run). */
export function clearShownFigures(): void {
  figureRegistry.length = 0;
}

// ---------------------------------------------------------------------------------------------
// Figure builders: thin, typed wrappers that return plain figures and show nothing.

function axisTitle(text: string | undefined): { title?: { text: string } } {
  return text ? { title: { text } } : {};
}

function baseLayout(title: string | undefined, xTitle: string | undefined, yTitle: string | undefined): PlotlyLayout {
  return {
    ...(title ? { title: { text: title } } : {}),
    xaxis: { ...axisTitle(xTitle), zeroline: false },
    yaxis: { ...axisTitle(yTitle), zeroline: false },
    margin: { l: 60, r: 20, t: title ? 50 : 20, b: 50 },
    hovermode: 'closest',
  };
}

export interface LineSeries {
  name: string;
  /** Default 1, 2, ... (e.g. epochs). */
  x?: ArrayLike<number>;
  y: ArrayLike<number>;
  dash?: 'solid' | 'dot' | 'dash' | 'dashdot';
}

export interface LineChartSpec {
  series: LineSeries[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Log-scale y, e.g. for losses spanning orders of magnitude. */
  logY?: boolean;
}

export function lineChart(spec: LineChartSpec): PlotlyFigure {
  const layout = baseLayout(spec.title, spec.xTitle, spec.yTitle);
  if (spec.logY) (layout.yaxis as Record<string, unknown>).type = 'log';
  return {
    data: spec.series.map((s) => ({
      type: 'scatter',
      mode: 'lines',
      name: s.name,
      x: s.x ? Array.from(s.x) : Array.from({ length: s.y.length }, (_, i) => i + 1),
      y: Array.from(s.y),
      ...(s.dash ? { line: { dash: s.dash } } : {}),
    })),
    layout,
  };
}

export interface ScatterSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Per-point labels drawn next to the markers (e.g. the glyph's character). */
  text?: readonly string[];
  /** Per-point hover text; default `text`. */
  hover?: readonly string[];
  markerSize?: number;
}

export interface ScatterChartSpec {
  series: ScatterSeries[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Draw `text` next to the markers; default true when a series has text. */
  showText?: boolean;
  /** Same scale on both axes, for latent spaces where distances matter. */
  equalAspect?: boolean;
}

export function scatterChart(spec: ScatterChartSpec): PlotlyFigure {
  const layout = baseLayout(spec.title, spec.xTitle, spec.yTitle);
  if (spec.equalAspect) Object.assign(layout.yaxis as Record<string, unknown>, { scaleanchor: 'x', scaleratio: 1 });
  return {
    data: spec.series.map((s) => {
      const hover = s.hover ?? s.text;
      const labelled = s.text !== undefined && spec.showText !== false;
      return {
        type: 'scatter',
        mode: labelled ? 'markers+text' : 'markers',
        name: s.name,
        x: Array.from(s.x),
        y: Array.from(s.y),
        marker: { size: s.markerSize ?? 8 },
        ...(s.text ? { text: [...s.text], textposition: 'top center' } : {}),
        ...(hover ? { hovertext: [...hover] } : {}),
      };
    }),
    layout,
  };
}

export interface HeatmapSpec {
  /** Rows of values; z[i][j] is drawn at (x[j], y[i]). */
  z: ReadonlyArray<ArrayLike<number>>;
  x?: ReadonlyArray<number | string>;
  y?: ReadonlyArray<number | string>;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Plotly colour scale name; default 'Viridis'. */
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  /** Put the first row at the top, as in images and matrices. */
  firstRowOnTop?: boolean;
}

export function heatmap(spec: HeatmapSpec): PlotlyFigure {
  const layout = baseLayout(spec.title, spec.xTitle, spec.yTitle);
  if (spec.firstRowOnTop) (layout.yaxis as Record<string, unknown>).autorange = 'reversed';
  return {
    data: [{
      type: 'heatmap',
      z: spec.z.map((row) => Array.from(row)),
      ...(spec.x ? { x: [...spec.x] } : {}),
      ...(spec.y ? { y: [...spec.y] } : {}),
      colorscale: spec.colorscale ?? 'Viridis',
      ...(spec.zmin !== undefined ? { zmin: spec.zmin } : {}),
      ...(spec.zmax !== undefined ? { zmax: spec.zmax } : {}),
    }],
    layout,
  };
}
