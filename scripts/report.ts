/**
 * The report around the notebooks' exports, used by `npm run reproduce` and runnable on its own:
 *
 *     node build/scripts/report.js [--figures] [NOTEBOOK ...]
 *
 * - reports/index.html: one page, plain HTML with inline CSS (no script, nothing fetched), that
 *   links every notebook's HTML export, executed copy and numbers, and shows its key numbers and
 *   when, where, on which engine and with which parameters they were produced. It is rebuilt from
 *   whatever reports/<name>.json exist.
 * - reports/figures/<name>/: every Plotly figure as PNG and SVG, drawn by plotly.js itself in
 *   headless Chromium (Debian's `chromium`, driven by playwright-core), and every PNG the notebook
 *   showed (glyph mosaics), each named after the figure (`showPlot(..., { name })`,
 *   `showGlyphMosaic(..., { name })`).
 *
 * --figures re-exports the figures of existing reports/<name>.html (all, or the NOTEBOOKs given by
 * prefix) before rebuilding the index. Without Chromium or playwright-core, the Plotly figures are
 * skipped with a message and everything else is still written.
 *
 * Environment: AE_REPORTS_DIR (the reports folder), AE_CHROMIUM (the browser, default /usr/bin/chromium).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { escapeHtml } from '../lib/display';
import { NotebookResults, projectRoot, writeFileAtomic } from '../lib/notebook';

// ---------------------------------------------------------------------------------------------
// Headless Chromium

/** Flags for a quiet, offline, throwaway browser: nothing phones home, nothing is kept. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export function chromiumPath(): string {
  return process.env.AE_CHROMIUM || '/usr/bin/chromium';
}

type PlaywrightCore = typeof import('playwright-core');

function loadPlaywright(): PlaywrightCore | string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('playwright-core') as PlaywrightCore;
  } catch (err) {
    return `playwright-core is not installed (npm install; ${(err as Error).message.split('\n')[0]})`;
  }
}

/** Why headless Chromium cannot run here, or null when it can be tried. */
export function browserUnavailable(): string | null {
  const executable = chromiumPath();
  if (!fs.existsSync(executable)) return `Chromium is not installed at ${executable} (Debian: apt-get install chromium; or set AE_CHROMIUM)`;
  const playwright = loadPlaywright();
  return typeof playwright === 'string' ? playwright : null;
}

/**
 * Starts headless Chromium. playwright's launch() gives every browser a fresh temporary profile
 * (user-data-dir) and removes it on close; no browser is ever downloaded.
 */
