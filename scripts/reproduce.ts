/**
 * npm run reproduce [-- [--quick] [NOTEBOOK ...] [name=value ...]]
 *
 * Executes notebooks headlessly in the tslab kernel through Jupyter and writes, for each, under
 * reports/: the executed copy (<name>.ipynb), a standalone HTML export (<name>.html) and the numbers
 * (<name>.json). NOTEBOOK is a prefix such as 01 or a file name; none means all. Overrides are
 * injected after the parameters cell; --quick first applies each notebook's quick preset (its
 * metadata `autoencoder.quick`), small enough for tests. Outputs are built in a temporary folder and
 * moved into place only when the notebook succeeded, so a failed run never replaces a good report.
 *
 * Then, per notebook, its figures as files under reports/figures/<name>/ (Plotly figures as PNG and
 * SVG through headless Chromium, skipped with a message where there is none; shown PNGs such as glyph
 * mosaics), and at the end reports/index.html over every reports/<name>.json (see report.ts).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { injectParameters, NotebookDocument, Overrides, parseOverrides } from '../lib/overrides';
import { projectRoot } from '../lib/notebook';
import { FigureExporter, replaceFolder, writeIndex } from './report';

interface Outcome { notebook: string; ok: boolean; seconds: number; detail: string }

const root = projectRoot();
// AE_NOTEBOOKS_DIR (tests only): another folder of notebooks; it must sit in the project's root so
// that the notebooks' relative paths (../build/lib, ../data) resolve the same way.
const notebooksDir = process.env.AE_NOTEBOOKS_DIR ? path.resolve(process.env.AE_NOTEBOOKS_DIR) : path.join(root, 'notebooks');
const reportsDir = process.env.AE_REPORTS_DIR ? path.resolve(process.env.AE_REPORTS_DIR) : path.join(root, 'reports');

function usage(): never {
  console.error('usage: npm run reproduce -- [--quick] [NOTEBOOK ...] [name=value ...]');
  process.exit(2);
}

function selectNotebooks(selectors: string[]): string[] {
  const all = fs.readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort();
  if (selectors.length === 0) return all;
  return selectors.map((s) => {
    const matches = all.filter((f) => f === s || f.startsWith(s));
    if (matches.length !== 1) {
      throw new Error(`notebook "${s}" ${matches.length ? `is ambiguous (${matches.join(', ')})` : 'not found'}; notebooks: ${all.join(', ')}`);
    }
    return matches[0];
  });
}

function jupyterPath(): string {
  const setup = spawnSync('bash', [path.join(root, 'scripts', 'setup-jupyter.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (setup.status !== 0) throw new Error('Jupyter is not available (scripts/setup-jupyter.sh failed; see above).');
  return setup.stdout.trim().split('\n').pop() as string;
}

function python(): string {
  const jupyter = spawnSync('bash', ['-c', 'head -n1 "$(command -v jupyter)"'], { encoding: 'utf8' }).stdout.replace(/^#!\s*/, '').split(/\s/)[0];
  return jupyter && fs.existsSync(jupyter) ? jupyter : 'python3';
}

// An interrupt (Ctrl-C, SIGTERM) stops the notebook that runs, skips the rest, and leaves the
// reports as they were: the temporary folder and input are removed by run()'s finally.
let stopRequested = false;
let runningChild: ChildProcess | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopRequested = true;
    runningChild?.kill('SIGINT');
  });
}

/** The last lines a dead kernel wrote to stderr (where Node prints a fatal error), or '' when it wrote none. */
function kernelLastWords(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-4);
  return lines.length ? ` (the kernel's last stderr lines: ${lines.join(' | ').slice(0, 600)})` : '';
}

function runChild(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    runningChild = child;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status) => { runningChild = null; resolve({ status, stdout, stderr }); });
  });
}

