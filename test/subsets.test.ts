import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import {
  Autoencoder, checkLetters, evaluateSubset, generalizationChart, glyphBits, glyphChar,
  initEngine, loadFont, median, namedSubset, ParameterError, pixelDistance, randomSubset, sizeSummaryRow, SubsetRunRow,
  subsetRunRow, summarizeBySize, trainAutoencoder, unseenIndices,
} from './lib';
import { generalization } from '../lib/notebooks/02-training-set-size';
import { projectRoot } from './helpers';

const font = loadFont(path.join(projectRoot, 'data', 'font.h'));
const glyphs = glyphBits(font);
const chars = font.glyphs.map(glyphChar);

describe('subsets of the font', () => {
  test('glyphChar gives one character per glyph; DEL becomes ␡', () => {
    assert.equal(chars.join(''), '`abcdefghijklmnopqrstuvwxyz{|}~␡');
    assert.equal(glyphChar({ label: 'space', code: 0x20 }), '␠');
    assert.equal(glyphChar({ label: 'NUL', code: 0 }), '␀');
  });

  test('randomSubset repeats with its seed, differs between seeds, and is nested across sizes', () => {
    const a = randomSubset(chars, 8, 1);
    assert.deepEqual(randomSubset(chars, 8, 1), a);
    assert.notDeepEqual(randomSubset(chars, 8, 2).indices, a.indices);
    assert.equal(a.indices.length, 8);
    assert.deepEqual(a.indices, [...a.indices].sort((x, y) => x - y));
    assert.equal(new Set(a.indices).size, 8);
    assert.equal(a.letters, a.indices.map((i) => chars[i]).join(''));
    const small = randomSubset(chars, 4, 1);
    assert.ok(small.indices.every((i) => a.indices.includes(i)), 'size 4 is part of size 8 for the same seed');
    assert.deepEqual(randomSubset(chars, 32, 5).indices, [...Array(32).keys()]);
    assert.throws(() => randomSubset(chars, 33, 0), /impossible: the font has 32/);
  });

  test('namedSubset takes the named letters in font order; checkLetters explains what is wrong', () => {
    const vowels = namedSubset(chars, 'uoiea', 3);
    assert.deepEqual(vowels, { kind: 'named', size: 5, seed: 3, indices: [1, 5, 9, 15, 21], letters: 'aeiou' });
    assert.equal(checkLetters('namedSubsets[0]', 'aeiou', chars), 'aeiou');
    const fails = (value: unknown, pattern: RegExp) => assert.throws(() => checkLetters('namedSubsets[0]', value, chars),
      (err: Error) => err instanceof ParameterError && pattern.test(err.message));
    fails('aé', /^Parameter namedSubsets\[0\] is "aé"; "é" not in the font, whose glyphs are `abc/);
    fails('aa', /"a" appears more than once/);
    fails('', /string of the font's characters/);
    fails(5, /string of the font's characters/);
    fails(chars.join(''), /names every glyph/);
    assert.deepEqual(unseenIndices([0, 2], 4), [1, 3]);
  });
});

describe('what a subset-trained model does', () => {
  before(async () => { await initEngine('wasm'); });

  test('evaluateSubset separates seen and unseen glyphs, with the two yardsticks', async () => {
    const subset = randomSubset(chars, 8, 0);
    const model = new Autoencoder({ layers: [35, 20, 10, 2, 10, 20, 35], seed: 0 });
    try {
      const history = await trainAutoencoder(model, subset.indices.map((i) => glyphs[i]), { epochs: 3000, learningRate: 0.005, progress: null });
      const e = evaluateSubset(model, glyphs, subset.indices);
      assert.deepEqual(e.seen, subset.indices);
      assert.equal(e.unseen.length, 24);
      assert.ok(e.seenWrongPixels.every((w) => w <= 1), 'the criterion holds on the training glyphs');
      // Snapped: the reconstruction lies nearer some training glyph than the glyph it should be.
      const snapped = e.unseen.map((u, k) => Math.min(...subset.indices.map((s) => pixelDistance(e.unseenReconstructions[k], glyphs[s])))
        < pixelDistance(e.unseenReconstructions[k], glyphs[u]));
      assert.deepEqual(e.unseenSnappedToSeen, snapped);
      e.unseen.forEach((u, k) => {
        assert.equal(e.unseenNearestSeenDistance[k], Math.min(...subset.indices.map((s) => pixelDistance(glyphs[u], glyphs[s]))));
        assert.equal(e.unseenInk[k], glyphs[u].reduce((a, b) => a + b, 0));
        assert.equal(e.unseenWrongPixels[k], pixelDistance(e.unseenReconstructions[k], glyphs[u]));
      });
      const row = subsetRunRow(subset, e, history);
      assert.equal(row.size, 8);
      assert.equal(row.letters, subset.letters);
      assert.ok(row.trainMaxWrongPixels <= 1);
      assert.ok((row.testMeanWrongPixels as number) > row.trainMeanWrongPixels, 'unseen glyphs are harder than seen ones');
      const snappedFraction = snapped.filter(Boolean).length / snapped.length;
      assert.ok(Math.abs((row.testSnappedToSeenFraction as number) - snappedFraction) < 1e-3, `snapped ${row.testSnappedToSeenFraction}, counted ${snappedFraction}`);
      assert.ok(snappedFraction > 0.5, `8 training glyphs: most unseen glyphs come back as a training glyph, not ${snappedFraction}`);
      assert.equal(row.epochsToCriterion, history.epochsToCriterion);

      const whole = evaluateSubset(model, glyphs, [...Array(32).keys()]);
      const wholeRow = subsetRunRow({ ...subset, size: 32, indices: [...Array(32).keys()] }, whole, history);
      assert.equal(wholeRow.testMeanWrongPixels, null, 'nothing to test on when every glyph was seen');
      assert.equal(wholeRow.testSnappedToSeenFraction, null);
    } finally {
      model.dispose();
    }
  });
});

describe('summaries per size, and the numbers of notebook 02\'s conclusion', () => {
  const row = (size: number, seed: number, train: number, test: number | null, reached: boolean, snapped = 1): SubsetRunRow => ({
    size, seed, kind: 'random', letters: 'x'.repeat(size), trainMaxWrongPixels: reached ? 1 : 3, trainMeanWrongPixels: train,
    testMeanWrongPixels: test, testMaxWrongPixels: test === null ? null : 20, testNearestSeenDistance: test === null ? null : 7,
    testEmptyOutputError: test === null ? null : 11.5, testSnappedToSeenFraction: test === null ? null : snapped,
    epochsToCriterion: reached ? 100 * size : null, epochsRun: 100 * size, seconds: 1,
  });

  test('summarizeBySize gives mean and spread per size, and counts the runs that met the criterion', () => {
    const rows = [row(4, 0, 0, 10, true), row(4, 1, 0.5, 12, true), row(32, 0, 0.1, null, true), row(32, 1, 0.3, null, false)];
    const [four, all] = summarizeBySize(rows);
    assert.equal(four.size, 4);
    assert.equal(four.runs, 2);
    assert.equal(four.reachedCriterion, 2);
    assert.deepEqual(four.testMeanWrongPixels, { mean: 11, std: 1 });
    assert.deepEqual(four.trainMeanWrongPixels, { mean: 0.25, std: 0.25 });
    assert.equal(four.medianEpochsToCriterion, 400);
    assert.equal(all.reachedCriterion, 1);
    assert.equal(all.testMeanWrongPixels, null);
    const flat = sizeSummaryRow(four);
    assert.equal(flat.testMeanWrongPixelsStd, 1);
    const chart = generalizationChart([four, all]);
    assert.deepEqual(chart.data[0].x, [4, 32], 'seen glyphs at every size');
    assert.deepEqual(chart.data[1].x, [4], 'unseen glyphs only where some were left out');
    assert.deepEqual((chart.data[1].error_y as { array: number[] }).array, [1]);
  });

  test('the median epochs to the criterion: the middle run, or the mean of the two middle runs', () => {
    assert.equal(median([300, 100, 200]), 200);
    assert.equal(median([400, 100, 300, 200]), 250);
    assert.ok(Number.isNaN(median([])));
    const reached = (size: number, seed: number, epochs: number | null): SubsetRunRow => ({ ...row(size, seed, 0, 10, epochs !== null), epochsToCriterion: epochs });
    const [three, two] = summarizeBySize([reached(4, 0, 500), reached(4, 1, 100), reached(4, 2, 300), reached(8, 0, 200), reached(8, 1, 600), reached(8, 2, null)]);
    assert.equal(three.medianEpochsToCriterion, 300);
    assert.equal(two.medianEpochsToCriterion, 400, 'two of three runs reached it');
    assert.equal(summarizeBySize([reached(4, 0, null)])[0].medianEpochsToCriterion, null);
  });

  test('notebook 02 calls memorization by the numbers', () => {
    const memorizing = generalization(summarizeBySize([
      row(4, 0, 0, 11, true), row(4, 1, 0, 11, true), row(16, 0, 0.2, 10.8, true), row(16, 1, 0.1, 10.9, true),
      row(32, 0, 0.1, null, true), row(32, 1, 0.1, null, true),
    ]));
    assert.deepEqual(memorizing.sizes, [4, 16, 32]);
    assert.deepEqual(memorizing.sizesEveryRunReached, [4, 16, 32]);
    assert.equal(memorizing.smallestTested?.size, 4);
    assert.equal(memorizing.largestTested?.size, 16);
    assert.ok(Math.abs((memorizing.gap as number) - (10.85 - 0.15)) < 1e-9);
    assert.equal(memorizing.snappedPercent, 100);
    assert.equal(memorizing.memorizes, true);

    const generalizing = generalization(summarizeBySize([row(4, 0, 0, 9, true, 0.2), row(16, 0, 0, 2, false, 0.1), row(16, 1, 0, 2, true, 0.1)]));
    assert.deepEqual(generalizing.sizesEveryRunReached, [4]);
    assert.equal(generalizing.largestTested?.testMeanWrongPixels?.mean, 2);
    assert.equal(generalizing.memorizes, false);
    assert.equal(generalization([]).sizesEveryRunReached, null);
  });
});
