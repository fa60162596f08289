/**
 * Executes notebooks headlessly with their quick presets, exactly as `npm run reproduce -- --quick`
 * does, into a temporary reports folder, and checks what they wrote.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { projectRoot } from './helpers';

const reproduceScript = path.join(projectRoot, 'build', 'scripts', 'reproduce.js');

function reproduce(args: string[], reportsDir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [reproduceScript, ...args], {
    cwd: projectRoot, encoding: 'utf8', env: { ...process.env, AE_REPORTS_DIR: reportsDir },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

interface RunRow {
  arch: number[]; settings: string; seed: number; finalLoss: number; maxWrongPixels: number;
  totalWrongPixels: number; epochsToCriterion: number | null; seconds: number;
}

describe('notebook 01, quick parameters', () => {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'ae-reports-'));

  test('runs headlessly and writes the executed copy, the HTML export and the results', () => {
    const { status, output } = reproduce(['--quick', '01', 'seeds=[0,1]'], reports);
    assert.equal(status, 0, output);
    for (const ext of ['ipynb', 'html', 'json']) assert.ok(fs.existsSync(path.join(reports, `01-layer-count.${ext}`)), `${ext} written`);
    assert.deepEqual(fs.readdirSync(reports).filter((f) => f.startsWith('.')), [], 'no temporary folder left behind');

    const results = JSON.parse(fs.readFileSync(path.join(reports, '01-layer-count.json'), 'utf8'));
    assert.equal(results.notebook, '01-layer-count');
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(results.engine));
    assert.deepEqual(results.params.seeds, [0, 1], 'the command-line override reached the notebook');
    assert.ok(results.params.tunedEpochs < 20000, 'the quick preset reached the notebook');
    assert.ok(!Number.isNaN(Date.parse(results.startedAt)));
    assert.ok(results.seconds > 0);

    const runs = results.tables.runs as RunRow[];
    const { architectures, seeds } = results.params as { architectures: number[][]; seeds: number[] };
    assert.equal(runs.length, architectures.length * seeds.length * 2, 'one row per architecture, settings and seed');
    for (const row of runs) {
      assert.ok(architectures.some((a) => JSON.stringify(a) === JSON.stringify(row.arch)));
      assert.ok(['report', 'tuned'].includes(row.settings));
      assert.ok(Number.isFinite(row.finalLoss) && row.finalLoss > 0);
      assert.ok(Number.isInteger(row.maxWrongPixels) && row.maxWrongPixels >= 0 && row.maxWrongPixels <= 35);
      assert.ok(row.totalWrongPixels >= row.maxWrongPixels);
      assert.ok(row.epochsToCriterion === null || row.epochsToCriterion > 0);
      assert.equal(row.epochsToCriterion !== null, row.maxWrongPixels <= 1, 'criterion reached exactly when the worst glyph is within 1 pixel');
      assert.ok(row.seconds > 0);
    }
    // The report's few steps at a small learning rate stay far from the criterion; the tuned ones reach it.
    assert.ok(runs.filter((r) => r.settings === 'report').every((r) => r.maxWrongPixels > 1));
    assert.ok(runs.filter((r) => r.settings === 'tuned').every((r) => r.epochsToCriterion !== null));

    const executed = JSON.parse(fs.readFileSync(path.join(reports, '01-layer-count.ipynb'), 'utf8'));
    const injected = executed.cells.find((c: { metadata?: { tags?: string[] } }) => c.metadata?.tags?.includes('injected-parameters'));
    assert.ok(injected, 'the executed copy records the injected parameters');
    assert.match(injected.source.join ? injected.source.join('') : injected.source, /seeds = \[0,1\]/);
    const outputs = executed.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []) as { data?: Record<string, unknown>; text?: string[] }[];
    assert.ok(outputs.some((o) => o.data?.['image/png']), 'a glyph mosaic is shown');
    assert.ok(outputs.some((o) => String(o.text ?? '').includes('Engine: ')), 'the engine is printed');
    const markdown = outputs.map((o) => o.data?.['text/markdown']).filter(Boolean).join('\n');
    assert.match(markdown, /met the criterion/, 'the conclusion is computed and shown');

    const html = fs.readFileSync(path.join(reports, '01-layer-count.html'), 'utf8');
    assert.ok(html.includes('Plotly.newPlot'), 'the HTML export carries the figures');
    assert.ok(html.includes('window.Plotly'), 'and plotly.js itself, for offline viewing');
  });

  test('an unknown parameter is an error and runs nothing', () => {
    const { status, output } = reproduce(['--quick', '01', 'epochz=3'], reports);
    assert.equal(status, 2);
    assert.match(output, /has no parameter epochz; its parameters are: fontPath/);
  });

  test('a failing notebook names the cell and the error, exits non-zero and keeps the last good results', () => {
    const good = fs.readFileSync(path.join(reports, '01-layer-count.json'), 'utf8');
    const { status, output } = reproduce(['--quick', '01', 'tunedLearningRate=-1'], reports);
    assert.equal(status, 1, output);
    assert.match(output, /01-layer-count\.ipynb failed in cell \d+: .*Parameter tunedLearningRate is -1; it must be a number above 0/);
    assert.equal(fs.readFileSync(path.join(reports, '01-layer-count.json'), 'utf8'), good, 'the last good results are untouched');
  });
});