async function run(file: string, overrides: Overrides, quick: boolean, env: NodeJS.ProcessEnv, figures: FigureExporter): Promise<Outcome> {
  const name = file.replace(/\.ipynb$/, '');
  const started = Date.now();
  const source = JSON.parse(fs.readFileSync(path.join(notebooksDir, file), 'utf8')) as NotebookDocument;
  const preset = quick ? ((source.metadata?.autoencoder as { quick?: Overrides } | undefined)?.quick ?? {}) : {};
  const notebook = injectParameters(source, { ...preset, ...overrides }, file);

  const work = fs.mkdtempSync(path.join(reportsDir, `.${name}-`));
  // The input sits beside the original so that relative paths in the notebook resolve the same way.
  const input = path.join(notebooksDir, `.${name}.reproduce-${process.pid}.ipynb`);
  const executed = path.join(work, `${name}.ipynb`);
  const results = path.join(work, `${name}.json`);
  try {
    fs.writeFileSync(input, JSON.stringify(notebook, null, 1));
    const execution = await runChild(python(), [path.join(root, 'scripts', 'execute_notebook.py'), input, executed, '--cwd', notebooksDir], {
      ...env, AE_RESULTS_FILE: results,
    });
    if (stopRequested) return { notebook: file, ok: false, seconds: (Date.now() - started) / 1000, detail: 'interrupted; the last good report is untouched' };
    const last = execution.stdout.trim().split('\n').pop() ?? '';
    let verdict: { ok: boolean; cell?: number | null; line?: number; source?: string; error?: string } = { ok: false, error: `executor exited ${execution.status}: ${execution.stderr.trim().split('\n').slice(-3).join(' | ')}` };
    try { verdict = JSON.parse(last); } catch { /* keep the executor's own failure */ }
    if (!verdict.ok) {
      const cell = verdict.cell === null || verdict.cell === undefined ? ''
        : ` in cell ${verdict.cell + 1}${verdict.line ? `, line ${verdict.line}` : ''}${verdict.source ? ` (\`${verdict.source}\`)` : ''}`;
      if (fs.existsSync(executed)) fs.copyFileSync(executed, path.join(reportsDir, `${name}.failed.ipynb`));
      // A kernel that died leaves no error in the notebook: its last words are on the executor's stderr.
      const lastWords = /DeadKernelError/.test(verdict.error ?? '') ? kernelLastWords(execution.stderr) : '';
      return { notebook: file, ok: false, seconds: (Date.now() - started) / 1000, detail: `failed${cell}: ${verdict.error}${lastWords}` };
    }
    if (!fs.existsSync(results)) {
      return { notebook: file, ok: false, seconds: (Date.now() - started) / 1000, detail: 'ran but wrote no results file (does it call run.save()?)' };
    }
    const html = spawnSync('jupyter', ['nbconvert', '--to', 'html', '--output-dir', work, executed], { encoding: 'utf8', env });
    if (html.status !== 0) {
      return { notebook: file, ok: false, seconds: (Date.now() - started) / 1000, detail: `HTML export failed: ${html.stderr.trim().split('\n').pop()}` };
    }
    // The figures are exported before anything moves, from the same files, but a failure there does
    // not hold back the notebook's own reports: they are good; the run still ends in failure.
    const figuresWork = path.join(work, 'figures');
    let figureNote: string;
    let figuresOk = true;
    try {
      const exported = await figures.export(path.join(work, `${name}.html`), executed, figuresWork);
      figureNote = `figures/${name}/: ${exported.files.length} file(s)`
        + (exported.skipped ? `; static images of the Plotly figures skipped: ${exported.skipped}` : '')
        + exported.notes.map((n) => `\n    ${n}`).join('');
    } catch (err) {
      figuresOk = false;
      figureNote = `static figures failed: ${(err as Error).message}`;
    }
    for (const ext of ['ipynb', 'html', 'json']) fs.renameSync(path.join(work, `${name}.${ext}`), path.join(reportsDir, `${name}.${ext}`));
    fs.rmSync(path.join(reportsDir, `${name}.failed.ipynb`), { force: true });
    if (figuresOk) replaceFolder(figuresWork, path.join(reportsDir, 'figures', name));
    else fs.rmSync(path.join(reportsDir, 'figures', name), { recursive: true, force: true }); // never stale images beside fresh numbers
    return { notebook: file, ok: figuresOk, seconds: (Date.now() - started) / 1000, detail: `reports/${name}.{ipynb,html,json}; ${figureNote}` };
  } finally {
    fs.rmSync(input, { force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) usage();
  const quick = args.includes('--quick');
  const rest = args.filter((a) => a !== '--quick');
  const unknownFlag = rest.find((a) => a.startsWith('-'));
  if (unknownFlag) { console.error(`unknown option ${unknownFlag}`); usage(); }
  let files: string[];
  let overrides: Overrides;
  try {
    overrides = parseOverrides(rest.filter((a) => a.includes('=')));
    files = selectNotebooks(rest.filter((a) => !a.includes('=')));
  } catch (err) {
    console.error(`reproduce: ${(err as Error).message}`);
    process.exit(2);
  }
  fs.mkdirSync(reportsDir, { recursive: true });
  const env = { ...process.env, JUPYTER_PATH: jupyterPath() };
  // Validate every notebook's overrides before spending time on any of them.
  for (const file of files) {
    const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, file), 'utf8')) as NotebookDocument;
    try { injectParameters(nb, overrides, file); } catch (err) { console.error(`reproduce: ${(err as Error).message}`); process.exit(2); }
  }
  const outcomes: Outcome[] = [];
  const figures = new FigureExporter();
  try {
    for (const file of files) {
      if (stopRequested) {
        outcomes.push({ notebook: file, ok: false, seconds: 0, detail: 'not run: interrupted' });
        continue;
      }
      console.log(`▶ ${file}${quick ? ' (quick)' : ''}`);
      const outcome = await run(file, overrides, quick, env, figures);
      outcomes.push(outcome);
      console.log(`${outcome.ok ? '✔' : '✘'} ${file} (${outcome.seconds.toFixed(0)} s): ${outcome.detail}`);
    }
  } finally {
    await figures.close();
  }
  // From every results file there is, including notebooks not run this time.
  console.log(`index: ${writeIndex(reportsDir, notebooksDir)}`);
  const failed = outcomes.filter((o) => !o.ok);
  console.log(`\nreproduce: ${outcomes.length - failed.length} of ${outcomes.length} notebook(s) succeeded.`);
  for (const f of failed) console.log(`  ${f.notebook} ${f.detail}`);
  process.exit(stopRequested ? 130 : failed.length ? 1 : 0);
}

main().catch((err: Error) => { console.error(`reproduce: ${err.stack ?? err.message}`); process.exit(1); });
