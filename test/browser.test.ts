/**
 * The report as a person gets it, checked in a real browser (Debian's Chromium, driven by
 * playwright-core; nothing is downloaded). One `npm run reproduce -- --quick` of every notebook that
 * has a quick preset, into a temporary reports folder, then: each HTML export opens from disk with
 * no network, logs no error or warning, and draws every Plotly figure; the figures folder holds a
 * PNG and an SVG per Plotly figure and a PNG per shown image; the index opens and its links
 * resolve; the latent explorer (notebook 03), where there is one, decodes under the pointer.
 * Screenshots of every page go to reports/screenshots/ for a person to look at.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { decodePng } from '../lib/png';
import { FIGURES_MANIFEST, FigureEntry, INDEX_MAX_ROWS, fileSafeName, keyTable, launchChromium, waitForPlots } from '../scripts/report';
import { PNG_SIGNATURE, PageWatch, browserTestSkip, screenshot } from './browser-helpers';
import { packedScripts, projectRoot, scratchDir } from './helpers';

const reproduceScript = path.join(projectRoot, 'build', 'scripts', 'reproduce.js');
const notebooksDir = path.join(projectRoot, 'notebooks');
/** Bounds one reproduce run of every notebook's quick preset. */
const REPRODUCE_TIMEOUT_MS = 40 * 60_000;

/** Runs a command in its own process group, killed whole if it outlives `timeoutMs`. */
function runBounded(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: projectRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs / 1000} s]`;
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
      setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 10_000).unref();
    }, timeoutMs);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, output }); });
  });
}

/** Notebooks with a quick preset (metadata autoencoder.quick); the others would run at full size. */
function quickNotebooks(): { quick: string[]; withoutPreset: string[] } {
  const files = fs.readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort();
  const hasPreset = (file: string): boolean => {
    const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, file), 'utf8')) as { metadata?: { autoencoder?: { quick?: unknown } } };
    return typeof nb.metadata?.autoencoder?.quick === 'object';
  };
  return { quick: files.filter(hasPreset), withoutPreset: files.filter((f) => !hasPreset(f)) };
}

interface Output { output_type?: string; data?: Record<string, unknown> }

function pngOutputCount(ipynb: string): number {
  const nb = JSON.parse(fs.readFileSync(ipynb, 'utf8')) as { cells: { outputs?: Output[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.['image/png'] !== undefined).length;
}

/** The data-figure-name of every Plotly div of an HTML export, in order (null where there is none). */
function plotNamesInHtml(html: string): (string | null)[] {
  return [...html.matchAll(/<div id="[^"]*" class="ts-plotly"(?: data-figure-name="([^"]*)")?/g)]
    .map((m) => (m[1] === undefined ? null : m[1].replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))));
}

/** plotly.js's banner in `text`, one per copy of the bundle: e.g. "plotly.js (cartesian - minified) v2.35.3". */
function plotlyCopies(text: string): string[] {
  return [...text.matchAll(/\* plotly\.js (?:\([^)]*\) )?v\d+\.\d+\.\d+/g)].map((m) => m[0]);
}

/** The Python that runs Jupyter (its shebang), where nbclient is installed; python3 elsewhere. */
function jupyterPython(): string {
  const check = spawnSync('bash', ['-c', 'head -n1 "$(command -v jupyter)"'], { encoding: 'utf8' });
  const interpreter = check.stdout.replace(/^#!\s*/, '').split(/\s/)[0];
  return interpreter && fs.existsSync(interpreter) ? interpreter : 'python3';
}

/**
 * Executes `input` with nbclient in one tslab kernel, every cell in order, then the first cell that
 * shows a Plotly figure once more on its own (as a user re-running it does), and saves it as `output`.
 * Prints the re-run cell's index.
 */
const RERUN_FIGURE_CELL = `
import sys, nbformat
from nbclient import NotebookClient
source, output, cwd = sys.argv[1:4]
nb = nbformat.read(source, as_version=4)
client = NotebookClient(nb, kernel_name="tslab", resources={"metadata": {"path": cwd}})
with client.setup_kernel():
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            client.execute_cell(cell, index)
    figure = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                  and any('class="ts-plotly"' in str(o.get("data", {}).get("text/html", "")) for o in c.outputs))
    client.execute_cell(nb.cells[figure], figure)
