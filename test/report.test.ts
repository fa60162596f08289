/**
 * The report's parts that need no browser: how figures carry their names (lib/figures) and how the
 * exporter reads them back from an executed notebook, file names, the figures folder without
 * Chromium, and the index page. The browser checks are in browser.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { encodePng } from '../lib/png';
import { plotHtml, showGlyphMosaic, showPlot, lineChart } from '../lib/figures';
import { GLYPH_PIXELS } from '../lib/font';
import { scratchDir } from './helpers';
import {
  FIGURES_MANIFEST, FigureEntry, FigureExporter, INDEX_MAX_ROWS, fileSafeName, indexHtml, keyTable,
  notebookImages, replaceFolder, writeIndex,
} from '../scripts/report';

function temporaryDir(prefix: string): string {
  return scratchDir(prefix);
}

/** Runs `work` with a fake tslab whose display records outputs as an executed notebook would hold them. */
function withFakeTslab(work: () => void): { output_type: string; data: Record<string, unknown> }[] {
  const outputs: { output_type: string; data: Record<string, unknown> }[] = [];
  const record = (mime: string, value: unknown): void => { outputs.push({ output_type: 'display_data', data: { [mime]: value } }); };
  const fakeTslab = {
    display: {
      html: (s: string) => record('text/html', s.split(/(?<=\n)/)), // nbformat stores multi-line strings as lists
      png: (b: Uint8Array) => record('image/png', Buffer.from(b).toString('base64')),
      text: (s: string) => record('text/plain', s),
    },
  };
  const globals = globalThis as Record<string, unknown>;
  const saved = globals.__tslab__;
  globals.__tslab__ = { require: (id: string) => (id === 'tslab' ? fakeTslab : require(id)) };
  try {
    work();
  } finally {
    globals.__tslab__ = saved;
  }
  return outputs;
}

function writeNotebook(file: string, cells: { outputs: unknown[] }[]): void {
  fs.writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: cells.map((c) => ({ cell_type: 'code', source: [], metadata: {}, ...c })) }));
}

const glyph = (on: number): number[] => Array.from({ length: GLYPH_PIXELS }, (_, i) => (i % on === 0 ? 1 : 0));

