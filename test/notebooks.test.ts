/**
 * Executes notebooks headlessly with their quick presets, exactly as `npm run reproduce -- --quick`
 * does, into a temporary reports folder, and checks what they wrote.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  Autoencoder, glyphBits, glyphChar, initEngine, loadEmbeddedMnist, loadFont, saveAutoencoder, spreadIndices, subsetDataset, trainAutoencoder,
} from './lib';
import { projectRoot, scratchDir } from './helpers';

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
  const reports = scratchDir('ae-reports-');

  test('runs headlessly and writes the executed copy, the HTML export and the results', () => {
    const savedModel = path.join(reports, 'models', '01-best.json');
    const { status, output } = reproduce(['--quick', '01', 'seeds=[0,1]', `saveModelPath=${savedModel}`], reports);
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

    // The report's table beside ours: one row per architecture, its error at the report's last iteration.
    const comparison = results.tables.reportComparison as Record<string, number & number[]>[];
    assert.equal(comparison.length, 3, 'the quick preset trains the report\'s three architectures');
    for (const row of comparison) {
      for (const f of ['iterations', 'learningRate', 'reportError', 'errorMean', 'errorStd', 'seeds', 'maxWrongPixelsWorstSeed']) assert.ok(Number.isFinite(row[f]), `${f} of ${row.arch}`);
      assert.equal(row.iterations, results.params.reportEpochs);
      assert.equal(row.seeds, seeds.length);
      const own = runs.filter((r) => r.settings === 'report' && r.arch.join('-') === row.arch.join('-')) as (RunRow & { reportError: number })[];
      assert.ok(Math.abs(row.errorMean - own.reduce((s, r) => s + r.reportError, 0) / own.length) < 1e-3, 'the mean of the runs\' E');
      assert.equal(row.maxWrongPixelsWorstSeed, Math.max(...own.map((r) => r.maxWrongPixels)));
    }

    const executed = JSON.parse(fs.readFileSync(path.join(reports, '01-layer-count.ipynb'), 'utf8'));
    const injected = executed.cells.find((c: { metadata?: { tags?: string[] } }) => c.metadata?.tags?.includes('injected-parameters'));
    assert.ok(injected, 'the executed copy records the injected parameters');
    assert.match(injected.source.join ? injected.source.join('') : injected.source, /seeds = \[0,1\]/);
    const outputs = executed.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []) as { data?: Record<string, unknown>; text?: string[] }[];
    assert.ok(outputs.some((o) => o.data?.['image/png']), 'a glyph mosaic is shown');
    assert.ok(outputs.some((o) => String(o.text ?? '').includes('Engine: ')), 'the engine is printed');
    const markdown = outputs.map((o) => o.data?.['text/markdown']).filter(Boolean).join('\n');
    assert.match(markdown, /met the criterion/, 'the conclusion is computed and shown');
    assert.match(markdown, /the ordering (matches|does not match) the report's/);

    const html = fs.readFileSync(path.join(reports, '01-layer-count.html'), 'utf8');
    assert.ok(html.includes('Plotly.newPlot'), 'the HTML export carries the figures');
    assert.ok(html.includes('window.Plotly'), 'and plotly.js itself, for offline viewing');

    // saveModelPath: the best run's model, loadable by the library (and so by notebook 03).
    assert.equal(results.tables.savedModel[0].path, savedModel);
    assert.ok(fs.existsSync(savedModel) && fs.existsSync(path.join(reports, 'models', '01-best.weights.bin')));
    const saved = JSON.parse(fs.readFileSync(savedModel, 'utf8'));
    assert.equal(saved.userDefinedMetadata.notebook, '01-layer-count');
    assert.deepEqual(saved.modelTopology.config.layers, results.tables.savedModel[0].arch);
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
    assert.match(output, /01-layer-count\.ipynb.* failed in cell \d+(?:, line \d+)?(?: \(`[^`]*`\))?: .*Parameter tunedLearningRate is -1; it must be a number above 0/);
    assert.equal(fs.readFileSync(path.join(reports, '01-layer-count.json'), 'utf8'), good, 'the last good results are untouched');
  });
});

interface ExecutedNotebook { cells: { cell_type: string; outputs?: { data?: Record<string, unknown>; text?: string | string[] }[] }[] }

/** Every output of an executed notebook, with its text joined. */
function outputsOf(file: string): { html: string[]; markdown: string; text: string; pngs: number } {
  const executed = JSON.parse(fs.readFileSync(file, 'utf8')) as ExecutedNotebook;
  const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
  const join = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v ?? ''));
  return {
    html: outputs.map((o) => join(o.data?.['text/html'])).filter(Boolean),
    markdown: outputs.map((o) => join(o.data?.['text/markdown'])).filter(Boolean).join('\n'),
    text: outputs.map((o) => join(o.text)).join('\n'),
    pngs: outputs.filter((o) => o.data?.['image/png']).length,
  };
}

