/**
 * What every notebook does besides its science: start the engine, say which one runs, show tables
 * and computed conclusions, and write its numbers to `reports/<notebook>.json`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineInfo, EngineName, initEngine } from './engine';
import { escapeHtml, notebookDisplay } from './display';
import { writeFileAtomic } from './files';

export { writeFileAtomic } from './files';

/** The results file: the same shape for every notebook. */
export interface NotebookResults {
  notebook: string;
  engine: string;
  params: Record<string, unknown>;
  startedAt: string;
  seconds: number;
  machine: { cores: number; cpu: string; platform: string; node: string };
  tables: Record<string, Record<string, unknown>[]>;
}

/** The folder holding this project's package.json. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'autoencoder-notebooks') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project's package.json above ${__dirname}`);
    dir = parent;
  }
}

/** `"max wrong"` and `"Max_wrong"` become `maxWrong`, the key style of every results file. */
function camelCaseKeys(row: Record<string, unknown>): Record<string, unknown> {
  const camel = (key: string): string => key
    .replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))
    .replace(/^[A-Z]/, (c) => c.toLowerCase());
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v]));
}

export class NotebookRun {
  readonly results: NotebookResults;
  private readonly started = performance.now();
  private readonly tensorsAtStart = tf.memory().numTensors;

  constructor(readonly notebook: string, params: Record<string, unknown>, readonly engine: EngineInfo) {
    this.results = {
      notebook,
      engine: engine.name,
      params: JSON.parse(JSON.stringify(params)),
      startedAt: new Date().toISOString(),
      seconds: 0,
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', platform: `${os.platform()} ${os.release()}`, node: process.version },
      tables: {},
    };
  }

  /** Records a table (rows with camelCase keys) for the results file; re-running replaces it. */
  table<Row extends object>(name: string, rows: readonly Row[]): Row[] {
    const clean = rows.map((row) => camelCaseKeys(row as Record<string, unknown>) as Row);
    this.results.tables[name] = JSON.parse(JSON.stringify(clean));
    return clean;
  }

  /**
   * Live tensors when the run started and now, and the variables of the models kept by `holdModels`:
   * a notebook that frees everything else ends with atEnd = atStart + modelVariables.
   */
  tensorCheck(): { atStart: number; atEnd: number; modelVariables: number } {
    const modelVariables = [...heldModels.values()].flat().reduce((n, m) => n + (m.variables?.().length ?? 0), 0);
    return { atStart: this.tensorsAtStart, atEnd: tf.memory().numTensors, modelVariables };
  }

  /** Writes the results file (atomically; reports/<notebook>.json) and returns its path. */
  save(): string {
    this.results.seconds = (performance.now() - this.started) / 1000;
    // $AE_RESULTS_FILE when `npm run reproduce` sets it.
    const file = process.env.AE_RESULTS_FILE || path.join(projectRoot(), 'reports', `${this.notebook}.json`);
    writeFileAtomic(file, JSON.stringify(this.results, null, 2) + '\n');
    return file;
  }
}

/**
 * Starts a notebook: picks the engine (`engine` parameter, else AE_ENGINE, else the best that
 * loads), prints it, and opens the results record.
 */
export async function startNotebook(notebook: string, params: Record<string, unknown>, engine: EngineName | 'auto' = 'auto'): Promise<NotebookRun> {
  const info = await initEngine(engine);
  console.log(`Engine: ${info.name} — ${info.description}${info.skipped.length ? ` (passed over: ${info.skipped.join('; ')})` : ''}`);
  return new NotebookRun(notebook, params, info);
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  if (Array.isArray(value)) return value.join('-');
  return String(value);
}

/**
 * Shows rows as a table built with danfojs (so the user can keep working with the DataFrame it
 * returns), as HTML in a notebook and as text elsewhere.
 */
export function showTable(rows: readonly object[], caption?: string): unknown {
  // Loaded on first use: danfojs takes a moment to load and most of the library does not need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dfd = require('danfojs-node') as { DataFrame: new (data: unknown) => { columns: string[]; values: unknown[][] } };
  const flat = rows.map((row) => Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? formatCell(v) : v ?? null])));
  const frame = new dfd.DataFrame(flat);
  const display = notebookDisplay();
  const header = frame.columns;
  const body = frame.values as unknown[][];
  if (display) {
    const html = `<table class="ae-table"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>` +
      body.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(formatCell(v))}</td>`).join('')}</tr>`).join('') +
      `</tbody></table>${caption ? `<p><em>${escapeHtml(caption)}</em></p>` : ''}`;
    display.html(html);
  } else {
    const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => formatCell(r[c]).length)));
    const line = (cells: string[]): string => cells.map((s, c) => s.padEnd(widths[c])).join('  ');
    console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map((r) => line(r.map(formatCell)))].join('\n'));
    if (caption) console.log(caption);
  }
  return frame;
}

/** How a number reads in a sentence: whole numbers as they are, others to about 3 significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(1);
  return String(Number(value.toPrecision(3)));
}

/**
 * Markdown with numbers bound from results: `` md`${reached} of ${seeds} seeds met it` ``. Numbers
 * are rounded for reading (formatNumber), lists of numbers read as architectures (35-20-2-20-35),
 * null reads as "—". Show it with `showMarkdown`.
 */
export function md(strings: TemplateStringsArray, ...values: unknown[]): string {
  const shown = (v: unknown): string => {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'number') return formatNumber(v);
    if (Array.isArray(v)) return v.every((x) => typeof x === 'number') ? v.join('-') : v.map(shown).join(', ');
    return String(v);
  };
  return strings.reduce((text, part, i) => text + part + (i < values.length ? shown(values[i]) : ''), '');
}

/** Shows markdown computed from results (conclusions are never typed-in numbers). */
export function showMarkdown(text: string): void {
  const display = notebookDisplay();
  if (display) display.markdown(text);
  else console.log(text);
}

const heldModels = new Map<string, { dispose(): void; variables?(): unknown[] }[]>();

/**
 * Keeps `models` under `key` and disposes whatever was kept there before, so that re-running a
 * training cell frees the previous run's tensors instead of leaking them.
 */
export function holdModels<T extends { dispose(): void }>(key: string, models: T[]): T[] {
  for (const old of heldModels.get(key) ?? []) if (!models.includes(old as T)) old.dispose();
  heldModels.set(key, models);
  return models;
}
