/**
 * Every notebook's glyph part with its defaults on fonts other than the project's: the course's older
 * header (arrays Font1 and Font2 of fonts-3sets.h, where ../shared exists) and two fonts written
 * here, ten digits and 26 uppercase letters. Each runs headlessly with small overrides on top of the
 * quick preset, and its results file is checked for content from that font. Also: a value a font
 * cannot take stops with the parameter, the value and what the font allows, and `reproduce` names
 * the failing line of the cell.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { glyphChar, loadFont } from './lib';
import { courseFontDir, projectRoot, scratchDir } from './helpers';

const reproduceScript = path.join(projectRoot, 'build', 'scripts', 'reproduce.js');
const threeSets = path.join(courseFontDir, 'fonts-3sets.h');
const skipWithoutThreeSets: string | false = fs.existsSync(threeSets) ? false : `${threeSets} is absent: the course's older fonts are skipped`;

/** The smallest runs that still go through every cell of each notebook's glyph part. */
const SMALL: Record<string, string[]> = {
  '01': ['architectures=[[35,20,2,20,35]]', 'reportEpochs=100', 'tunedEpochs=1500'],
  '02': ['seeds=[0]', 'epochs=1000'],
  '03': ['epochs=1000'],
  '04': ['noises=["bit-flip"]', 'epochs=150', 'draws=200', 'idealDraws=1000', 'latentSizes=[4]'],
  // The MNIST part at its smallest (its table checks are notebooks.test.ts's); the glyph part small.
  '05': ['trainLimit=64', 'testLimit=32', 'epochs=1', 'k=2', 'mapPoints=32', 'glyphVaeEpochs=200', 'glyphAeEpochs=600', 'glyphSampleCount=32'],
};