describe('figures carry their names', () => {
  test('plotHtml puts the name in data-figure-name, escaped; without one there is no attribute', () => {
    const named = plotHtml({ data: [] }, 'p1', undefined, 300, 'loss "a" <b>');
    assert.match(named, /^<div id="p1" class="ts-plotly" data-figure-name="loss &#34;a&#34; &lt;b&gt;" style=/);
    assert.doesNotMatch(plotHtml({ data: [] }, 'p2'), /data-figure-name/);
  });

  test('showPlot names its div; showGlyphMosaic names its caption, mosaic-N by default, and the exporter reads both back', () => {
    const png = encodePng(2, 1, Uint8Array.of(0, 0, 0, 255, 255, 255, 255, 255));
    const outputs = withFakeTslab(() => {
      showPlot(lineChart({ series: [{ name: 's', y: [1, 2] }] }), { name: 'loss-curve' });
      showGlyphMosaic([{ images: [glyph(2), glyph(3)] }], { name: 'best-run', caption: 'Best run & <more>' });
      showGlyphMosaic([{ images: [glyph(5)] }]);
    });
    const plot = outputs.find((o) => JSON.stringify(o.data['text/html'] ?? '').includes('ts-plotly'));
    assert.ok(plot && (plot.data['text/html'] as string[]).join('').includes('data-figure-name="loss-curve"'));

    const dir = temporaryDir('report-images-');
    try {
      const file = path.join(dir, 'nb.ipynb');
      // A PNG from elsewhere with no caption after it, in a cell of its own.
      writeNotebook(file, [{ outputs }, { outputs: [{ output_type: 'display_data', data: { 'image/png': Buffer.from(png).toString('base64') } }] }]);
      const images = notebookImages(file);
      assert.equal(images.length, 3);
      assert.equal(images[0].name, 'best-run');
      assert.equal(images[0].caption, 'Best run & <more>');
      assert.match(images[1].name ?? '', /^mosaic-\d+$/, 'the default name counts mosaics');
      assert.match(images[1].caption, /^line 1\.$/, 'the default caption');
      assert.deepEqual({ name: images[2].name, caption: images[2].caption, cell: images[2].cell }, { name: null, caption: '', cell: 2 });
      assert.deepEqual(new Uint8Array(images[2].png), png);
      assert.deepEqual([...images[0].png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fileSafeName keeps plain names and makes the rest safe', () => {
    assert.equal(fileSafeName('loss-tuned_2.v1'), 'loss-tuned_2.v1');
    assert.equal(fileSafeName('Loss / epoch: é!'), 'Loss-epoch-e');
    assert.equal(fileSafeName('../../etc/passwd'), 'etc-passwd');
    assert.equal(fileSafeName('***'), 'figure');
  });
});

describe('the figures folder', () => {
  test('without Chromium the Plotly figures are skipped with the reason; images and the manifest are written', async () => {
    const dir = temporaryDir('report-figures-');
    const saved = process.env.AE_CHROMIUM;
    process.env.AE_CHROMIUM = path.join(dir, 'no-chromium');
    const exporter = new FigureExporter();
    try {
      const png = encodePng(1, 1, Uint8Array.of(9, 9, 9, 255));
      const outputs = withFakeTslab(() => {
        showGlyphMosaic([{ images: [glyph(2)] }], { name: 'same' });
        showGlyphMosaic([{ images: [glyph(3)] }], { name: 'same' });
      });
      writeNotebook(path.join(dir, 'nb.ipynb'), [{ outputs }, { outputs: [{ output_type: 'display_data', data: { 'image/png': Buffer.from(png).toString('base64') } }] }]);
      fs.writeFileSync(path.join(dir, 'nb.html'), '<div class="ts-plotly" data-figure-name="never-drawn"></div>');
      const out = path.join(dir, 'figures');
      const result = await exporter.export(path.join(dir, 'nb.html'), path.join(dir, 'nb.ipynb'), out);
      assert.match(result.skipped ?? '', /Chromium is not installed at .*no-chromium/);
      assert.deepEqual(result.figures.map((f) => [f.name, f.kind, f.files]), [
        ['same', 'image', ['same.png']],
        ['same-2', 'image', ['same-2.png']],
        ['image-cell2-1', 'image', ['image-cell2-1.png']],
      ]);
      assert.ok(result.notes.some((n) => n.includes('"same" saved as same-2')), 'a renamed duplicate is reported');
      assert.deepEqual(fs.readdirSync(out).sort(), ['figures.json', 'image-cell2-1.png', 'same-2.png', 'same.png']);
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, FIGURES_MANIFEST), 'utf8')), result.figures);
      assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(out, 'image-cell2-1.png'))), png);
    } finally {
      await exporter.close();
      if (saved === undefined) delete process.env.AE_CHROMIUM; else process.env.AE_CHROMIUM = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('replaceFolder swaps a folder in whole and leaves nothing behind', () => {
    const dir = temporaryDir('report-replace-');
    try {
      const target = path.join(dir, 'figures', 'nb');
      fs.mkdirSync(target, { recursive: true });
      fs.writeFileSync(path.join(target, 'stale.png'), 'old');
      const fresh = path.join(dir, 'fresh');
      fs.mkdirSync(fresh);
      fs.writeFileSync(path.join(fresh, 'new.png'), 'new');
      replaceFolder(fresh, target);
      assert.deepEqual(fs.readdirSync(target), ['new.png']);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'figures')), ['nb']);
      assert.ok(!fs.existsSync(fresh));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the index page', () => {
  function results(name: string, rows: number): Record<string, unknown> {
    return {
      notebook: name,
      engine: 'wasm',
      params: { seeds: [0, 1], note: '<script>alert(1)</script>' },
      startedAt: '2026-01-02T03:04:05.678Z',
      seconds: 125.5,
      machine: { cores: 2, cpu: 'Test CPU', platform: 'linux test', node: 'v20.0.0' },
      tables: {
        runs: [{ a: 1 }],
        summary: Array.from({ length: rows }, (_, i) => ({ arch: [35, 2, 35], loss: 1 / (i + 3), reached: i, note: i === 0 ? '<b>' : null })),
      },
    };
  }

  test('shows runs, key numbers (capped), parameters and figures, escapes everything and links only files that exist', () => {
    const reports = temporaryDir('report-index-');
    const notebooks = temporaryDir('report-notebooks-');
    try {
      fs.writeFileSync(path.join(reports, '01-a.json'), JSON.stringify(results('01-a', 20)));
      fs.writeFileSync(path.join(reports, '01-a.html'), '<html></html>');
      fs.writeFileSync(path.join(reports, '02-b.json'), JSON.stringify(results('02-b', 2)));
      fs.writeFileSync(path.join(reports, '02-b.failed.ipynb'), '{}');
      const later = new Date(Date.now() + 60_000);
      fs.utimesSync(path.join(reports, '02-b.failed.ipynb'), later, later);
      fs.writeFileSync(path.join(reports, 'not-a-result.json'), JSON.stringify({ hello: 1 }));
      fs.mkdirSync(path.join(reports, 'figures', '01-a'), { recursive: true });
      const manifest: FigureEntry[] = [{ name: 'loss', kind: 'plotly', files: ['loss.png', 'loss.svg'], caption: 'Look <here>' }];
      fs.writeFileSync(path.join(reports, 'figures', '01-a', FIGURES_MANIFEST), JSON.stringify(manifest));
      fs.writeFileSync(path.join(reports, 'figures', '01-a', 'loss.png'), 'png');
      fs.writeFileSync(path.join(notebooks, '01-a.ipynb'), JSON.stringify({ cells: [{ cell_type: 'markdown', source: ['# 01 · A & B\n', 'text'] }] }));
      fs.writeFileSync(path.join(notebooks, '03-c.ipynb'), JSON.stringify({ cells: [] }));

      const html = indexHtml(reports, notebooks);
      assert.doesNotMatch(html, /<script/i, 'no script, not even from a parameter');
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.match(html, /<h2><a href="01-a\.html">01 · A &amp; B<\/a><\/h2>/, 'the title from the notebook, linked to the export');
      assert.match(html, /<h2>02-b<\/h2>/, 'no export, no link');
      assert.doesNotMatch(html, /href="02-b\.html"|href="01-a\.ipynb"/, 'only existing files are linked');
      assert.match(html, /2026-01-02 03:04:05 UTC, 2 min 6 s/);
      assert.match(html, /Test CPU, 2 core\(s\), linux test, Node v20\.0\.0/);
      assert.match(html, /Key numbers: table &#34;summary&#34;/, 'the summary table is the key one');
      const section = html.slice(html.indexOf('<section id="01-a">'), html.indexOf('<section id="02-b">'));
      assert.equal((section.match(/<tr><td>35-2-35<\/td>/g) ?? []).length, INDEX_MAX_ROWS, 'rows are capped');
      assert.match(section, /8 more row\(s\) in the JSON file/);
      assert.match(section, /<td class="num">0\.3333<\/td>/, 'numbers are rounded for reading');
      assert.match(section, /<td>&lt;b&gt;<\/td>/);
      assert.match(section, /<img src="figures\/01-a\/loss\.png"/);
      assert.doesNotMatch(section, /loss\.svg/, 'a file missing from the folder is not linked');
      assert.match(section, /Look &lt;here&gt;/);
      assert.match(html, /The latest run failed \(<a href="02-b\.failed\.ipynb">/);
      assert.doesNotMatch(html, /not-a-result/, 'JSON files that are not results are left out');
      assert.match(html, /Not reproduced yet<\/h2><p><code>03-c<\/code>/);

      const file = writeIndex(reports, notebooks);
      assert.equal(file, path.join(reports, 'index.html'));
      assert.ok(fs.readFileSync(file, 'utf8').startsWith('<!DOCTYPE html>'));
      assert.deepEqual(fs.readdirSync(reports).filter((f) => f.includes('.tmp')), [], 'written atomically, no temporary file left');
    } finally {
      fs.rmSync(reports, { recursive: true, force: true });
      fs.rmSync(notebooks, { recursive: true, force: true });
    }
  });

  test('the key table is "summary" when there is one, else the first', () => {
    assert.equal(keyTable({ runs: [], summary: [{ a: 1 }] })?.name, 'summary');
    assert.equal(keyTable({ model: [{ a: 1 }], runs: [] })?.name, 'model');
    assert.equal(keyTable({}), null);
  });
});