export async function launchChromium(): Promise<Browser> {
  const reason = browserUnavailable();
  if (reason) throw new Error(reason);
  const { chromium } = loadPlaywright() as PlaywrightCore;
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** True when every `.ts-plotly` div holds plotly's drawn, non-empty SVG. Runs in the page. */
export function allPlotsDrawnInPage(): boolean {
  const divs = Array.from(document.querySelectorAll('.ts-plotly'));
  return divs.every((div) => {
    const svg = div.querySelector('svg.main-svg');
    return !!svg && svg.childElementCount > 0 && svg.getBoundingClientRect().width > 0;
  });
}

/** Waits (bounded) until every Plotly figure of the page has drawn; the error names those that did not. */
export async function waitForPlots(page: Page, timeoutMs = 60_000): Promise<void> {
  try {
    await page.waitForFunction(allPlotsDrawnInPage, undefined, { timeout: timeoutMs, polling: 100 });
  } catch {
    const missing = await page.evaluate(() => Array.from(document.querySelectorAll('.ts-plotly'))
      .filter((div) => !div.querySelector('svg.main-svg'))
      .map((div) => `${div.getAttribute('data-figure-name') ?? div.id}: "${(div.textContent ?? '').trim().slice(0, 120)}"`));
    throw new Error(`${missing.length} Plotly figure(s) did not draw within ${timeoutMs / 1000} s: ${missing.join('; ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Static figures

/** A figure or image name made safe as a file name (letters, digits, `.`, `_`, `-`). */
export function fileSafeName(name: string): string {
  const safe = name.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 100);
  return safe || 'figure';
}

/** Hands out unique file names: a second `loss` becomes `loss-2`. */
class NameBook {
  private readonly used = new Set<string>();
  readonly renamed: string[] = [];

  take(wanted: string): string {
    const base = fileSafeName(wanted);
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}-${n}`;
    this.used.add(name);
    if (name !== wanted) this.renamed.push(`"${wanted}" saved as ${name}`);
    return name;
  }
}

interface NotebookOutput { output_type?: string; data?: Record<string, unknown> }
interface NotebookCell { cell_type?: string; outputs?: NotebookOutput[] }

const decodeEntities = (text: string): string => text
  .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
  .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
  .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const joined = (value: unknown): string => (Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : '');

export interface NotebookImage { name: string | null; caption: string; cell: number; png: Buffer }

/**
 * The PNG outputs of an executed notebook, in order, with the names and captions that the output
 * after each carries (see displayPng in lib/figures/mosaic.ts).
 */
export function notebookImages(ipynb: string): NotebookImage[] {
  const notebook = JSON.parse(fs.readFileSync(ipynb, 'utf8')) as { cells?: NotebookCell[] };
  const images: NotebookImage[] = [];
  (notebook.cells ?? []).forEach((cell, cellIndex) => {
    const outputs = cell.outputs ?? [];
    outputs.forEach((output, i) => {
      const png = output.data?.['image/png'];
      if (png === undefined) return;
      const next = joined(outputs[i + 1]?.data?.['text/html']);
      const captionDiv = /^\s*<div class="ts-figure-caption"( data-figure-name="([^"]*)")?[^>]*>([\s\S]*?)<\/div>/.exec(next);
      images.push({
        name: captionDiv?.[1] ? decodeEntities(captionDiv[2]) : null,
        caption: captionDiv ? decodeEntities(captionDiv[3].replace(/<[^>]*>/g, '')).trim() : '',
        cell: cellIndex + 1,
        png: Buffer.from(joined(png).replace(/\s+/g, ''), 'base64'),
      });
    });
  });
  return images;
}

/** One line of figures/<notebook>/figures.json. */
export interface FigureEntry {
  /** File name without extension. */
  name: string;
  kind: 'plotly' | 'image';
  /** File names in the folder: <name>.png, and <name>.svg where plotly gives one. */
  files: string[];
  /** What the notebook said to look at, if anything. */
  caption: string;
}

export const FIGURES_MANIFEST = 'figures.json';

export interface FigureExport {
  /** Files written, relative to the output folder (the manifest figures.json included). */
  files: string[];
  figures: FigureEntry[];
  /** Why the Plotly figures were not exported (no browser), if they were not. */
  skipped?: string;
  /** Things a person should know: renamed duplicates, figures without SVG. */
  notes: string[];
}

/**
 * Exports a notebook's figures into `outDir` (created; it should be empty): PNG images shown by the
 * notebook straight from the executed copy, and Plotly figures through plotly.js in Chromium from
 * the HTML export. One exporter keeps one browser for all notebooks; close() it at the end.
 */
export class FigureExporter {
  private browser: Promise<Browser> | null = null;
  private unavailable: string | null = null;

  constructor(private readonly options: { pngScale?: number; width?: number } = {}) {}

  async export(html: string, ipynb: string, outDir: string): Promise<FigureExport> {
    fs.mkdirSync(outDir, { recursive: true });
    const names = new NameBook();
    const figures: FigureEntry[] = [];
    const notes: string[] = [];
    let skipped: string | undefined;

    // Plotly figures first, so that they keep their names when a mosaic happens to share one.
    const browser = await this.getBrowser();
    if (typeof browser === 'string') {
      skipped = browser;
    } else {
      figures.push(...await this.exportPlots(browser, html, outDir, names, notes));
    }

    let unnamed = 0;
    for (const image of notebookImages(ipynb)) {
      const name = names.take(image.name ?? `image-cell${image.cell}-${++unnamed}`);
      fs.writeFileSync(path.join(outDir, `${name}.png`), image.png);
      figures.push({ name, kind: 'image', files: [`${name}.png`], caption: image.caption });
    }
    notes.push(...names.renamed);
    fs.writeFileSync(path.join(outDir, FIGURES_MANIFEST), JSON.stringify(figures, null, 2) + '\n');
    return { files: [...figures.flatMap((f) => f.files), FIGURES_MANIFEST], figures, skipped, notes };
  }

  private async getBrowser(): Promise<Browser | string> {
    if (this.unavailable) return this.unavailable;
    this.unavailable = browserUnavailable();
    if (this.unavailable) return this.unavailable;
    this.browser ??= launchChromium();
    try {
      return await this.browser;
    } catch (err) {
      // The browser is installed but does not start: that is a failure, not a skip.
      this.browser = null;
      throw new Error(`headless Chromium did not start: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  private async exportPlots(browser: Browser, html: string, outDir: string, names: NameBook, notes: string[]): Promise<FigureEntry[]> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load', timeout: 120_000 });
      await waitForPlots(page);
      const figures = await page.evaluate(() => Array.from(document.querySelectorAll('.ts-plotly')).map((div) => {
        const next = div.nextElementSibling;
        return {
          name: div.getAttribute('data-figure-name'),
          height: div.clientHeight,
          caption: next && next.classList.contains('ts-figure-caption') ? (next.textContent ?? '').trim() : '',
        };
      }));
      const entries: FigureEntry[] = [];
      for (const [index, figure] of figures.entries()) {
        const name = names.take(figure.name ?? `figure-${index + 1}`);
        const files: string[] = [];
        const size = { width: this.options.width ?? 1000, height: figure.height || 420 };
        const png = await toImage(page, index, { format: 'png', ...size, scale: this.options.pngScale ?? 2 });
        fs.writeFileSync(path.join(outDir, `${name}.png`), Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64'));
        files.push(`${name}.png`);
        try {
          const svg = await toImage(page, index, { format: 'svg', ...size, scale: 1 });
          fs.writeFileSync(path.join(outDir, `${name}.svg`), decodeURIComponent(svg.replace(/^data:image\/svg\+xml,/, '')));
          files.push(`${name}.svg`);
        } catch (err) {
          // WebGL traces have no SVG form; the PNG stands alone then.
          notes.push(`${name}: no SVG (${(err as Error).message.split('\n')[0]})`);
        }
        entries.push({ name, kind: 'plotly', files, caption: figure.caption });
      }
      if (errors.length) throw new Error(`the page threw: ${errors.join(' | ')}`);
      return entries;
    } finally {
      await page.close();
    }
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = null;
    if (browser) await (await browser.catch(() => null))?.close();
  }
}

async function toImage(page: Page, index: number, options: { format: 'png' | 'svg'; width: number; height: number; scale: number }): Promise<string> {
  return page.evaluate(async ({ index, options }) => {
    const div = document.querySelectorAll('.ts-plotly')[index];
    const plotly = (window as unknown as { Plotly: { toImage(gd: Element, o: unknown): Promise<string> } }).Plotly;
    return plotly.toImage(div, options);
  }, { index, options });
}

/**
 * Replaces folder `target` with `fresh` as nearly atomically as a file system allows: the old one is
 * moved aside first and removed after, so a reader never sees a half-written folder.
 */
export function replaceFolder(fresh: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const old = `${target}.old-${process.pid}-${Date.now()}`;
  const hadOld = fs.existsSync(target);
  if (hadOld) fs.renameSync(target, old);
  try {
    fs.renameSync(fresh, target);
  } catch (err) {
    if (hadOld) fs.renameSync(old, target);
    throw err;
  }
  if (hadOld) fs.rmSync(old, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The index page


/** A relative link to a file in the reports folder, valid in an href. */
const href = (relative: string): string => relative.split('/').map(encodeURIComponent).join('/');

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString();
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.join('-');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 90) return `${minutes} min ${Math.round(seconds - 60 * minutes)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The table that best sums a notebook up: `summary` if it has one, else its first. */
export function keyTable(tables: NotebookResults['tables']): { name: string; rows: Record<string, unknown>[] } | null {
  const names = Object.keys(tables ?? {});
  const name = names.includes('summary') ? 'summary' : names[0];
  return name === undefined ? null : { name, rows: tables[name] ?? [] };
}

export const INDEX_MAX_ROWS = 12;
const INDEX_MAX_COLUMNS = 10;

function tableHtml(rows: Record<string, unknown>[], caption: string): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const shownColumns = columns.slice(0, INDEX_MAX_COLUMNS);
  const shownRows = rows.slice(0, INDEX_MAX_ROWS);
  const more = [
    rows.length > shownRows.length ? `${rows.length - shownRows.length} more row(s)` : '',
    columns.length > shownColumns.length ? `${columns.length - shownColumns.length} more column(s)` : '',
  ].filter(Boolean).join(' and ');
  return [
    '<div class="table-wrap"><table>',
    `<caption>${escapeHtml(caption)}</caption>`,
    `<thead><tr>${shownColumns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...shownRows.map((row) => `<tr>${shownColumns.map((c) => {
      const value = row[c];
      return `<td${typeof value === 'number' ? ' class="num"' : ''}>${escapeHtml(formatValue(value))}</td>`;
    }).join('')}</tr>`),
    '</tbody>',
    '</table></div>',
    more ? `<p class="more">${escapeHtml(more)} in the JSON file.</p>` : '',
  ].join('\n');
}

/** The notebook's title: the first heading of its source in notebooks/, else its file name. */
function notebookTitle(notebooksDir: string, name: string): string {
  try {
    const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, `${name}.ipynb`), 'utf8')) as { cells?: { cell_type?: string; source?: string | string[] }[] };
    for (const cell of nb.cells ?? []) {
      if (cell.cell_type !== 'markdown') continue;
      const heading = /^#\s+(.+)$/m.exec(joined(cell.source));
      if (heading) return heading[1].trim();
    }
  } catch { /* no source notebook: fall back to the name */ }
  return name;
}

/** A notebook's exported figures: its manifest, else whatever images its folder holds. */
function figureEntries(reportsDir: string, name: string): FigureEntry[] {
  const dir = path.join(reportsDir, 'figures', name);
  if (!fs.existsSync(dir)) return [];
  const present = new Set(fs.readdirSync(dir));
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, FIGURES_MANIFEST), 'utf8')) as FigureEntry[];
    return manifest.map((f) => ({ ...f, files: f.files.filter((file) => present.has(file)) })).filter((f) => f.files.length);
  } catch {
    const stems = [...new Set([...present].filter((f) => /\.(png|svg)$/.test(f)).map((f) => f.replace(/\.(png|svg)$/, '')))].sort();
    return stems.map((stem) => ({ name: stem, kind: 'image', caption: '', files: [`${stem}.png`, `${stem}.svg`].filter((f) => present.has(f)) }));
  }
}

interface IndexEntry { name: string; results: NotebookResults | null; problem?: string }

/** Results files in the reports folder, by notebook name; unreadable ones are listed with the problem. */
function readResults(reportsDir: string): IndexEntry[] {
  if (!fs.existsSync(reportsDir)) return [];
  return fs.readdirSync(reportsDir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .sort()
    .map((file): IndexEntry | null => {
      const name = file.replace(/\.json$/, '');
      try {
        const results = JSON.parse(fs.readFileSync(path.join(reportsDir, file), 'utf8')) as NotebookResults;
        if (typeof results !== 'object' || results === null || results.notebook !== name) return null;
        return { name, results };
      } catch (err) {
        return { name, results: null, problem: `unreadable results file: ${(err as Error).message}` };
      }
    })
    .filter((entry): entry is IndexEntry => entry !== null);
}

function entryHtml(reportsDir: string, notebooksDir: string, entry: IndexEntry): string {
  const { name, results } = entry;
  const exists = (relative: string): boolean => fs.existsSync(path.join(reportsDir, relative));
  const title = notebookTitle(notebooksDir, name);
  const links = [
    [`${name}.html`, 'HTML export'],
    [`${name}.ipynb`, 'executed notebook'],
    [`${name}.json`, 'numbers (JSON)'],
    [`figures/${name}/`, 'figures folder'],
  ].filter(([file]) => exists(file)).map(([file, label]) => `<a href="${href(file)}">${escapeHtml(label)}</a>`);
  const parts: string[] = [`<section id="${escapeHtml(name)}">`];
  parts.push(exists(`${name}.html`)
    ? `<h2><a href="${href(`${name}.html`)}">${escapeHtml(title)}</a></h2>`
    : `<h2>${escapeHtml(title)}</h2>`);
  parts.push(`<p class="links">${links.join(' · ')}</p>`);

  const failed = `${name}.failed.ipynb`;
  if (exists(failed) && (!exists(`${name}.json`) || fs.statSync(path.join(reportsDir, failed)).mtimeMs > fs.statSync(path.join(reportsDir, `${name}.json`)).mtimeMs)) {
    parts.push(`<p class="warn">The latest run failed (<a href="${href(failed)}">its executed copy</a> shows where); what follows is the last good run.</p>`);
  }
  if (!results) {
    parts.push(`<p class="warn">${escapeHtml(entry.problem ?? 'no results')}</p>`, '</section>');
    return parts.join('\n');
  }

  const machine = results.machine ?? {} as NotebookResults['machine'];
  const started = new Date(results.startedAt);
  const when = Number.isNaN(started.getTime()) ? String(results.startedAt) : `${started.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`;
  parts.push('<dl class="run">',
    `<dt>Run</dt><dd>${escapeHtml(when)}, ${escapeHtml(formatDuration(results.seconds))}</dd>`,
    `<dt>Engine</dt><dd>${escapeHtml(String(results.engine))}</dd>`,
    `<dt>Machine</dt><dd>${escapeHtml(`${machine.cpu ?? '?'}, ${machine.cores ?? '?'} core(s), ${machine.platform ?? '?'}, Node ${machine.node ?? '?'}`)}</dd>`,
    '</dl>');

  const key = keyTable(results.tables);
  if (key) parts.push(tableHtml(key.rows, `Key numbers: table "${key.name}"${Object.keys(results.tables).length > 1 ? ` (all ${Object.keys(results.tables).length} tables are in the JSON)` : ''}`));
  else parts.push('<p class="more">No tables recorded.</p>');

  const params = Object.entries(results.params ?? {});
  if (params.length) {
    parts.push('<details><summary>Parameters</summary>', '<table class="params"><tbody>',
      ...params.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td><code>${escapeHtml(JSON.stringify(v))}</code></td></tr>`),
      '</tbody></table></details>');
  }

  const figures = figureEntries(reportsDir, name);
  if (figures.length) {
    parts.push('<div class="figures">');
    for (const figure of figures) {
      const link = (file: string): string => href(`figures/${name}/${file}`);
      const png = figure.files.find((f) => f.endsWith('.png'));
      const formats = figure.files.map((f) => `<a href="${link(f)}">${escapeHtml(path.extname(f).slice(1).toUpperCase())}</a>`).join(' · ');
      const caption = figure.caption ? `<span class="figure-caption">${escapeHtml(figure.caption)}</span>` : '';
      parts.push(`<figure>${png ? `<a href="${link(png)}"><img src="${link(png)}" alt="${escapeHtml(figure.caption || figure.name)}"></a>` : ''}`
        + `<figcaption><b>${escapeHtml(figure.name)}</b> ${formats}${caption}</figcaption></figure>`);
    }
    parts.push('</div>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

const INDEX_STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2937; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin: 0 0 0.3em 0; }
a { color: #1d4ed8; }
section { border: 1px solid #d1d5db; border-radius: 8px; padding: 1em 1.2em; margin: 1.2em 0; }
.links { margin: 0 0 0.6em 0; }
.warn { background: #fef3c7; border-left: 4px solid #d97706; padding: 0.4em 0.8em; }
.more, .intro, footer { color: #6b7280; font-size: 0.9em; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: 0.1em 1em; margin: 0.4em 0 0.8em 0; }
dl.run dt { font-weight: 600; }
dl.run dd { margin: 0; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3em; }
th, td { border: 1px solid #e5e7eb; padding: 0.2em 0.6em; text-align: left; }
thead th { background: #f3f4f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin: 0.6em 0; }
summary { cursor: pointer; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 0.8em; margin-top: 0.8em; }
figure { margin: 0; width: 300px; }
figure img { width: 300px; height: 170px; object-fit: contain; border: 1px solid #e5e7eb; background: #fff; }
figcaption { font-size: 0.85em; overflow-wrap: anywhere; }
.figure-caption { display: block; color: #4b5563; }
ul.toc { columns: 2; }
`;

/** The index page's HTML for the reports folder as it is now. */
export function indexHtml(reportsDir: string, notebooksDir = path.join(projectRoot(), 'notebooks')): string {
  const entries = readResults(reportsDir);
  const reported = new Set(entries.map((e) => e.name));
  const notReported = fs.existsSync(notebooksDir)
    ? fs.readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).map((f) => f.replace(/\.ipynb$/, '')).filter((n) => !reported.has(n)).sort()
    : [];
  const generated = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Autoencoder notebooks: report</title>',
    `<style>${INDEX_STYLE}</style>`,
    '</head>',
    '<body>',
    '<h1>Autoencoder notebooks: report</h1>',
    `<p class="intro">Every notebook as last reproduced with <code>npm run reproduce</code>: its HTML export (opens offline, with interactive figures), `
      + 'its executed copy, its numbers, and its figures as PNG and SVG for slides. '
      + `${entries.length} notebook(s) reported. Page generated ${escapeHtml(generated)}.</p>`,
    entries.length ? `<ul class="toc">${entries.map((e) => `<li><a href="#${escapeHtml(e.name)}">${escapeHtml(e.name)}</a></li>`).join('')}</ul>` : '',
    ...entries.map((entry) => entryHtml(reportsDir, notebooksDir, entry)),
    notReported.length
      ? `<section><h2>Not reproduced yet</h2><p>${notReported.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')}: run <code>npm run reproduce -- ${escapeHtml(notReported[0].slice(0, 2))}</code>.</p></section>`
      : '',
    '<footer>Rebuilt from the <code>reports/&lt;notebook&gt;.json</code> files by <code>npm run reproduce</code> (or <code>node build/scripts/report.js</code>).</footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Writes reports/index.html (atomically) and returns its path. */
export function writeIndex(reportsDir: string, notebooksDir?: string): string {
  const file = path.join(reportsDir, 'index.html');
  writeFileAtomic(file, indexHtml(reportsDir, notebooksDir));
  return file;
}

// ---------------------------------------------------------------------------------------------
// Command line

async function main(): Promise<void> {
  const root = projectRoot();
  const reportsDir = process.env.AE_REPORTS_DIR ? path.resolve(process.env.AE_REPORTS_DIR) : path.join(root, 'reports');
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h') || args.some((a) => a.startsWith('-') && a !== '--figures')) {
    console.error('usage: node build/scripts/report.js [--figures] [NOTEBOOK ...]');
    process.exit(2);
  }
  let failed = false;
  if (args.includes('--figures')) {
    const selectors = args.filter((a) => a !== '--figures');
    const names = fs.readdirSync(reportsDir).filter((f) => f.endsWith('.html') && f !== 'index.html').map((f) => f.replace(/\.html$/, ''))
      .filter((n) => fs.existsSync(path.join(reportsDir, `${n}.ipynb`)))
      .filter((n) => selectors.length === 0 || selectors.some((s) => n.startsWith(s)));
    const exporter = new FigureExporter();
    try {
      for (const name of names) {
        // Inside the reports folder, so that the finished folder is renamed into place, not copied.
        const work = fs.mkdtempSync(path.join(reportsDir, `.figures-${name}-`));
        try {
          const result = await exporter.export(path.join(reportsDir, `${name}.html`), path.join(reportsDir, `${name}.ipynb`), path.join(work, name));
          replaceFolder(path.join(work, name), path.join(reportsDir, 'figures', name));
          console.log(`${name}: ${result.files.length} file(s) in ${path.join(reportsDir, 'figures', name)}${result.skipped ? `; static images of the Plotly figures skipped: ${result.skipped}` : ''}`);
          for (const note of result.notes) console.log(`  ${note}`);
        } catch (err) {
          failed = true;
          console.error(`${name}: static figures failed: ${(err as Error).message}`);
        } finally {
          fs.rmSync(work, { recursive: true, force: true });
        }
      }
    } finally {
      await exporter.close();
    }
  }
  console.log(`index: ${writeIndex(reportsDir)}`);
  process.exit(failed ? 1 : 0);
}

if (require.main === module) {
  main().catch((err: Error) => { console.error(err.stack ?? err.message); process.exit(1); });
}