nbformat.write(nb, output)
print(figure)
`;

const skip = browserTestSkip('the browser tests');

describe('the report in headless Chromium', { skip }, () => {
  const reports = scratchDir('ae-report-');
  const { quick, withoutPreset } = skip ? { quick: [], withoutPreset: [] } : quickNotebooks();
  const names = quick.map((f) => f.replace(/\.ipynb$/, ''));
  let reproduced: { status: number | null; output: string } = { status: null, output: 'not run' };
  let browser: Browser | undefined;

  before(async () => {
    reproduced = await runBounded(process.execPath, [reproduceScript, '--quick', ...quick], { ...process.env, AE_REPORTS_DIR: reports }, REPRODUCE_TIMEOUT_MS);
    browser = await launchChromium();
  }, { timeout: REPRODUCE_TIMEOUT_MS + 120_000 });

  after(async () => {
    await browser?.close();
    fs.rmSync(reports, { recursive: true, force: true });
  });

  /** A fresh page for each check, so that one page's state or errors never leak into another. */
  async function withPage<T>(work: (page: Page) => Promise<T>): Promise<T> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      return await work(page);
    } finally {
      await page.close();
    }
  }

  test('npm run reproduce -- --quick succeeds for every notebook and exports its figures', (t) => {
    if (withoutPreset.length) t.diagnostic(`not reproduced here (no quick preset in their metadata): ${withoutPreset.join(', ')}`);
    assert.ok(quick.length >= 1, 'at least notebook 01 has a quick preset');
    assert.equal(reproduced.status, 0, reproduced.output);
    for (const name of names) {
      for (const ext of ['html', 'ipynb', 'json']) assert.ok(fs.existsSync(path.join(reports, `${name}.${ext}`)), `${name}.${ext}`);
      assert.match(reproduced.output, new RegExp(`✔ ${name}\\.ipynb .*figures/${name}/: \\d+ file\\(s\\)`), 'it says where the figures went');
    }
    assert.doesNotMatch(reproduced.output, /figures skipped/, 'Chromium is here, so no figure was skipped');
    assert.ok(fs.existsSync(path.join(reports, 'index.html')), 'the index is written');
    assert.deepEqual(fs.readdirSync(reports).filter((f) => f.startsWith('.')), [], 'no temporary file or folder left behind');
  });

  test('every HTML export opens from disk offline, logs no error and draws every figure', async (t) => {
    for (const name of names) {
      await t.test(name, async (tn) => withPage(async (page) => {
        // No message is allowed here: the exports log nothing today; if one ever logs a benign
        // warning, add it to PageWatch's `allowed` with the reason, never a blanket filter.
        const watch = await PageWatch.on(page, { offline: true });
        const file = path.join(reports, `${name}.html`);
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
        const expected = plotNamesInHtml(fs.readFileSync(file, 'utf8')).length;
        assert.equal(await page.locator('.ts-plotly').count(), expected);
        await waitForPlots(page);
        const drawn = await page.evaluate(() => Array.from(document.querySelectorAll('.ts-plotly')).map((div) => {
          const svg = div.querySelector('svg.main-svg');
          const box = svg?.getBoundingClientRect();
          return { svg: !!svg, children: svg?.childElementCount ?? 0, width: box?.width ?? 0, height: box?.height ?? 0, traces: div.querySelectorAll('.trace, .hm image').length }; // plotly draws a heat map as an image in g.hm, not as a .trace
        }));
        for (const [i, figure] of drawn.entries()) {
          assert.ok(figure.svg && figure.children > 0 && figure.width > 0 && figure.height > 0, `figure ${i + 1} has a non-empty SVG: ${JSON.stringify(figure)}`);
          assert.ok(figure.traces > 0, `figure ${i + 1} drew its traces`);
        }
        // Late messages (a resize, a font) come within a moment.
        await page.waitForTimeout(500);
        tn.diagnostic(`screenshot: ${await screenshot(page, name)}`);
        assert.deepEqual(watch.problems, [], `${name}.html: ${watch.problems.join('\n')}`);
      }));
    }
  });

  test('each executed notebook and HTML export carries plotly.js once, minified, and stays small', async (t) => {
    for (const name of names) {
      await t.test(name, () => {
        for (const ext of ['ipynb', 'html']) {
          const file = path.join(reports, `${name}.${ext}`);
          const text = fs.readFileSync(file, 'utf8');
          const copies = plotlyCopies(text);
          // A notebook without Plotly figures (06, the lab) needs no plotly.js at all.
          const wanted = /class=\\?"ts-plotly\\?"/.test(text) ? 1 : 0;
          assert.equal(copies.length, wanted, `${name}.${ext}: ${wanted} copy of plotly.js, not ${copies.length}`);
          const unpacked = packedScripts(text).join('\n');
          assert.equal(plotlyCopies(unpacked).length, wanted, `${name}.${ext}: the packed copy is plotly.js`);
          assert.ok(!wanted || unpacked.includes('?module.exports=') && !unpacked.includes('webpackUniversalModuleDefinition'), `${name}.${ext}: an official minified build`);
          // The issue's bounds for a full run hold for the quick presets with room to spare.
          const bytes = fs.statSync(file).size;
          assert.ok(bytes <= (ext === 'ipynb' ? 2.5e6 : 3e6), `${name}.${ext}: ${bytes} bytes`);
        }
      });
    }
  });

  test('a figure cell re-run on its own still draws in the saved notebook\'s HTML export', async (t) => {
    const name = '01-layer-count';
    if (!names.includes(name)) return t.skip(`${name} was not reproduced`);
    const work = scratchDir('ae-rerun-');
    const rerun = path.join(work, `${name}.ipynb`);
    const executed = await runBounded(jupyterPython(), ['-c', RERUN_FIGURE_CELL, path.join(reports, `${name}.ipynb`), rerun, notebooksDir],
      { ...process.env, JUPYTER_PATH: path.join(projectRoot, '.jupyter', 'share', 'jupyter'), AE_RESULTS_FILE: path.join(work, `${name}.json`) }, REPRODUCE_TIMEOUT_MS);
    assert.equal(executed.status, 0, executed.output);
    const cell = Number(executed.output.trim().split('\n').pop());
    const nb = JSON.parse(fs.readFileSync(rerun, 'utf8')) as { cells: { outputs?: unknown[] }[] };
    assert.deepEqual(plotlyCopies(JSON.stringify(nb.cells[cell].outputs)), [], 'the re-run figure cell carries no plotly.js of its own');
    assert.equal(plotlyCopies(fs.readFileSync(rerun, 'utf8')).length, 1, 'the setup cell still carries it');
    const exported = spawnSync('jupyter', ['nbconvert', '--to', 'html', '--output-dir', work, rerun], { encoding: 'utf8' });
    assert.equal(exported.status, 0, exported.stderr);
    await withPage(async (page) => {
      const watch = await PageWatch.on(page, { offline: true });
      const file = path.join(work, `${name}.html`);
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
      assert.equal(await page.locator('.ts-plotly').count(), plotNamesInHtml(fs.readFileSync(file, 'utf8')).length);
      await waitForPlots(page);
      assert.deepEqual(watch.problems, [], watch.problems.join('\n'));
    });
  });

  test('the figures folder holds a PNG and an SVG per Plotly figure and a PNG per shown image', async (t) => {
    for (const name of names) {
      await t.test(name, async () => {
        const dir = path.join(reports, 'figures', name);
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, FIGURES_MANIFEST), 'utf8')) as FigureEntry[];
        const plotNames = plotNamesInHtml(fs.readFileSync(path.join(reports, `${name}.html`), 'utf8'));
        const plots = manifest.filter((f) => f.kind === 'plotly');
        const images = manifest.filter((f) => f.kind === 'image');
        assert.equal(plots.length, plotNames.length, 'one entry per Plotly figure');
        plotNames.forEach((wanted, i) => {
          if (wanted !== null && plotNames.indexOf(wanted) === i) assert.equal(plots[i].name, fileSafeName(wanted), 'named after the figure');
        });
        assert.equal(images.length, pngOutputCount(path.join(reports, `${name}.ipynb`)), 'one entry per PNG output (glyph mosaics)');
        assert.equal(new Set(manifest.map((f) => f.name)).size, manifest.length, 'names are unique');
        for (const figure of plots) assert.deepEqual(figure.files, [`${figure.name}.png`, `${figure.name}.svg`]);
        for (const figure of images) assert.deepEqual(figure.files, [`${figure.name}.png`]);
        assert.deepEqual(fs.readdirSync(dir).sort(), [...manifest.flatMap((f) => f.files), FIGURES_MANIFEST].sort(), 'nothing else in the folder');

        for (const file of manifest.flatMap((f) => f.files)) {
          const bytes = fs.readFileSync(path.join(dir, file));
          if (file.endsWith('.png')) {
            assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE, `${file} is a PNG`);
            const image = decodePng(new Uint8Array(bytes));
            assert.ok(image.width > 0 && image.height > 0, `${file} has pixels`);
          } else {
            const parsed = await withPage(async (page) => page.evaluate((text) => {
              const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
              return { root: doc.documentElement.nodeName, errors: doc.getElementsByTagName('parsererror').length, children: doc.documentElement.childElementCount };
            }, bytes.toString('utf8')));
            assert.deepEqual({ root: parsed.root, errors: parsed.errors }, { root: 'svg', errors: 0 }, `${file} is well-formed SVG`);
            assert.ok(parsed.children > 0, `${file} is not empty`);
          }
        }
      });
    }
  });

  test('the index opens offline, shows each notebook\'s run and key numbers, and every link resolves', async (t) => withPage(async (page) => {
    const watch = await PageWatch.on(page, { offline: true });
    const index = path.join(reports, 'index.html');
    await page.goto(pathToFileURL(index).href, { waitUntil: 'load' });
    assert.equal(await page.locator('script').count(), 0, 'plain HTML, no script');

    const links = await page.evaluate(() => [
      ...Array.from(document.querySelectorAll('a[href]')).map((a) => (a as HTMLAnchorElement).href),
      ...Array.from(document.querySelectorAll('img')).map((img) => (img as HTMLImageElement).src),
    ]);
    assert.ok(links.length > 0);
    for (const link of links) {
      const url = new URL(link);
      assert.equal(url.protocol, 'file:', `${link} stays on disk`);
      const target = fileURLToPath(`file://${url.pathname}`);
      assert.ok(target.startsWith(reports), `${link} stays in the reports folder`);
      assert.ok(fs.existsSync(target), `${link} resolves to an existing file`);
      if (url.hash) assert.equal(await page.locator(`[id="${decodeURIComponent(url.hash.slice(1))}"]`).count(), 1, `${link} has its anchor`);
    }
    const images = await page.evaluate(() => Array.from(document.images).map((img) => ({ src: img.src, ok: img.complete && img.naturalWidth > 0 })));
    for (const image of images) assert.ok(image.ok, `${image.src} displays`);

    for (const name of names) {
      const section = page.locator(`section[id="${name}"]`);
      assert.equal(await section.count(), 1, `a section for ${name}`);
      const hrefs = await section.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      for (const file of [`${name}.html`, `${name}.ipynb`, `${name}.json`]) assert.ok(hrefs.includes(file), `${name} links ${file}`);
      const results = JSON.parse(fs.readFileSync(path.join(reports, `${name}.json`), 'utf8'));
      const text = await section.innerText();
      assert.ok(text.includes(results.engine), 'the engine is named');
      assert.ok(text.includes(results.startedAt.slice(0, 10)), 'the run\'s date is shown');
      assert.ok(text.includes(String(results.machine.cores)), 'the machine is described');
      const key = keyTable(results.tables);
      if (key) {
        assert.equal(await section.locator('table:not(.params) tbody tr').count(), Math.min(key.rows.length, INDEX_MAX_ROWS), `the rows of table "${key.name}"`);
      }
      assert.equal(await section.locator('table.params tr').count(), Object.keys(results.params).length, 'every parameter');
      assert.equal(await section.locator('figure img').count(), (JSON.parse(fs.readFileSync(path.join(reports, 'figures', name, FIGURES_MANIFEST), 'utf8')) as FigureEntry[]).length, 'a thumbnail per figure');
    }
    await page.locator('details').evaluateAll((all) => all.forEach((d) => d.setAttribute('open', '')));
    t.diagnostic(`screenshot: ${await screenshot(page, 'index')}`);
    assert.deepEqual(watch.problems, [], watch.problems.join('\n'));
  }));

  test('the latent explorer (notebook 03) decodes a glyph under the pointer', async (t) => {
    const withExplorer = names.filter((name) => fs.readFileSync(path.join(reports, `${name}.html`), 'utf8').includes('class="ae-explorer"'));
    if (withExplorer.length === 0) {
      t.skip(`no reproduced notebook shows a latent explorer (notebooks: ${names.join(', ')})`);
      return;
    }
    for (const name of withExplorer) {
      await t.test(name, async (tn) => withPage(async (page) => {
        const watch = await PageWatch.on(page, { offline: true });
        await page.goto(pathToFileURL(path.join(reports, `${name}.html`)).href, { waitUntil: 'load', timeout: 120_000 });
        const explorers = page.locator('.ae-explorer');
        const count = await explorers.count();
        for (let i = 0; i < count; i++) {
          const explorer = explorers.nth(i);
          await explorer.and(page.locator('[data-ready="true"]')).waitFor({ timeout: 30_000 });
          const plane = explorer.locator('canvas.ae-plane');
          await plane.scrollIntoViewIfNeeded();
          const box = await plane.boundingBox();
          assert.ok(box && box.width > 0 && box.height > 0, 'the plane is on screen');
          const decoded = async (): Promise<string> => explorer.locator('canvas.ae-decoded').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
          const info = async (): Promise<string> => explorer.locator('.ae-info').innerText();
          const seen = new Set<string>([await decoded()]);
          const before = await decoded();
          let changed = 0;
          // Corners, edges and the middle of the plane: the decoder must draw more than one glyph there.
          for (const [fx, fy] of [[0.1, 0.1], [0.9, 0.9], [0.1, 0.9], [0.9, 0.1], [0.5, 0.5], [0.3, 0.7], [0.7, 0.3]]) {
            await page.mouse.move(box!.x + fx * box!.width, box!.y + fy * box!.height, { steps: 3 });
            const now = await decoded();
            if (now !== before) changed++;
            seen.add(now);
          }
          assert.ok(changed > 0, 'moving the pointer over the plane changes the decoded glyph\'s pixels');
          assert.ok(seen.size >= 3, `different places decode to different glyphs (${seen.size} distinct images)`);
          assert.match(await info(), /^z = \(/, 'the explorer says where the pointer is');
          assert.notEqual(await explorer.getAttribute('data-nearest'), null);
        }
        tn.diagnostic(`screenshot: ${await screenshot(page, `${name}-explorer`)}`);
        assert.deepEqual(watch.problems, [], watch.problems.join('\n'));
      }));
    }
  });
});
