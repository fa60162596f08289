/**
 * The autoencoder lab (notebook 06) in headless Chromium: the page computes the library's numbers
 * from the kernel's weights, and the notebook's HTML export, opened from disk with no network,
 * trains to the course's criterion, resets, and takes a new learning rate at once.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { Autoencoder } from '../lib/autoencoder';
import { initEngine } from '../lib/engine';
import { setSpeedPath, speedPath } from '../lib/fast/path';
import { glyphBits, loadFont } from '../lib/font';
import { LabSettings, labHtml, LabSpec } from '../lib/pages/lab';
import { glyphChar } from '../lib/subsets';
import { trainAutoencoder } from '../lib/train';
import { browserUnavailable, launchChromium } from '../scripts/report';
import { browserTestSkip, PageWatch } from './browser-helpers';
import { projectRoot, scratchDir } from './helpers';

interface PageLab {
  trainEpochs(epochs: number): number[];
  weights(): { weights: number[][]; biases: number[][] };
  initialWeights(layers: number[], seed: number): { weights: number[][]; biases: number[][] };
  tensors(): number;
}

const font = loadFont(path.join(projectRoot, 'data', 'font.h'));
const glyphs = glyphBits(font);
const labels = font.glyphs.map(glyphChar);
const defaults: LabSettings = {
  layers: [35, 20, 10, 2, 10, 20, 35], hiddenActivation: 'tanh', optimizer: 'adam', learningRate: 0.005, batchSize: null, noise: 0, seed: 3,
};

const attributes = async (lab: Locator): Promise<{ state: string; epoch: number; loss: number; max: number; total: number }> => ({
  state: (await lab.getAttribute('data-state')) ?? '',
  epoch: Number(await lab.getAttribute('data-epoch')),
  loss: Number(await lab.getAttribute('data-loss')),
  max: Number(await lab.getAttribute('data-max-wrong-pixels')),
  total: Number(await lab.getAttribute('data-total-wrong-pixels')),
});

describe('the lab in headless Chromium', { skip: browserUnavailable() ?? false }, () => {
  const dir = scratchDir('ae-lab-');
  let browser: Browser | undefined;

  before(async () => {
    await initEngine('wasm');
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); });

  async function withLabPage(name: string, spec: LabSpec, work: (page: Page, lab: Locator) => Promise<void>): Promise<string[]> {
    const model = new Autoencoder({ layers: spec.settings.layers, hiddenActivation: spec.settings.hiddenActivation, seed: spec.settings.seed });
    const file = path.join(dir, `${name}.html`);
    fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n${labHtml(spec, model)}\n</body></html>`);
    model.dispose();
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      const watch = await PageWatch.on(page, { offline: true });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const lab = page.locator('[data-autoencoder-lab][data-ready="true"]');
      await lab.waitFor({ timeout: 60_000 });
      await work(page, lab);
      return watch.problems;
    } finally {
      await page.close();
    }
  }

  /** The library's plain path (tfjs autodiff + tf.train) for `epochs` epochs of `settings`. */
  async function libraryRun(settings: LabSettings, epochs: number): Promise<{ loss: number[]; max: number; total: number; initial: { weights: number[][]; biases: number[][] } }> {
    const model = new Autoencoder({ layers: settings.layers, hiddenActivation: settings.hiddenActivation, seed: settings.seed });
    const before = model.parameters();
    const path = speedPath();
    setSpeedPath('plain');
    try {
      const history = await trainAutoencoder(model, glyphs, {
        epochs, learningRate: settings.learningRate, optimizer: settings.optimizer, batchSize: settings.batchSize, seed: settings.seed,
        maxWrongPixels: null, checkEvery: epochs, progress: null, stopOnInterrupt: false,
      });
      return { loss: history.loss, max: history.maxWrongPixels, total: history.totalWrongPixels, initial: { weights: before.weights.map((w) => w.flat()), biases: before.biases } };
    } finally {
      setSpeedPath(path);
      model.dispose();
    }
  }

  for (const [what, settings] of [
    ['the whole font in each step', defaults],
    ['mini-batches of 8 in the seeded order', { ...defaults, batchSize: 8, seed: 5 }],
  ] as [string, LabSettings][]) {
    test(`from the kernel's weights, 200 epochs in the page give the library's losses and wrong pixels (${what})`, async () => {
      const epochs = 200;
      const library = await libraryRun(settings, epochs);
      const problems = await withLabPage(`same-${settings.batchSize ?? 'all'}`, { glyphs, labels, settings, maxWrongPixels: 1, presets: [] }, async (page, lab) => {
        // The page draws the weights of any seed with the library's generator: the same numbers as the kernel's.
        const drawn = await lab.evaluate((root, s) => (root as unknown as { aeLab: PageLab }).aeLab.initialWeights(s.layers, s.seed), settings);
        assert.deepEqual(drawn, library.initial, "the page's own draw of the initial weights is the kernel's, bit for bit");
        assert.equal(await lab.getAttribute('data-initial-weights'), 'kernel');
        const tensors = (): Promise<number> => lab.evaluate((root) => (root as unknown as { aeLab: PageLab }).aeLab.tensors());
        const atStart = await tensors();
        // Adam makes its moments at the first step; from then on the count stays flat.
        await lab.evaluate((root) => (root as unknown as { aeLab: PageLab }).aeLab.trainEpochs(1));
        const afterFirstEpoch = await tensors();
        const losses = await lab.evaluate((root, n) => (root as unknown as { aeLab: PageLab }).aeLab.trainEpochs(n), epochs - 1);
        assert.equal(losses.length, epochs);
        for (const e of [0, 9, 99, epochs - 1]) {
          const gap = Math.abs(losses[e] - library.loss[e]) / library.loss[e];
          assert.ok(gap <= 1e-3, `epoch ${e + 1}: page ${losses[e]}, library ${library.loss[e]} (relative gap ${gap})`);
        }
        assert.ok(library.loss[epochs - 1] < 0.5 * library.loss[0], 'and it is a run that learned something');
        const state = await attributes(lab);
        assert.equal(state.epoch, epochs);
        assert.equal(state.loss, losses[epochs - 1]);
        assert.deepEqual([state.max, state.total], [library.max, library.total], 'the same wrong pixels, read at 0.5');
        assert.equal(await tensors(), afterFirstEpoch, 'training frees its tensors');
        await page.getByRole('button', { name: 'Reset' }).click();
        await page.getByRole('button', { name: 'Reset' }).click();
        assert.equal(await tensors(), atStart, 'Reset frees the old model and its optimizer');
      });
      assert.deepEqual(problems, []);
    });
  }

  test('bad settings in the page are refused with a sentence, and the model is kept', async () => {
    const problems = await withLabPage('refused', { glyphs, labels, settings: defaults, maxWrongPixels: 1, presets: [] }, async (page, lab) => {
      await page.getByRole('button', { name: 'Step' }).click();
      await lab.locator('input[name=layers]').fill('35, 10, 3, 10, 35');
      await page.getByRole('button', { name: 'Reset' }).click();
      assert.match(await lab.locator('.ae-lab-message').innerText(), /^Not applied: the layers must go from 35 to 35 through one smallest inner layer of size 1 or 2/);
      assert.equal((await attributes(lab)).epoch, 1, 'the running model is untouched');
      await lab.locator('input[name=layers]').fill('35, 10, 1, 10, 35');
      await page.getByRole('button', { name: 'Reset' }).click();
      assert.equal(await lab.locator('.ae-lab-latent').innerText(), 'latent size: 1 (the smallest layer)');
      assert.equal(await lab.getAttribute('data-initial-weights'), 'page', 'other layers: the page draws the weights');
      await page.getByRole('button', { name: 'Step' }).click();
      assert.equal((await attributes(lab)).epoch, 1);
    });
    assert.deepEqual(problems, []);
  });
});