interface SubsetRow {
  size: number; seed: number; kind: string; letters: string; trainMaxWrongPixels: number; trainMeanWrongPixels: number;
  testMeanWrongPixels: number | null; testMaxWrongPixels: number | null; testNearestSeenDistance: number | null;
  testEmptyOutputError: number | null; testSnappedToSeenFraction: number | null; epochsToCriterion: number | null; epochsRun: number;
}

describe('notebook 02, quick parameters', () => {
  const reports = scratchDir('ae-reports-');

  test('trains every subset and seed, and records seen and unseen errors per run', () => {
    const { status, output } = reproduce(['--quick', '02', 'namedSubsets=["aeiou"]'], reports);
    assert.equal(status, 0, output);
    for (const ext of ['ipynb', 'html', 'json']) assert.ok(fs.existsSync(path.join(reports, `02-training-set-size.${ext}`)), `${ext} written`);
    const results = JSON.parse(fs.readFileSync(path.join(reports, '02-training-set-size.json'), 'utf8'));
    assert.equal(results.notebook, '02-training-set-size');
    const { subsetSizes, seeds, namedSubsets, epochs } = results.params as { subsetSizes: number[]; seeds: number[]; namedSubsets: string[]; epochs: number };
    assert.ok(epochs < 20000, 'the quick preset reached the notebook');
    assert.deepEqual(namedSubsets, ['aeiou'], 'the override reached the notebook');

    const rows = results.tables.subsets as SubsetRow[];
    assert.equal(rows.length, (subsetSizes.length + namedSubsets.length) * seeds.length, 'one row per subset and seed');
    for (const size of subsetSizes) assert.deepEqual(rows.filter((r) => r.kind === 'random' && r.size === size).map((r) => r.seed), seeds);
    for (const row of rows) {
      assert.equal([...row.letters].length, row.size);
      assert.ok(Number.isInteger(row.trainMaxWrongPixels) && row.trainMaxWrongPixels >= 0 && row.trainMaxWrongPixels <= 35);
      assert.ok(row.trainMeanWrongPixels >= 0 && row.trainMeanWrongPixels <= row.trainMaxWrongPixels);
      assert.equal(row.epochsToCriterion !== null, row.trainMaxWrongPixels <= 1, 'criterion reached exactly when the worst training glyph is within 1 pixel');
      assert.ok(row.epochsToCriterion === null || (row.epochsToCriterion > 0 && row.epochsToCriterion <= epochs));
      if (row.size === 32) {
        assert.equal(row.testMeanWrongPixels, null, 'nothing unseen when the subset is the whole font');
      } else {
        const test = row.testMeanWrongPixels as number;
        assert.ok(test > row.trainMeanWrongPixels && test <= 35, `unseen glyphs are harder (${test} vs ${row.trainMeanWrongPixels})`);
        assert.ok((row.testMaxWrongPixels as number) >= test);
        assert.ok((row.testNearestSeenDistance as number) > 0 && (row.testEmptyOutputError as number) > 0);
        assert.ok((row.testSnappedToSeenFraction as number) >= 0 && (row.testSnappedToSeenFraction as number) <= 1);
      }
    }
    assert.ok(rows.filter((r) => r.kind === 'named').every((r) => r.letters === 'aeiou' && r.size === 5));
    // Subsets of one seed are nested; different seeds draw different glyphs.
    const letters = (size: number, seed: number) => rows.find((r) => r.kind === 'random' && r.size === size && r.seed === seed)?.letters as string;
    assert.ok([...letters(4, seeds[0])].every((c) => letters(8, seeds[0]).includes(c)));
    if (seeds.length > 1) assert.notEqual(letters(8, seeds[0]), letters(8, seeds[1]));

    const bySize = results.tables.bySize as { size: number; kind: string; runs: number; testMeanWrongPixelsStd: number | null }[];
    assert.deepEqual(bySize.filter((s) => s.kind === 'random').map((s) => s.size), subsetSizes);
    assert.ok(bySize.every((s) => s.runs === seeds.length));

    const out = outputsOf(path.join(reports, '02-training-set-size.ipynb'));
    assert.ok(out.pngs >= 2, 'the report\'s figure: training and unseen glyphs with their reconstructions');
    assert.match(out.markdown, /\*\*Seen glyphs\.\*\*/);
    assert.match(out.markdown, /\*\*Verdict\.\*\*/);
    assert.match(out.markdown, /\*\*Named subsets\.\*\* "aeiou"/);
    assert.ok(out.html.some((h) => h.includes('class="ae-table"')), 'a danfojs table');
    const html = fs.readFileSync(path.join(reports, '02-training-set-size.html'), 'utf8');
    assert.ok((html.match(/Plotly\.newPlot/g) ?? []).length >= 1 && html.includes('error_y'), 'the error-against-size figure, with spread');
    assert.ok(html.includes('"seen (training)"') && html.includes('"unseen"'), 'latent maps mark seen and unseen glyphs');
  });

  test('a bad parameter stops the notebook with a one-sentence error', () => {
    const { status, output } = reproduce(['--quick', '02', 'namedSubsets=["aé"]'], reports);
    assert.equal(status, 1, output);
    assert.match(output, /Parameter namedSubsets\[0\] is "aé"; "é" not in the font/);
  });
});

