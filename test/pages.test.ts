/**
 * The page widgets in headless Chromium, built straight from the library (no notebook run): the
 * latent explorer and the image map load from a file with no network, log nothing, and draw what
 * they are given. Their scripts are the compiled browser scripts of lib/pages/browser.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import type { Browser, Page } from 'playwright-core';
import { Autoencoder } from '../lib/autoencoder';
import { initEngine } from '../lib/engine';
import { plotlyLoaderHtml } from '../lib/figures';
import { glyphBits, loadFont } from '../lib/font';
import { latentBox } from '../lib/latent';
import { loadEmbeddedMnist, imageAt } from '../lib/mnist';
import { imageMapHtml, latentExplorerHtml } from '../lib/pages';
import { libraryModulesScript } from '../lib/pages/script';
import { glyphChar } from '../lib/subsets';
import { browserUnavailable, launchChromium, waitForPlots } from '../scripts/report';
import { PageWatch } from './browser-helpers';
import { projectRoot, scratchDir } from './helpers';

const skip = browserUnavailable() ?? false;

describe('the image map\'s payload', () => {
  test('1 000 MNIST digits make an image map under 400 kB', () => {
    const digits = loadEmbeddedMnist().test;
    const count = 1000;
    const html = imageMapHtml({
      codes: Array.from({ length: count }, (_, i) => [Math.cos(i) * Math.sqrt(i) / 7, Math.sin(i) * Math.sqrt(i) / 7]),
      labels: Array.from(digits.labels.subarray(0, count)), classNames: Array.from({ length: 10 }, (_, c) => String(c)),
      images: Array.from({ length: count }, (_, i) => imageAt(digits, i)), rows: digits.rows, cols: digits.cols, name: 'map',
    });
    assert.ok(html.length < 400_000, `${html.length} characters`);
  });
});

describe('library modules in a page', () => {
  test('the lab\'s Autoencoder is the library\'s own code, with what it requires once each, run against the page\'s tf', async () => {
    await initEngine('wasm');
    const script = libraryModulesScript(['autoencoder', 'random']);
    for (const module of ['autoencoder', 'activations', 'random']) {
      assert.equal(script.split(`factories["${module}"]`).length - 1, 1, `${module} once`);
    }
    assert.ok(!script.includes('factories["metrics"]'), 'only what was asked for and what it requires');
    // The page's global tf is this process's TensorFlow.js; the script defines libraryModule.
    const page = vm.createContext({ tf });
    vm.runInContext(script, page);
    const pageModule = page.libraryModule as (name: string) => typeof import('../lib/autoencoder');
    const { Autoencoder: PageAutoencoder } = pageModule('autoencoder');
    assert.notEqual(PageAutoencoder, Autoencoder, 'compiled anew in the page, not this process\'s module');
    assert.equal(pageModule('autoencoder'), pageModule('./autoencoder'), 'each module runs once');
    const [inPage, library] = [new PageAutoencoder({ layers: [35, 10, 2, 10, 35], seed: 3 }), new Autoencoder({ layers: [35, 10, 2, 10, 35], seed: 3 })];
    try {
      // Through JSON: the page's arrays are of the vm's realm, whose prototypes strict equality tells apart.
      assert.deepEqual(JSON.parse(JSON.stringify(inPage.parameters())), library.parameters(), 'the same weights from the same seed');
      const x = tf.tensor2d([Array.from({ length: 35 }, (_, i) => i % 2)]);
      const [a, b] = [inPage.loss(x, x), library.loss(x, x)];
      assert.equal(a.dataSync()[0], b.dataSync()[0], 'the same loss');
      tf.dispose([x, a, b]);
    } finally {
      inPage.dispose();
      library.dispose();
    }
  });
});

describe('the page widgets in headless Chromium', { skip }, () => {
  const dir = scratchDir('ae-pages-');
  let browser: Browser | undefined;

  before(async () => {
    await initEngine('wasm');
    browser = await launchChromium();
  });
  after(async () => { await browser?.close(); });

  /** Opens `body` as a page on disk, offline, with plotly.js loaded first; returns what went wrong on it. */
  async function withPage(name: string, body: string, work: (page: Page) => Promise<void>): Promise<string[]> {
    const file = path.join(dir, `${name}.html`);
    fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n${plotlyLoaderHtml()}\n${body}\n</body></html>`);
    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      const watch = await PageWatch.on(page, { offline: true });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await work(page);
      await page.waitForTimeout(200);
      return watch.problems;
    } finally {
      await page.close();
    }
  }

  test('the explorer decodes under the pointer and names the nearest glyph', async () => {
    const font = loadFont(path.join(projectRoot, 'data', 'font.h'));
    const glyphs = glyphBits(font);
    const model = new Autoencoder({ layers: [35, 10, 2, 10, 35], seed: 3 });
    const codes = model.encodeArray(glyphs);
    const html = latentExplorerHtml({ model, glyphs, labels: font.glyphs.map(glyphChar), codes, box: latentBox(codes) });
    model.dispose();
    const problems = await withPage('explorer', html, async (page) => {
      const explorer = page.locator('.ae-explorer[data-ready="true"]');
      await explorer.waitFor({ timeout: 30_000 });
      const box = (await explorer.locator('canvas.ae-plane').boundingBox())!;
      const decoded = async (): Promise<string> => explorer.locator('canvas.ae-decoded').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
      const seen = new Set<string>();
      for (const [fx, fy] of [[0.05, 0.05], [0.95, 0.95], [0.05, 0.95], [0.95, 0.05]]) {
        await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height, { steps: 2 });
        seen.add(await decoded());
      }
      assert.ok(seen.size >= 2, `the corners decode to different images (${seen.size})`);
      assert.match(await explorer.locator('.ae-info').innerText(), /^z = \(-?\d+\.\d\d, -?\d+\.\d\d\)\s+·\s+nearest training glyph: "/);
      assert.notEqual(await explorer.getAttribute('data-nearest'), null);
    });
    assert.deepEqual(problems, []);
  });

  test('the image map draws the hovered point\'s image, filling its canvas without seams', async () => {
    // 3 x 3 images on a 100-pixel canvas: squares of 33 1/3 pixels, which must still cover it all.
    const ink = Array(9).fill(1);
    const paper = Array(9).fill(0);
    const html = imageMapHtml({
      codes: [[0, 0], [1, 1], [2, 0], [3, 1]], labels: [0, 1, 0, 1], classNames: ['paper', 'ink'],
      images: [paper, ink, paper, ink], rows: 3, cols: 3, imageSize: 100, name: 'map',
    });
    const problems = await withPage('imagemap', html, async (page) => {
      await waitForPlots(page);
      await page.waitForSelector('.ae-map-panel[data-ready="true"]', { timeout: 30_000 });
      const panelState = async (): Promise<{ shown: string | null; dark: number; pixels: number; info: string }> => page.evaluate(() => {
        const panel = document.querySelector('.ae-map-panel') as HTMLElement;
        const canvas = panel.querySelector('canvas') as HTMLCanvasElement;
        // Read through a copy: reading the panel's own canvas again and again makes Chromium warn.
        const copy = document.createElement('canvas');
        [copy.width, copy.height] = [canvas.width, canvas.height];
        const copyContext = copy.getContext('2d', { willReadFrequently: true })!;
        copyContext.drawImage(canvas, 0, 0);
        const rgba = copyContext.getImageData(0, 0, canvas.width, canvas.height).data;
        let dark = 0;
        for (let i = 0; i < rgba.length; i += 4) if (rgba[i] < 128 && rgba[i + 3] === 255) dark++; // opaque: a seam would leave pixels partly covered
        return { shown: panel.getAttribute('data-shown'), dark, pixels: rgba.length / 4, info: panel.querySelector('.ae-map-info')!.textContent ?? '' };
      });
      const first = await panelState();
      assert.equal(first.shown, '0', 'the first point is shown before any hover');
      assert.equal(first.dark, 0, 'a blank image draws no ink');
      const target = await page.evaluate(() => {
        type Axis = { _offset: number; l2p(v: number): number };
        const div = document.querySelector('.ts-plotly') as HTMLElement & { data: { x: number[]; y: number[] }[]; _fullLayout: { xaxis: Axis; yaxis: Axis } };
        const rect = div.getBoundingClientRect();
        const { xaxis, yaxis } = div._fullLayout;
        return { x: rect.left + xaxis._offset + xaxis.l2p(div.data[1].x[1]), y: rect.top + yaxis._offset + yaxis.l2p(div.data[1].y[1]) };
      });
      await page.mouse.move(target.x - 20, target.y - 20);
      await page.mouse.move(target.x, target.y, { steps: 4 });
      await page.waitForFunction(() => document.querySelector('.ae-map-panel')!.getAttribute('data-shown') === '3', undefined, { timeout: 10_000 });
      const hovered = await panelState();
      assert.equal(hovered.dark, hovered.pixels, 'an all-ink image covers the whole canvas');
      assert.match(hovered.info, /^ink · #3 · z = \(3\.00, 1\.00\)$/);
    });
    assert.deepEqual(problems, []);
  });

  test('the image map shows each point\'s own image, grey level for grey level', async () => {
    // 4 x 3 images whose every pixel differs from every other image's: a mix-up of two shows.
    const count = 11, rows = 4, cols = 3;
    const level = (i: number, p: number): number => ((i * rows * cols + p) * 37) % 256;
    const images = Array.from({ length: count }, (_, i) => Array.from({ length: rows * cols }, (_, p) => level(i, p) / 255));
    const html = imageMapHtml({
      codes: images.map((_, i) => [i, i % 3]), labels: images.map((_, i) => i % 2), classNames: ['even', 'odd'],
      images, rows, cols, imageSize: 120, name: 'map',
    });
    const problems = await withPage('imagemap-levels', html, async (page) => {
      await waitForPlots(page);
      await page.waitForSelector('.ae-map-panel[data-ready="true"]', { timeout: 30_000 });
      const shown = await page.evaluate(({ count, rows, cols }) => {
        const div = document.querySelector('.ts-plotly') as HTMLElement & { data: { name: string; x: number[]; y: number[]; customdata: number[][] }[]; emit(event: string, data: unknown): void };
        const canvas = document.querySelector('.ae-map-panel canvas') as HTMLCanvasElement;
        const out: number[][] = [];
        for (let position = 0; position < count; position++) {
          const trace = div.data.find((t) => t.customdata.some((c) => c[0] === position))!;
          const k = trace.customdata.findIndex((c) => c[0] === position);
          div.emit('plotly_hover', { points: [{ x: trace.x[k], y: trace.y[k], customdata: trace.customdata[k], data: { name: trace.name } }] });
          const copy = document.createElement('canvas');
          [copy.width, copy.height] = [canvas.width, canvas.height];
          const ctx = copy.getContext('2d', { willReadFrequently: true })!;
          ctx.drawImage(canvas, 0, 0);
          const rgba = ctx.getImageData(0, 0, copy.width, copy.height).data;
          // The centre of each pixel's square: white 0 to black 1, so ink b reads 255 - b.
          out.push(Array.from({ length: rows * cols }, (_, p) => {
            const x = Math.floor(((p % cols) + 0.5) * copy.width / cols), y = Math.floor((Math.floor(p / cols) + 0.5) * copy.height / rows);
            return 255 - rgba[(y * copy.width + x) * 4];
          }));
        }
        return out;
      }, { count, rows, cols });
      assert.deepEqual(shown, images.map((_, i) => Array.from({ length: rows * cols }, (_, p) => level(i, p))));
    });
    assert.deepEqual(problems, []);
  });
});
