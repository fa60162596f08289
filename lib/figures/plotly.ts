/**
 * Plotly figures that work offline (Notebook 6, JupyterLab, VS Code and nbconvert's HTML export) by
 * shipping a minified plotly.js once per notebook, in the setup cell's output (ensurePlotly); and the
 * registry of shown figures that report exporters read.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { escapeHtml, notebookDisplay, packedBundleElement } from '../display';
import { CAPTION_STYLE, captionHtml } from './caption';

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

/**
 * Which official minified plotly.js build goes into notebooks: `cartesian` (the partial bundle
 * plotly.js-cartesian-dist-min, about 1.4 MB, with every trace type the library draws: scatter and
 * heatmap) or `full` (plotly.js-dist-min, about 4.6 MB, every trace type; install it first).
 */
export type PlotlyBundle = 'cartesian' | 'full';

/** The environment variable that picks the bundle when no `bundle` option is given. */
export const PLOTLY_BUNDLE_ENV = 'AE_PLOTLY_BUNDLE';

const BUNDLE_PACKAGES: Record<PlotlyBundle, string> = {
  cartesian: 'plotly.js-cartesian-dist-min',
  full: 'plotly.js-dist-min',
};

/** The bundle asked for by AE_PLOTLY_BUNDLE, `cartesian` when it is unset or empty. */
export function plotlyBundleFromEnv(env: NodeJS.ProcessEnv = process.env): PlotlyBundle {
  const value = (env[PLOTLY_BUNDLE_ENV] ?? '').trim();
  if (value === '') return 'cartesian';
  if (value === 'cartesian' || value === 'full') return value;
  throw new RangeError(`${PLOTLY_BUNDLE_ENV}=${JSON.stringify(value)}: expected "cartesian" (the default) or "full".`);
}

const plotlySourceCache = new Map<PlotlyBundle, string>();

/** The minified plotly.js of `bundle` (default: AE_PLOTLY_BUNDLE, else `cartesian`), as text. */
export function plotlySource(bundle: PlotlyBundle = plotlyBundleFromEnv()): string {
  const cached = plotlySourceCache.get(bundle);
  if (cached !== undefined) return cached;
  if (!Object.hasOwn(BUNDLE_PACKAGES, bundle)) throw new RangeError(`plotly.js bundle ${JSON.stringify(bundle)}: expected "cartesian" or "full".`);
  const pkg = BUNDLE_PACKAGES[bundle];
  let file: string;
  try {
    file = require.resolve(pkg);
  } catch {
    // The full bundle is not a dependency: one plotly package in package.json, the partial one.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version = (require(`${BUNDLE_PACKAGES.cartesian}/package.json`) as { version: string }).version;
    throw new Error(`plotly.js bundle "${bundle}" needs the package ${pkg}, which is not installed: `
      + `run \`npm install --no-save ${pkg}@${version}\`.`);
  }
  const source = fs.readFileSync(file, 'utf8');
  plotlySourceCache.set(bundle, source);
  return source;
}

/**
 * Serialises for embedding inside a <script>: typed arrays become plain arrays (JSON.stringify would
 * turn them into {"0": ...} objects), `<` is escaped so that neither `</script>` nor `<!--` in a string
 * can end or confuse the script element, and U+2028/U+2029 are escaped for pre-ES2019 engines.
 */
export function scriptSafeJson(value: unknown): string {
  return scriptJson(value, (v) => v);
}

function scriptJson(value: unknown, number: (v: number) => number): string {
  const json = JSON.stringify(value, (_key, v: unknown) =>
    ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>)
      : typeof v === 'number' ? number(v) : v);
  if (json === undefined) throw new TypeError('value is not JSON-serialisable');
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Significant digits of the fractional numbers a figure's output carries (see plotNumber). */
export const PLOT_DIGITS = 6;

/**
 * A number as a figure's output carries it: integers as they are, others to PLOT_DIGITS significant
 * digits. A float32 loss printed in full takes 18 characters for a point a screen shows to 1 part in
 * 1 000; 6 digits are a thousand times finer than any axis draws, and take half the room.
 */
export function plotNumber(v: number): number {
  return Number.isInteger(v) || !Number.isFinite(v) ? v : Number(v.toPrecision(PLOT_DIGITS));
}

/**
 * The output that makes window.Plotly available. plotly's UMD header prefers CommonJS and AMD over
 * a global, and classic Notebook (and nbconvert's HTML) load RequireJS, whose `define` would swallow
 * Plotly as an anonymous module (or fail with "Mismatched anonymous define()"). So the script hides
 * define/module/exports while plotly runs and restores them afterwards, even if plotly throws.
 * An existing window.Plotly (another output, a Plotly extension) is kept rather than replaced.
 * The bundle travels gzip-compressed (packedBundleElement): it is most of a notebook's bytes.
 */
export function plotlyLoaderHtml(source: string = plotlySource()): string {
  return packedBundleElement(source, 'typeof window.Plotly !== "undefined"', plotlyBanner(source));
}

/** The bundle's licence comment on one line: "plotly.js (cartesian - minified) v2.35.3 · Copyright … · Licensed under the MIT license". */
function plotlyBanner(source: string): string {
  const comment = /^\/\*\*([\s\S]*?)\*\//.exec(source);
  const lines = comment ? comment[1].split('\n').map((l) => l.replace(/^\s*\*\s?/, '').trim()).filter(Boolean) : [];
  return lines.length ? lines.join(' · ') : 'plotly.js';
}

let plotlyShown = false;

/**
 * Shows the plotly.js loader: call it in the notebook's setup cell (the one that reads the parameters),
 * so that the notebook carries plotly.js once, in that cell's output, and each figure output only its
 * div and a script that waits for window.Plotly. Re-running a figure cell then keeps plotly.js in the
 * saved notebook and its HTML export; re-running the setup cell replaces its own copy. On a page that
 * already has window.Plotly (VS Code's one webview for all outputs, a second copy) the loader does
 * nothing. `bundle` overrides AE_PLOTLY_BUNDLE. Outside tslab this does nothing.
 */
export function ensurePlotly(options: { bundle?: PlotlyBundle } = {}): void {
  const display = notebookDisplay();
  if (!display) return;
  display.html(plotlyLoaderHtml(plotlySource(options.bundle)));
  plotlyShown = true;
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
    `  var figure = ${scriptJson(payload, plotNumber)};`,
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

const figureRegistry: { name: string; figure: PlotlyFigure }[] = [];
let figureCounter = 0;
/** Random per process: ids must not collide with outputs of an earlier kernel still on the page. */
const sessionTag = randomBytes(4).toString('hex');

/**
 * Shows a figure in tslab (loading plotly.js first if ensurePlotly has not run in this kernel) and records it for
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
  // A kernel whose notebook never called ensurePlotly still draws, with plotly.js in this figure's
  // output: re-running this cell alone would drop it from a saved copy, hence the setup-cell call.
  if (!plotlyShown) ensurePlotly();
  const layoutHeight = typeof figure.layout?.height === 'number' ? figure.layout.height : undefined;
  const id = `ts-plot-${sessionTag}-${figureCounter}`;
  display.html(plotHtml(figure, id, options.caption, options.height ?? layoutHeight ?? 420, name));
}

/** Figures shown in this kernel, in order, as JSON-ready copies. */
export function shownFigures(): { name: string; figure: PlotlyFigure }[] {
  return figureRegistry.map(({ name, figure }) => ({ name, figure }));
}

/** Forgets the shown figures (e.g. before a fresh export run). */
export function clearShownFigures(): void {
  figureRegistry.length = 0;
}
