/**
 * A real frontend: one notebook executed by `npm run reproduce -- --quick 01` is served by Debian's
 * Jupyter Notebook 6 on 127.0.0.1 (after `jupyter trust`, as a user who ran it would have it), opened
 * in headless Chromium, and its Plotly figures must draw from the saved outputs. The same reproduce
 * run is made without a browser, to check that it still succeeds and says the figures were skipped.
 * The server, its kernel and its files live in a temporary folder and are stopped in every case.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { FIGURES_MANIFEST, FigureEntry, launchChromium, waitForPlots } from '../scripts/report';
import { Allowed, PageWatch, browserTestSkip, screenshot } from './browser-helpers';
import { projectRoot, scratchDir } from './helpers';

const NOTEBOOK = '01-layer-count';
/** The lab, whose training runs in the page: served too, to check it trains in the live notebook. */
const LAB = '06-lab';

function notebookServerMissing(): string | false {
  const check = spawnSync('jupyter', ['notebook', '--version'], { encoding: 'utf8' });
  return check.error || check.status !== 0
    ? 'the Notebook 6 frontend test skipped: Jupyter Notebook is not installed (apt-get install jupyter-notebook)'
    : false;
}

const skip = browserTestSkip('the Notebook 6 frontend test') || notebookServerMissing();

/**
 * What Notebook 6 itself logs while loading, which says nothing about the notebook's outputs.
 * Everything else that it logs as a warning or an error fails the test.
 */