describe('notebook 03, quick parameters', () => {
  const reports = scratchDir('ae-reports-');

  interface NewLetterRow { name: string; x: number; y: number; nearestGlyph: string; distance: number; confidence: number; drawing: string }

  function checkResults(results: { tables: Record<string, Record<string, unknown>[]>; params: Record<string, unknown> }): void {
    const codes = results.tables.codes as { glyph: string; x: number; y: number }[];
    assert.equal(codes.length, 32);
    assert.equal(codes.map((c) => c.glyph).join(''), '`abcdefghijklmnopqrstuvwxyz{|}~␡');
    assert.ok(codes.every((c) => Number.isFinite(c.x) && Number.isFinite(c.y)));

    const steps = results.params.interpolationSteps as number;
    const line = results.tables.interpolation as { step: number; nearestGlyph: string; distance: number }[];
    assert.equal(line.length, steps);
    assert.equal(line[0].nearestGlyph, results.params.interpolateFrom);
    assert.equal(line[steps - 1].nearestGlyph, results.params.interpolateTo);
    assert.ok(line[0].distance <= 1 && line[steps - 1].distance <= 1, 'the ends decode to the two letters');

    const minDistance = results.params.newLetterMinDistance as number;
    const letters = results.tables.newLetters as unknown as NewLetterRow[];
    assert.ok(letters.length >= 1 && letters.length <= (results.params.newLetterCount as number), `${letters.length} new letters`);
    const xs = codes.map((c) => c.x);
    const ys = codes.map((c) => c.y);
    const spanX = Math.max(...xs) - Math.min(...xs);
    const spanY = Math.max(...ys) - Math.min(...ys);
    const margin = results.params.boxMargin as number;
    for (const l of letters) {
      assert.ok(l.distance >= minDistance, `${l.name} is ${l.distance} pixels from "${l.nearestGlyph}"`);
      assert.ok(codes.some((c) => c.glyph === l.nearestGlyph));
      assert.ok(l.x >= Math.min(...xs) - margin * spanX - 1e-3 && l.x <= Math.max(...xs) + margin * spanX + 1e-3, 'inside the searched box');
      assert.ok(l.y >= Math.min(...ys) - margin * spanY - 1e-3 && l.y <= Math.max(...ys) + margin * spanY + 1e-3);
      assert.match(l.drawing, /^([01]{5}\/){6}[01]{5}$/);
      assert.ok(l.confidence > 0 && l.confidence <= 1);
    }
    const search = results.tables.newLetterSearch[0] as { searched: number; shown: number; farFromTraining: number; letterLike: number };
    assert.equal(search.shown, letters.length);
    assert.ok(search.searched >= search.farFromTraining && search.farFromTraining >= search.letterLike);

    const check = results.tables.explorerCheck[0] as { points: number; identicalGlyphs: number; differingPixels: number };
    assert.equal(check.points, results.params.explorerCheckPoints);
    assert.equal(check.identicalGlyphs, check.points, 'the page decoder agrees with the library everywhere checked');
    assert.equal(check.differingPixels, 0);
  }

  test('trains its model, maps, interpolates, finds new letters and embeds the explorer', () => {
    const { status, output } = reproduce(['--quick', '03'], reports);
    assert.equal(status, 0, output);
    const results = JSON.parse(fs.readFileSync(path.join(reports, '03-latent-space.json'), 'utf8'));
    assert.equal(results.notebook, '03-latent-space');
    assert.ok((results.params.epochs as number) < 20000, 'the quick preset reached the notebook');
    assert.equal(results.tables.model[0].source, 'trained');
    assert.ok(results.tables.model[0].maxWrongPixels <= 1, 'the model meets the criterion');
    checkResults(results);

    const out = outputsOf(path.join(reports, '03-latent-space.ipynb'));
    const explorer = out.html.find((h) => h.includes('class="ae-explorer"'));
    assert.ok(explorer, 'the explorer is in the notebook output');
    assert.ok(explorer.includes('function decodeLatent(net, z)') && explorer.includes('"net":{"latentSize":2'), 'with its decoder and weights');
    assert.ok(out.pngs >= 3, 'decoded grid, interpolation and new letters mosaics');
    assert.match(out.markdown, /\*\*New letters:\*\*/);
    assert.match(out.markdown, /\*\*Explorer:\*\* its JavaScript decoder drew the same glyph as the library at (\d+) of \1 random points/);
    const html = fs.readFileSync(path.join(reports, '03-latent-space.html'), 'utf8');
    assert.ok(html.includes('class="ae-explorer"') && html.includes('function decodeLatent(net, z)'), 'the explorer is in the HTML export too');
    assert.ok(html.includes('%{hovertext}'), 'hovering the latent map shows glyphs');
  });

  test('explores a saved model when modelPath names one', async () => {
    await initEngine('wasm');
    const font = loadFont(path.join(projectRoot, 'data', 'font.h'));
    const glyphs = glyphBits(font);
    // Another architecture than the notebook's default, so the results show which model was used.
    const model = new Autoencoder({ layers: [35, 20, 2, 20, 35], seed: 1 });
    const file = path.join(reports, 'models', 'saved.json');
    try {
      const history = await trainAutoencoder(model, glyphs, { epochs: 4000, learningRate: 0.005, progress: null });
      assert.equal(history.stopReason, 'criterion');
      await saveAutoencoder(model, file, { notebook: 'test', glyphChars: font.glyphs.map(glyphChar).join('') });
    } finally {
      model.dispose();
    }
    const { status, output } = reproduce(['--quick', '03', `modelPath=${file}`], reports);
    assert.equal(status, 0, output);
    const results = JSON.parse(fs.readFileSync(path.join(reports, '03-latent-space.json'), 'utf8'));
    assert.equal(results.tables.model[0].source, 'loaded');
    assert.deepEqual(results.tables.model[0].layers, [35, 20, 2, 20, 35]);
    assert.ok(results.tables.model[0].maxWrongPixels <= 1);
    checkResults(results);
  });

  test('a modelPath that does not exist is a one-sentence error', () => {
    const { status, output } = reproduce(['--quick', '03', 'modelPath=../nowhere/model.json'], reports);
    assert.equal(status, 1, output);
    assert.match(output, /Parameter modelPath is "\.\.\/nowhere\/model\.json"; no such file \(looked at .*\); notebook 01 writes one/);
  });
});