describe('notebook 06, its HTML export opened from disk', { skip: browserTestSkip('the lab export test') }, () => {
  const reports = scratchDir('ae-lab-reports-');
  let browser: Browser | undefined;
  let run: { status: number | null; output: string };

  before(async () => {
    const result = spawnSync(process.execPath, [path.join(projectRoot, 'build', 'scripts', 'reproduce.js'), '--quick', '06'], {
      cwd: projectRoot, encoding: 'utf8', env: { ...process.env, AE_REPORTS_DIR: reports },
    });
    run = { status: result.status, output: `${result.stdout}\n${result.stderr}` };
    browser = await launchChromium();
  }, { timeout: 10 * 60_000 });
  after(async () => { await browser?.close(); });

  test('trains to the criterion with the default settings, resets, and takes a new learning rate at once', async () => {
    assert.equal(run.status, 0, run.output);
    const exported = path.join(reports, '06-lab.html');
    const size = fs.statSync(exported).size;
    assert.ok(size <= 5 * 1024 * 1024, `the export is ${size} bytes, TensorFlow.js included; at most 5 MB`);
    const results = JSON.parse(fs.readFileSync(path.join(reports, '06-lab.json'), 'utf8'));
    const [library] = results.tables.library as { epochsToCriterion: number | null }[];
    assert.ok(library.epochsToCriterion !== null, 'the library run of the same model met the criterion');
    const executedLab = JSON.parse(fs.readFileSync(path.join(reports, '06-lab.ipynb'), 'utf8')) as { cells: { outputs?: { text?: string | string[]; data?: Record<string, unknown> }[] }[] };
    const echoed = executedLab.cells.flatMap((c) => c.outputs ?? []).filter((o) => /DataFrame \{/.test(`${[o.text ?? []].flat().join('')}${String(o.data?.['text/plain'] ?? '')}`));
    assert.equal(echoed.length, 0, 'the table is not echoed a second time as a DataFrame dump');

    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      const watch = await PageWatch.on(page, { offline: true });
      await page.goto(pathToFileURL(exported).href, { waitUntil: 'load' });
      const lab = page.locator('[data-autoencoder-lab][data-ready="true"]');
      await lab.waitFor({ timeout: 60_000 });
      const start = await attributes(lab);
      assert.deepEqual([start.state, start.epoch, await lab.getAttribute('data-loss')], ['idle', 0, ''], 'idle at epoch 0, no loss yet');
      assert.ok(start.max > 1, 'the untrained model is far from the criterion');
      await page.getByRole('button', { name: 'Train' }).click();
      await page.waitForFunction(() => document.querySelector('[data-autoencoder-lab]')!.getAttribute('data-state') === 'done', undefined, { timeout: 120_000 });
      const done = await attributes(lab);
      assert.ok(done.max <= 1, `the course's criterion: worst glyph ${done.max} wrong pixels`);
      assert.ok(Math.abs(done.epoch - library.epochsToCriterion!) <= 20,
        `the page stopped at epoch ${done.epoch}, the library's run of the same model at ${library.epochsToCriterion}`);
      assert.equal(await page.getByRole('button', { name: 'Train' }).isDisabled(), true, 'done: Train waits for Reset');

      await page.getByRole('button', { name: 'Reset' }).click();
      assert.deepEqual([(await attributes(lab)).epoch, (await attributes(lab)).state], [0, 'idle'], 'Reset returns to epoch 0');
      const stepLoss = async (steps: number): Promise<number> => {
        for (let i = 0; i < steps; i++) await page.getByRole('button', { name: 'Step' }).click();
        return (await attributes(lab)).loss;
      };
      const atDefaultRate = await stepLoss(5);
      await page.getByRole('button', { name: 'Reset' }).click();
      await lab.locator('input[name=learningRate]').fill('0.05');
      await lab.locator('input[name=learningRate]').dispatchEvent('change');
      assert.match(await lab.locator('.ae-lab-message').innerText(), /^Learning rate 0\.05 from epoch 1\./);
      const atTenTimes = await stepLoss(5);
      assert.ok(atTenTimes < atDefaultRate, `five steps at 0.05 lower the loss more than at 0.005 (${atTenTimes} against ${atDefaultRate})`);
      assert.deepEqual(watch.problems, [], watch.problems.join('\n'));
    } finally {
      await page.close();
    }
  });
});