const NOTEBOOK6_CHATTER: Allowed[] = [
  { pattern: /^actions jupyter-notebook:find-and-replace does not exist, still binding it/, why: 'Notebook 6 binds a shortcut before the action that it defines later' },
  // Notebook 6 always asks for the ipywidgets extension and says so when it is not installed;
  // no output of ours uses widgets.
  { pattern: /\/nbextensions\/widgets\/notebook\/js\/extension\.js/, why: 'Notebook 6 looks for ipywidgets, which is optional' },
  { pattern: /^Widgets are not available\./, why: 'Notebook 6 looks for ipywidgets, which is optional' },
  // Seen on some machines while Notebook 6 loads its fonts: a font face pointing at about:blank,
  // which Chromium refuses. Our outputs load no fonts.
  { pattern: /^about:blank$|^Access to font at 'about:blank'/, why: 'a font face of Notebook 6 (or MathJax) that points at about:blank' },
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The interpreter that runs `jupyter` (Debian's /usr/bin/python3), for `-m nbformat.sign`. */
function jupyterPython(): string {
  const jupyter = spawnSync('bash', ['-c', 'head -n1 "$(command -v jupyter)"'], { encoding: 'utf8' }).stdout.replace(/^#!\s*/, '').split(/\s/)[0];
  return jupyter && fs.existsSync(jupyter) ? jupyter : 'python3';
}

describe('Jupyter Notebook 6 in headless Chromium', { skip }, () => {
  const work = scratchDir('ae-frontend-');
  const reports = path.join(work, 'reports');
  const served = path.join(work, 'notebooks');
  const token = randomBytes(16).toString('hex');
  let port = 0;
  let server: ChildProcess | undefined;
  let serverLog = '';
  let reproduceOutput = '';
  let reproduceStatus: number | null = null;
  let browser: Browser | undefined;
  let env: NodeJS.ProcessEnv = process.env;

  const api = (route: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`http://127.0.0.1:${port}${route}${route.includes('?') ? '&' : '?'}token=${token}`, { ...init, signal: AbortSignal.timeout(5_000) });

  before(async () => {
    // Without a browser on purpose: this run also checks that reproduce then skips the static figures.
    const run = spawnSync(process.execPath, [path.join(projectRoot, 'build', 'scripts', 'reproduce.js'), '--quick', NOTEBOOK, LAB], {
      cwd: projectRoot, encoding: 'utf8', timeout: 15 * 60_000, killSignal: 'SIGTERM',
      env: { ...process.env, AE_REPORTS_DIR: reports, AE_CHROMIUM: path.join(work, 'no-such-chromium') },
    });
    reproduceStatus = run.status;
    reproduceOutput = `${run.stdout}\n${run.stderr}`;
    if (run.status !== 0) return;

    fs.mkdirSync(served);
    for (const name of [NOTEBOOK, LAB]) fs.copyFileSync(path.join(reports, `${name}.ipynb`), path.join(served, `${name}.ipynb`));
    const setup = spawnSync('bash', [path.join(projectRoot, 'scripts', 'setup-jupyter.sh')], { encoding: 'utf8' });
    assert.equal(setup.status, 0, setup.stderr);
    // Jupyter's own state (notebook signatures, runtime files, config) stays in the temporary folder.
    env = {
      ...process.env,
      JUPYTER_PATH: setup.stdout.trim().split('\n').pop(),
      JUPYTER_DATA_DIR: path.join(work, 'jupyter-data'),
      JUPYTER_RUNTIME_DIR: path.join(work, 'jupyter-runtime'),
      JUPYTER_CONFIG_DIR: path.join(work, 'jupyter-config'),
    };
    for (const name of [NOTEBOOK, LAB]) {
      const notebookFile = path.join(served, `${name}.ipynb`);
      let trust = spawnSync('jupyter', ['trust', notebookFile], { encoding: 'utf8', env });
      // `jupyter trust` comes with Debian's jupyter-nbformat; the module behind it is always there.
      if (trust.status !== 0) trust = spawnSync(jupyterPython(), ['-m', 'nbformat.sign', notebookFile], { encoding: 'utf8', env });
      assert.equal(trust.status, 0, `jupyter trust: ${trust.stderr}`);
    }

    port = await freePort();
    const args = ['notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0',
      `--NotebookApp.token=${token}`, `--notebook-dir=${served}`];
    if (process.getuid?.() === 0) args.push('--allow-root');
    server = spawn('jupyter', args, { cwd: served, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk) => { serverLog += chunk; });
    server.stderr!.on('data', (chunk) => { serverLog += chunk; });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`jupyter notebook exited (${server.exitCode}):\n${serverLog}`);
      try {
        if ((await api('/api/status')).ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`jupyter notebook did not answer within 60 s:\n${serverLog}`);
      await sleep(250);
    }
    browser = await launchChromium();
  }, { timeout: 20 * 60_000 });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (server && server.exitCode === null && server.signalCode === null) {
      // Shut the kernels down through the server (they run in sessions of their own), then the server.
      try {
        const kernels = (await (await api('/api/kernels')).json()) as { id: string }[];
        await Promise.all(kernels.map((k) => api(`/api/kernels/${k.id}`, { method: 'DELETE' }).catch(() => undefined)));
      } catch { /* the server is not answering: the signals below still stop it */ }
      const exited = new Promise<void>((resolve) => server!.once('exit', () => resolve()));
      try { process.kill(-server.pid!, 'SIGTERM'); } catch { /* gone */ }
      const stopped = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!stopped) {
        try { process.kill(-server.pid!, 'SIGKILL'); } catch { /* gone */ }
        await Promise.race([exited, sleep(5_000)]);
      }
    }
    fs.rmSync(work, { recursive: true, force: true });
  }, { timeout: 60_000 });

  /** Opens a served notebook in Notebook 6, watching what goes wrong; everything must come from 127.0.0.1. */
  async function openServed(page: Page, notebook: string): Promise<PageWatch> {
    const watch = await PageWatch.on(page, { allowed: NOTEBOOK6_CHATTER });
    await page.route(/^(https?|wss?):\/\/(?!127\.0\.0\.1[:/])/, async (route) => {
      watch.problems.push(`network request: ${route.request().url()}`);
      await route.abort('internetdisconnected');
    });
    await page.goto(`http://127.0.0.1:${port}/notebooks/${notebook}.ipynb?token=${token}`, { waitUntil: 'load', timeout: 60_000 });
    return watch;
  }

  test('without Chromium, reproduce still succeeds and says the static figures were skipped', () => {
    assert.equal(reproduceStatus, 0, reproduceOutput);
    assert.match(reproduceOutput, /static images of the Plotly figures skipped: Chromium is not installed at .*no-such-chromium/);
    const manifest = JSON.parse(fs.readFileSync(path.join(reports, 'figures', NOTEBOOK, FIGURES_MANIFEST), 'utf8')) as FigureEntry[];
    assert.deepEqual(manifest.filter((f) => f.kind === 'plotly'), [], 'no Plotly images without a browser');
    assert.ok(manifest.some((f) => f.kind === 'image'), 'the glyph mosaics are exported all the same');
    assert.ok(fs.existsSync(path.join(reports, 'index.html')), 'and the index is written');
  });

  test(`Notebook 6 serves the executed ${NOTEBOOK} trusted, and its Plotly figures draw`, async (t) => {
    assert.ok(browser, 'the server and the browser started');
    const expected = (fs.readFileSync(path.join(served, `${NOTEBOOK}.ipynb`), 'utf8').match(/class=\\"ts-plotly\\"/g) ?? []).length;
    assert.ok(expected > 0, 'the executed notebook holds Plotly figures');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      const watch = await openServed(page, NOTEBOOK);
      await page.waitForFunction((n) => document.querySelectorAll('.ts-plotly').length >= n, expected, { timeout: 60_000 });
      await waitForPlots(page, 90_000);
      assert.equal(await page.locator('.ts-plotly').count(), expected, 'every figure of the notebook is on the page');
      const trusted = await page.evaluate(() => (window as unknown as { IPython?: { notebook?: { trusted?: boolean } } }).IPython?.notebook?.trusted);
      assert.equal(trusted, true, 'the notebook is trusted, so its outputs\' scripts ran');
      await page.locator('.ts-plotly').first().scrollIntoViewIfNeeded();
      await page.waitForTimeout(500);
      const shot = await screenshot(page, `notebook6-${NOTEBOOK}`);
      t.diagnostic(`screenshot: ${shot}`);
      for (const seen of watch.allowedSeen) t.diagnostic(seen);
      assert.deepEqual(watch.problems, [], watch.problems.join('\n'));
    } finally {
      await page.close();
    }
  });

  test(`the lab of ${LAB} trains in the live notebook, offline`, async () => {
    assert.ok(browser, 'the server and the browser started');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      const watch = await openServed(page, LAB);
      const lab = page.locator('[data-autoencoder-lab][data-ready="true"]');
      await lab.waitFor({ timeout: 60_000 });
      await lab.locator('button[name=train]').click();
      await page.waitForFunction(() => document.querySelector('[data-autoencoder-lab]')!.getAttribute('data-state') === 'done', undefined, { timeout: 120_000 });
      assert.ok(Number(await lab.getAttribute('data-max-wrong-pixels')) <= 1, "the course's criterion, reached in the page");
      assert.deepEqual(watch.problems, [], watch.problems.join('\n'));
    } finally {
      await page.close();
    }
  });
});