/**
 * Nats per test image of coding each pixel by its mean over the first notebook-05 training images
 * (`trainLimit` spread over the embedded MNIST, means clipped to [0.001, 0.999]), averaged over its
 * `testLimit` test images: what a VAE must beat.
 */
function meanImageCodeLength(trainLimit: number, testLimit: number): number {
  const { train, test } = loadEmbeddedMnist();
  const [trainPart, testPart] = [subsetDataset(train, spreadIndices(train.count, trainLimit)), subsetDataset(test, spreadIndices(test.count, testLimit))];
  const size = train.rows * train.cols;
  const mean = new Float64Array(size);
  for (let i = 0; i < trainPart.count; i++) for (let p = 0; p < size; p++) mean[p] += trainPart.images[i * size + p] / trainPart.count;
  let total = 0;
  for (let i = 0; i < testPart.count; i++) {
    for (let p = 0; p < size; p++) {
      const m = Math.min(0.999, Math.max(0.001, mean[p]));
      const x = testPart.images[i * size + p];
      total -= x * Math.log(m) + (1 - x) * Math.log(1 - m);
    }
  }
  return total / testPart.count;
}

describe('notebook 05 (VAE on MNIST and on the glyphs), quick parameters', () => {
  const reports = scratchDir('ae-reports-05-');
  type Row = Record<string, unknown>;
  const finite = (row: Row, field: string): number => {
    const v = row[field];
    assert.ok(typeof v === 'number' && Number.isFinite(v), `${field} is ${JSON.stringify(v)}, not a finite number`);
    return v as number;
  };

  test('runs headlessly; the results hold every epoch, the final bounds and the glyph comparison', () => {
    const { status, output } = reproduce(['--quick', '05'], reports);
    assert.equal(status, 0, output);
    for (const ext of ['ipynb', 'html', 'json']) assert.ok(fs.existsSync(path.join(reports, `05-vae-mnist.${ext}`)), `${ext} written`);
    const results = JSON.parse(fs.readFileSync(path.join(reports, '05-vae-mnist.json'), 'utf8'));
    assert.equal(results.notebook, '05-vae-mnist');
    const params = results.params as Record<string, number | null>;
    assert.ok(params.trainLimit !== null && params.epochs! < 30, 'the quick preset reached the notebook');
    const tables = results.tables as Record<string, Row[]>;

    assert.deepEqual(tables.data.map((r) => r.images), [params.trainLimit, params.testLimit]);

    // The yardstick: every pixel coded on its own by its mean over the training images, in nats per
    // test image. The decoder starts there (outputBiasInit "dataMean") and the VAE must beat it.
    const baseline = meanImageCodeLength(params.trainLimit!, params.testLimit!);
    const epochs = tables.epochs;
    assert.equal(epochs.length, params.epochs, 'one row per epoch');
    epochs.forEach((row, i) => {
      assert.equal(row.epoch, i + 1);
      for (const field of ['trainNegElbo', 'testNegElbo']) {
        const v = finite(row, field);
        assert.ok(v < baseline + 5, `epoch ${i + 1}: ${field} ${v} nats, the mean image codes the test images in ${baseline}`);
      }
      const kl = finite(row, 'testKl');
      assert.ok(kl > 0 && kl < 50, `test KL ${kl}`);
      assert.ok(Math.abs(finite(row, 'testReconstruction') + kl - finite(row, 'testNegElbo')) < 0.01, '−ELBO = reconstruction + KL');
      assert.ok(finite(row, 'seconds') > 0 && finite(row, 'seconds') <= finite(row, 'secondsWithTest'));
    });
    const [first, last] = [epochs[0], epochs[epochs.length - 1]].map((row) => finite(row, 'testNegElbo'));
    assert.ok(last < first - 5, `the test −ELBO falls by 5 nats: ${first} -> ${last}`);
    assert.ok(last < baseline - 5, `the trained VAE beats the mean image by 5 nats: ${last} vs ${baseline}`);

    assert.equal(tables.final.length, 1);
    const final = tables.final[0];
    assert.equal(final.k, params.k);
    assert.equal(final.epochs, params.epochs);
    assert.equal(final.testNegElbo, epochs[epochs.length - 1].testNegElbo);
    const logLikelihood = finite(final, 'testLogLikelihood');
    assert.ok(logLikelihood < 0, 'log p(x) of 784 pixels is negative');
    assert.ok(Math.abs(finite(final, 'testElboSameSamples') + finite(final, 'testNegElbo')) < 3,
      'the ELBO of the importance samples estimates the same ELBO as the closed-form-KL evaluation');
    assert.ok(-logLikelihood < baseline - 5, `−log p(x) ${-logLikelihood} under the mean image's ${baseline}`);
    assert.ok(-logLikelihood <= finite(final, 'testNegElbo') + 1, 'and tighter than the one-sample −ELBO (up to noise)');
    assert.ok(finite(final, 'trainSeconds') > 0 && finite(final, 'secondsPerEpoch') > 0);
    assert.match(String(final.stepMethod), /tfjs autodiff/, 'the final row says how the steps were computed');
    assert.equal(tables.peer, undefined, 'no peer numbers unless the peer ran in this run');

    assert.deepEqual(tables.glyphModels.map((r) => r.model), ['VAE', 'autoencoder']);
    for (const row of tables.glyphModels) assert.ok(Number.isInteger(row.maxWrongPixels) && (row.maxWrongPixels as number) <= 35);
    for (const row of tables.glyphGrids) {
      assert.equal(row.cells, params.glyphGridSize! ** 2);
      assert.ok(finite(row, 'meanFlipsBetweenNeighbours') >= 0 && (row.letterLikeCells as number) <= (row.cells as number));
    }
    for (const row of tables.glyphSamples) {
      assert.equal(row.count, params.glyphSampleCount);
      assert.ok((row.reproductions as number) + (row.newGlyphs as number) <= (row.count as number));
      assert.ok((row.newLetterLike as number) <= (row.newGlyphs as number));
      assert.ok(finite(row, 'meanDistance') >= 0 && finite(row, 'meanDistance') <= finite(row, 'maxDistance'));
    }
    assert.equal(tables.newLetters.length, tables.glyphSamples[0].newGlyphs);
    const tensors = tables.tensors[0] as Record<string, number>;
    assert.equal(tensors.atEnd, tensors.atStart + tensors.modelVariables, 'only the held models\' variables remain');

    const executed = JSON.parse(fs.readFileSync(path.join(reports, '05-vae-mnist.ipynb'), 'utf8'));
    const outputs = executed.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []) as { data?: Record<string, unknown>; text?: string[] }[];
    assert.ok(outputs.filter((o) => o.data?.['image/png']).length >= 8, 'the mosaics are shown');
    const echoed = outputs.filter((o) => /DataFrame \{/.test(`${[o.text ?? []].flat().join('')}${String(o.data?.['text/plain'] ?? '')}`));
    assert.equal(echoed.length, 0, 'no table is echoed a second time as a DataFrame dump');
    const markdown = outputs.map((o) => o.data?.['text/markdown']).filter(Boolean).join('\n');
    assert.match(markdown, /Bounds on −log p\(x\)/);
    assert.match(markdown, new RegExp(`test −ELBO \\*\\*${(final.testNegElbo as number).toFixed(2)} nats\\*\\*`), 'the conclusions quote the results');
    const html = fs.readFileSync(path.join(reports, '05-vae-mnist.html'), 'utf8');
    assert.ok(html.includes('class="ae-map-panel"') && html.includes('plotly_hover'), 'the latent map with its image panel is in the export');
  });

  test('hovering a point of the exported latent map draws that image', async (t) => {
    const { browserTestSkip } = await import('./browser-helpers');
    const skip = browserTestSkip('the hover check');
    if (skip) { t.skip(skip); return; }
    const { launchChromium, waitForPlots } = await import('../scripts/report');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${path.join(reports, '05-vae-mnist.html')}`);
      await waitForPlots(page);
      await page.waitForSelector('.ae-map-panel[data-ready="true"]', { timeout: 30_000 });
      // A real pointer over the third point of the second class, where plotly drew it (plotly emits
      // plotly_hover for pointer events only). Points overlap: what counts is that the panel shows the
      // point plotly reports as hovered.
      const target = await page.evaluate(() => {
        const panel = document.querySelector('.ae-map-panel') as HTMLElement;
        type Axis = { _offset: number; l2p(v: number): number };
        const div = panel.parentElement!.querySelector('.ts-plotly') as HTMLElement & {
          data: { x: number[]; y: number[]; customdata: number[][] }[]; _fullLayout: { xaxis: Axis; yaxis: Axis };
          on(event: string, f: (e: { points: { customdata: number[] }[] }) => void): void;
        };
        div.on('plotly_hover', (e) => { (window as unknown as { hovered: number }).hovered = e.points[0].customdata[0]; });
        div.scrollIntoView({ block: 'center' });
        const box = div.getBoundingClientRect();
        const trace = div.data[1];
        const { xaxis, yaxis } = div._fullLayout;
        return { x: box.left + xaxis._offset + xaxis.l2p(trace.x[2]), y: box.top + yaxis._offset + yaxis.l2p(trace.y[2]), expected: trace.customdata[2][0] };
      });
      await page.mouse.move(target.x - 30, target.y - 30);
      await page.mouse.move(target.x, target.y, { steps: 5 });
      await page.waitForFunction(() => (window as unknown as { hovered?: number }).hovered !== undefined, undefined, { timeout: 10_000 });
      const result = await page.evaluate(() => {
        const panel = document.querySelector('.ae-map-panel') as HTMLElement;
        const canvas = panel.querySelector('canvas') as HTMLCanvasElement;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let dark = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) dark++;
        return { shown: panel.getAttribute('data-shown'), info: panel.querySelector('.ae-map-info')!.textContent, dark, hovered: (window as unknown as { hovered: number }).hovered };
      });
      const expected = result.hovered;
      assert.equal(result.shown, String(expected), `the hovered point's image is drawn (${result.info})`);
      assert.match(result.info ?? '', /^\d · test image \d+ · z = \(-?\d/);
      assert.ok(result.dark > 50, 'the canvas shows ink');
    } finally {
      await browser.close();
    }
  });

  test('a bad data source is one sentence naming the parameter', () => {
    const { status, output } = reproduce(['--quick', '05', 'dataSource="web"'], reports);
    assert.equal(status, 1, output);
    assert.match(output, /Parameter dataSource is "web"; allowed: "embedded", "idx", "download"/);
  });
});