function reproduce(args: string[], reportsDir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [reproduceScript, ...args], {
    cwd: projectRoot, encoding: 'utf8',
    // The static figures are the browser tests' concern; without Chromium the run skips them.
    env: { ...process.env, AE_REPORTS_DIR: reportsDir, AE_CHROMIUM: path.join(reportsDir, 'no-such-chromium') },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

const hex = (rows: number[]): string => rows.map((r) => `0x${r.toString(16).padStart(2, '0')}`).join(', ');

/** A header in data/font.h's format: one `{7 hex rows}, // 0xCODE, char` line per glyph. */
function writeFont(dir: string, file: string, name: string, glyphs: [string, number[]][]): string {
  const lines = glyphs.map(([ch, rows]) => `   {${hex(rows)}},   // 0x${(ch.codePointAt(0) as number).toString(16)}, ${ch}`);
  const target = path.join(dir, file);
  fs.writeFileSync(target, `// Written by test/fonts.test.ts.\nint const ${name}[${glyphs.length}][7] = {\n${lines.join('\n')}\n};\n`);
  return target;
}

const DIGITS: [string, number[]][] = [
  ['0', [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e]], ['1', [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e]],
  ['2', [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f]], ['3', [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e]],
  ['4', [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02]], ['5', [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e]],
  ['6', [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e]], ['7', [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08]],
  ['8', [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e]], ['9', [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c]],
];

const UPPERCASE: [string, number[]][] = [
  ['A', [0x0e, 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11]], ['B', [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e]],
  ['C', [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e]], ['D', [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c]],
  ['E', [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f]], ['F', [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10]],
  ['G', [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f]], ['H', [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11]],
  ['I', [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e]], ['J', [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c]],
  ['K', [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11]], ['L', [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f]],
  ['M', [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11]], ['N', [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11]],
  ['O', [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e]], ['P', [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10]],
  ['Q', [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d]], ['R', [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11]],
  ['S', [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e]], ['T', [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04]],
  ['U', [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e]], ['V', [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04]],
  ['W', [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a]], ['X', [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11]],
  ['Y', [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04]], ['Z', [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f]],
];

type Rows = Record<string, unknown>[];
interface Results { params: Record<string, unknown>; tables: Record<string, Rows> }

const read = (reports: string, name: string): Results => JSON.parse(fs.readFileSync(path.join(reports, `${name}.json`), 'utf8'));

/** Every number in the rows is finite (null stands for "not measured" and is allowed). */
function assertFinite(rows: Rows, what: string): void {
  const walk = (v: unknown, where: string): void => {
    if (typeof v === 'number') assert.ok(Number.isFinite(v), `${what}: ${where} is ${v}`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  rows.forEach((row, i) => walk(row, `row ${i}`));
}

function table(results: Results, name: string, what: string): Rows {
  const rows = results.tables[name];
  assert.ok(Array.isArray(rows) && rows.length > 0, `${what}: table ${name} has rows`);
  assertFinite(rows, `${what} ${name}`);
  return rows;
}

/** Runs every notebook's glyph part on one font and checks each results file against the font. */
function runAllOn(label: string, fontPath: string, fontName: string | null): void {
  const font = loadFont(fontPath, fontName);
  const chars = font.glyphs.map(glyphChar);
  const count = chars.length;
  const fontArgs = [`fontPath=${fontPath}`, ...(fontName ? [`fontName="${fontName}"`] : [])];
  const reports = scratchDir('ae-fonts-');

  describe(`every notebook with its defaults on ${label} (${count} glyphs)`, () => {
    // One notebook per run: an override must be a parameter of every notebook of a run, and each
    // notebook's smallest settings are its own.
    for (const notebook of Object.keys(SMALL)) {
      test(`notebook ${notebook} runs`, () => {
        const { status, output } = reproduce(['--quick', notebook, ...fontArgs, ...SMALL[notebook]], reports);
        assert.equal(status, 0, output);
      });
    }

    test('01: one run per settings, every glyph counted', () => {
      const r = read(reports, '01-layer-count');
      assert.equal(r.params.fontName, font.name);
      const runs = table(r, 'runs', '01');
      assert.equal(runs.length, 2, 'report and tuned settings, one architecture, one seed');
      for (const row of runs) assert.ok((row.totalWrongPixels as number) <= count * 35 && (row.maxWrongPixels as number) <= 35);
      table(r, 'summary', '01');
    });

    test('02: the sizes past the font become all of its glyphs, once; subsets name its glyphs', () => {
      const r = read(reports, '02-training-set-size');
      const expected = [...new Set([4, 8, 16, 32].map((s) => Math.min(s, count)))];
      const subsets = table(r, 'subsets', '02');
      assert.deepEqual(subsets.map((row) => row.size), expected, 'one run (seed 0) per size');
      for (const row of subsets) {
        const letters = [...(row.letters as string)];
        assert.equal(letters.length, row.size);
        assert.ok(letters.every((ch) => chars.includes(ch)), `${row.letters} are glyphs of ${label}`);
      }
      const all = subsets.find((row) => row.size === count);
      if (expected.includes(count)) assert.equal(all?.testMeanWrongPixels, null, 'the whole font leaves nothing unseen');
      assert.deepEqual(table(r, 'bySize', '02').map((row) => row.size), expected);
      assert.deepEqual(r.params.subsetSizes, expected, 'the results record the sizes trained');
      const executed = fs.readFileSync(path.join(reports, '02-training-set-size.ipynb'), 'utf8');
      const past = [4, 8, 16, 32].filter((s) => s > count);
      const note = `This font has ${count} glyphs: subset size(s) ${past.join(', ')} train on all ${count} of them, once.`;
      if (past.length) assert.ok(executed.includes(note), `the notebook says: ${note}`);
      else assert.ok(!/This font has \d+ glyphs: subset size/.test(executed), 'no note when every size fits');
    });

    test('03: every glyph mapped; the interpolation runs from the first glyph to the last', () => {
      const r = read(reports, '03-latent-space');
      assert.deepEqual(table(r, 'codes', '03').map((row) => row.glyph), chars);
      assert.equal(r.params.interpolateFrom, chars[0]);
      assert.equal(r.params.interpolateTo, chars[count - 1]);
      const line = table(r, 'interpolation', '03');
      assert.equal(line.length, 10);
      assert.ok(line.every((row) => chars.includes(row.nearestGlyph as string)));
      table(r, 'newLetterSearch', '03');
      for (const row of r.tables.newLetters) assert.ok(chars.includes(row.nearestGlyph as string));
      assert.equal(table(r, 'explorerCheck', '03')[0].points, 300);
    });

    test('04: the denoiser and the ideal denoiser on this font', () => {
      const r = read(reports, '04-denoising');
      assert.equal(r.params.fontName, font.name);
      const sweep = table(r, 'sweep', '04');
      for (const row of sweep) for (const [k, v] of Object.entries(row)) if (/Rate$/.test(k) && typeof v === 'number') assert.ok(v >= 0 && v <= 1, `${k} ${v}`);
      assert.ok(sweep.some((row) => row.model === 'ideal'), 'the ideal denoiser is measured');
      table(r, 'training', '04');
      table(r, 'targets', '04');
    });

    test('05: both glyph models on every glyph; samples named by this font', () => {
      const r = read(reports, '05-vae-mnist');
      const models = table(r, 'glyphModels', '05');
      assert.deepEqual(models.map((row) => row.model), ['VAE', 'autoencoder']);
      for (const row of models) assert.ok((row.totalWrongPixels as number) <= count * 35);
      table(r, 'glyphGrids', '05');
      table(r, 'glyphSamples', '05');
      for (const row of r.tables.newLetters) assert.ok(chars.includes(row.nearestGlyph as string), `${row.nearestGlyph} is a glyph of ${label}`);
    });
  });
}

const written = scratchDir('ae-font-files-');
runAllOn('ten digits', writeFont(written, 'digits.h', 'Digits', DIGITS), null);
runAllOn('26 uppercase letters', writeFont(written, 'uppercase.h', 'Upper', UPPERCASE), null);
if (skipWithoutThreeSets) {
  test('fonts-3sets.h, arrays Font1 and Font2', { skip: skipWithoutThreeSets }, () => {});
} else {
  runAllOn('fonts-3sets.h Font1', threeSets, 'Font1');
  runAllOn('fonts-3sets.h Font2', threeSets, 'Font2');
}

describe('a value the font cannot take', () => {
  const reports = scratchDir('ae-fonts-errors-');
  const digits = writeFont(written, 'digits-errors.h', 'Digits', DIGITS);

  test('names the parameter, the value and what this font allows; reproduce names the failing line of the cell', () => {
    const { status, output } = reproduce(['--quick', '03', `fontPath=${digits}`, 'interpolateFrom="a"'], reports);
    assert.equal(status, 1, output);
    assert.match(output, /Parameter interpolateFrom is "a"; allowed: "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"/);
    assert.match(output, /03-latent-space\.ipynb failed in cell \d+, line \d+ \(`const params = nb\.checkAgainstFont\(asked, chars\);`\)/);
    assert.equal(fs.existsSync(path.join(reports, '03-latent-space.json')), false, 'no results from a failed run');
  });

  test('letters the font lacks in a named subset', () => {
    const { status, output } = reproduce(['--quick', '02', `fontPath=${digits}`, 'namedSubsets=["12A"]'], reports);
    assert.equal(status, 1, output);
    assert.match(output, /Parameter namedSubsets\[0\] is "12A"; "A" not in the font, whose glyphs are 0123456789/);
    assert.match(output, /failed in cell \d+, line \d+ \(`const \{ params, note: sizesNote \} = nb\.checkAgainstFont\(asked, chars\);`\)/);
  });

  test('an error thrown in a library call names the line that calls it, not the cell\'s first line', () => {
    const { status, output } = reproduce(['--quick', '02', `fontPath=${digits}`, 'figureSize=5'], reports);
    assert.equal(status, 1, output);
    assert.match(output, /Parameter figureSize is 5; it must be one of subsetSizes \(4, 8, 10 on this font of 10 glyphs\)/);
    assert.doesNotMatch(output, /\(`import \* as ae/);
  });
});