describe('notebook 04 (denoising), quick parameters', () => {
  const reports = scratchDir('ae-reports-04-');
  interface SweepTableRow {
    model: string; group: string; role: string; noise: string; trainNoise: string | null; trainLevel: number | null; testLevel: number;
    meanWrongPixels: number; exactRate: number; within1Rate: number; exactRateSE: number; within1RateSE: number; draws: number;
  }

  test('trains the denoisers, sweeps every model over the test levels against the ideal denoiser, and states the targets', () => {
    const { status, output } = reproduce(['--quick', '04'], reports);
    assert.equal(status, 0, output);
    for (const ext of ['ipynb', 'html', 'json']) assert.ok(fs.existsSync(path.join(reports, `04-denoising.${ext}`)), `${ext} written`);
    const results = JSON.parse(fs.readFileSync(path.join(reports, '04-denoising.json'), 'utf8'));
    assert.equal(results.notebook, '04-denoising');
    const params = results.params as {
      noises: string[]; testLevels: Record<string, number[]>; trainLevels: Record<string, number[]>; mainTrainLevel: Record<string, number>;
      draws: number; epochs: number; seeds: number[]; architecture: number[]; compareArchitecture: number[] | null; latentSizes: number[];
    };
    assert.ok(params.epochs < 5000 && params.draws < 1000, 'the quick preset reached the notebook');
    assert.ok(params.noises.includes('bit-flip') && params.noises.length >= 2, 'bit flips and at least one other noise model');

    const rows = results.tables.sweep as SweepTableRow[];
    const trained = results.tables.training as { model: string; trainNoise: string; trainLevel: number; epochsRun: number }[];
    assert.ok(trained.every((t) => t.epochsRun === params.epochs), 'every training ran to the end');
    for (const kind of params.noises) {
      const own = rows.filter((r) => r.noise === kind);
      const models = [...new Set(own.map((r) => r.model))];
      for (const reference of ['noisy', 'ideal', 'posterior']) assert.ok(models.includes(reference), `${kind}: ${reference} is a model`);
      // One row per model and test level; the trained models are those trained on this noise or on clean glyphs.
      const expected = trained.filter((t) => t.trainNoise === kind || t.trainNoise === 'clean').map((t) => t.model);
      assert.deepEqual(models.filter((m) => !['noisy', 'ideal', 'posterior'].includes(m)).sort(), [...expected].sort());
      assert.ok(expected.some((m) => m.endsWith(' clean')), `${kind}: a plain autoencoder trained on clean glyphs`);
      for (const model of models) {
        assert.deepEqual(own.filter((r) => r.model === model).map((r) => r.testLevel), params.testLevels[kind], `${kind} ${model}: every test level once`);
      }
      for (const r of own) {
        for (const f of ['model', 'noise', 'trainLevel', 'testLevel', 'meanWrongPixels', 'exactRate', 'within1Rate', 'draws']) assert.ok(f in r, `field ${f}`);
        assert.equal(r.draws, params.draws);
        for (const rate of [r.exactRate, r.within1Rate]) assert.ok(rate >= 0 && rate <= 1, `${r.model}: rate ${rate}`);
        assert.ok(r.within1Rate >= r.exactRate);
        assert.ok(r.meanWrongPixels >= 0 && r.meanWrongPixels <= 35);
        assert.ok(r.exactRateSE >= 0 && r.exactRateSE < 0.5);
        assert.equal(r.trainLevel === null, ['noisy', 'ideal', 'posterior'].includes(r.model));
      }
      // The noise hurts more as its level grows; the ideal denoiser is the ceiling of exact recovery.
      const noisy = own.filter((r) => r.model === 'noisy');
      for (let i = 1; i < noisy.length; i++) assert.ok(noisy[i].meanWrongPixels > noisy[i - 1].meanWrongPixels, `${kind}: noisy error rises with the level`);
      for (const level of params.testLevels[kind]) {
        const here = own.filter((r) => r.testLevel === level);
        const ideal = here.find((r) => r.model === 'ideal')!;
        for (const r of here) {
          const tolerance = 0.01 + 3 * Math.hypot(r.exactRateSE, ideal.exactRateSE);
          assert.ok(ideal.exactRate >= r.exactRate - tolerance, `${kind} ${level}: ${r.model} ${r.exactRate} vs ideal ${ideal.exactRate}`);
        }
        if (level > 0) assert.ok(ideal.exactRate > here.find((r) => r.model === 'noisy')!.exactRate, 'the ideal denoiser beats the noisy input');
      }
      // The denoiser trained on this noise beats its noisy input.
      const main = `${params.architecture.join('-')} ${kind} ${kind === 'bit-flip' ? 'p' : kind === 'gaussian' ? 's' : 'v'}=${params.mainTrainLevel[kind]}`;
      const top = params.testLevels[kind][params.testLevels[kind].length - 1];
      const at = (model: string) => own.find((r) => r.model === model && r.testLevel === top)!;
      assert.ok(at(main).meanWrongPixels < at('noisy').meanWrongPixels, `${main} denoises`);
    }

    const ceiling = results.tables.ceiling as { noise: string; level: number; idealExactRate: number; idealExactRateSE: number; draws: number }[];
    assert.equal(ceiling.length, params.noises.reduce((t, k) => t + params.testLevels[k].length, 0));
    assert.ok(ceiling.every((c) => c.idealExactRateSE > 0 || c.idealExactRate === 1), 'the Monte Carlo ceiling carries its standard error');
    assert.equal(results.tables.exactIdeal[0].computed, false, 'the exact sum is refused for 32 glyphs of 35 pixels');
    const targets = results.tables.targets as { target: string; measured: number; goal: number; met: boolean }[];
    assert.equal(targets.length, 3, 'the three targets, at p = 0.10 and 0.15');
    // Each target against the sweep table and the goals the README states (0.95 and 0.88 within 1
    // wrong pixel; exact recovery within 3 points of the ideal's), not against the notebook's own sums.
    const mainModel = `${params.architecture.join('-')} bit-flip p=${params.mainTrainLevel['bit-flip']}`;
    const sweepAt = (model: string, level: number) => rows.find((r) => r.noise === 'bit-flip' && r.model === model && r.testLevel === level)!;
    const stated = [
      { target: 'within 1 wrong pixel at p = 0.1', level: 0.1, metric: 'within1Rate' as const, goal: () => 0.95 },
      { target: 'within 1 wrong pixel at p = 0.15', level: 0.15, metric: 'within1Rate' as const, goal: () => 0.88 },
      { target: 'exact recovery at p = 0.1', level: 0.1, metric: 'exactRate' as const, goal: () => sweepAt('ideal', 0.1).exactRate - 0.03 },
    ];
    assert.deepEqual(targets.map((t) => t.target), stated.map((s) => s.target));
    stated.forEach((s, i) => {
      const measured = sweepAt(mainModel, s.level)[s.metric];
      assert.equal(targets[i].measured, measured, `${s.target}: the sweep's ${s.metric} of ${mainModel}`);
      assert.ok(Math.abs(targets[i].goal - s.goal()) < 1e-12, `${s.target}: goal ${targets[i].goal}, the README states ${s.goal()}`);
      assert.equal(targets[i].met, measured >= s.goal(), `${s.target}: met`);
    });
    assert.deepEqual((results.tables.codeWidth as { width: number }[]).map((r) => r.width), params.latentSizes.flatMap((w) => params.testLevels[params.noises[0]].map(() => w)));

    const out = outputsOf(path.join(reports, '04-denoising.ipynb'));
    assert.ok(out.pngs >= params.noises.length, 'the original / noisy / denoised mosaics');
    assert.ok(out.html.some((h) => h.includes('class="ae-table"')), 'danfojs tables');
    // The headline rates (the targets themselves are stated in the README).
    assert.ok(out.html.some((h) => /<td>within 1 wrong pixel at p = 0\.1<\/td><td>[^<]*<\/td><td>\d+\.\d % ± \d+\.\d+ %<\/td>/.test(h)), 'the measured rate at p = 0.1');
    assert.match(out.markdown, /refused/);
    assert.match(out.markdown, /\*\*The architecture\.\*\*/);
    const html = fs.readFileSync(path.join(reports, '04-denoising.html'), 'utf8');
    for (const name of ['curves-bit-flip', 'grid-bit-flip', 'code-width']) assert.ok(html.includes(`data-figure-name="${name}"`), `figure ${name}`);
    assert.ok(html.includes('"type":"heatmap"'), 'the training level x test level heat map');
  });

  test('a level table missing a noise model is a one-sentence error', () => {
    const { status, output } = reproduce(['--quick', '04', 'testLevels={"bit-flip":[0.1]}'], reports);
    assert.equal(status, 1, output);
    assert.match(output, /Parameter testLevels\["gaussian"\] is missing; it must list at least 1 s level\(s\) for the gaussian noise/);
  });
});
