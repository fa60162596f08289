import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Autoencoder } from '../lib/autoencoder';
import { initEngine } from '../lib/engine';
import { glyphBits, loadFont } from '../lib/font';
import { seededRandom } from '../lib/random';
import {
  autoencoderDenoiser, DENOISER_RECIPE, evaluateDenoising, exactIdealRecovery, idealDecoder, idealDenoiser, idealRecovery,
  identityDenoiser, posteriorDenoiser, sweep, trainDenoiser,
} from '../lib/denoise';
import { codeWidthFigure, denoisingCurvesFigure, sweepHeatmapFigure } from '../lib/figures';
import { courseFontPath, projectRoot, skipUnderMutation, skipWithoutCourseFont } from './helpers';

const glyphs = glyphBits(loadFont(path.join(projectRoot, 'data', 'font.h')));

before(async () => { await initEngine('wasm'); });

describe('the ideal decoder', () => {
  const code = [
    [0, 0, 0, 0, 0, 0],
    [1, 1, 1, 1, 1, 1],
    [1, 1, 1, 0, 0, 0],
  ];

  test('picks the nearest glyph in Hamming distance (inputs read at 0.5)', () => {
    const decode = idealDecoder(code, { seed: 1 });
    assert.deepEqual(decode([
      [0, 0, 0, 0, 0, 1], // 1 from glyph 0
      [1, 1, 1, 1, 0, 1], // 1 from glyph 1
      [1, 1, 0, 0, 0, 0], // 1 from glyph 2
      [0.9, 0.6, 0.51, 0.2, 0.4, 0.49], // reads as glyph 2
    ]), [0, 1, 2, 2]);
    assert.deepEqual(idealDenoiser(code)([[1, 1, 1, 1, 0, 1]]), [code[1]]);
  });

  test('ties are broken at random by the seed: reproducible, and both outcomes occur over seeds', () => {
    // No tie: 1 from glyph 0, 5 from glyph 1, 2 from glyph 2; then 2, 4 and 1.
    assert.deepEqual(idealDecoder(code)([[1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]]), [0, 2]);
    const pair = [[0, 0, 0], [1, 1, 0]];
    const input = [[1, 0, 0]]; // 1 from each glyph of `pair`: a tie
    const outcomes = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const first = idealDecoder(pair, { seed })(input)[0];
      assert.equal(idealDecoder(pair, { seed })(input)[0], first, `seed ${seed} reproduces`);
      outcomes.add(first);
    }
    assert.deepEqual([...outcomes].sort(), [0, 1]);
    // Over many tied inputs each glyph wins about half the time.
    const wins = idealDecoder(pair, { seed: 5 })(Array.from({ length: 4000 }, () => [1, 0, 0])).filter((g) => g === 1).length;
    assert.ok(Math.abs(wins / 4000 - 0.5) < 0.04, `${wins} of 4000`);
  });

  test('maximum likelihood for the noise: farthest glyph when p > 0.5, clipped-gaussian likelihood', () => {
    assert.deepEqual(idealDecoder(code, { noise: 'bit-flip', level: 0.9 })([[0, 0, 0, 0, 0, 1]]), [1]);
    assert.deepEqual(idealDecoder(code, { noise: 'salt-pepper', level: 0.9 })([[0, 0, 0, 0, 0, 1]]), [0]);
    // Gaussian: reading at 0.5 makes [0.45 x 3, 0, 0, 0] glyph 0, but the likelihood knows 0.45 is
    // nearly as close to 1 as to 0, and three pixels clipped to exactly 0 are likely under both glyphs 0 and 2.
    const g = idealDecoder([[0, 0, 0], [1, 1, 1]], { noise: 'gaussian', level: 0.3 });
    assert.deepEqual(g([[0.45, 0.45, 0.45], [0.55, 0.55, 0.4], [1, 0, 0], [0, 1, 1]]), [0, 1, 0, 1]);
    assert.throws(() => idealDecoder(code, { noise: 'bit-flip' }), /level is missing/);
    assert.throws(() => idealDecoder(code)([[1, 0]]), /2 pixels; the glyphs have 6/);
  });

  test('gaussian: clipped and interior pixels weighed against each other, decisions worked out by hand', () => {
    // s = 0.5, glyphs A = [0, 0, 0] and B = [1, 1, 1]. A pixel clipped to its own side costs ln 2
    // (half the mass lies beyond the clip), to the other side -log Phi(-1 / s) = -log Phi(-2) = 3.7832;
    // an interior pixel v costs v^2 / (2 s^2) under A and (1 - v)^2 / (2 s^2) under B.
    // y = [0, a, a]: cost(A) - cost(B) = (2a - 1) / s^2 - (3.7832 - ln 2) = 4 (2a - 1) - 3.0900.
    //   a = 0.8: 2.4 - 3.09 < 0, A (without the 1/2 of the gaussian cost: 4.8 - 3.09 > 0, B);
    //   a = 0.9: 3.2 - 3.09 > 0, B.
    // y = [1, 0.2, 0.2] is the mirror of a = 0.8: B (without the 1/2: A).
    const g = idealDecoder([[0, 0, 0], [1, 1, 1]], { noise: 'gaussian', level: 0.5 });
    assert.deepEqual(g([[0, 0.8, 0.8], [0, 0.9, 0.9], [1, 0.2, 0.2], [-0.3, 0.8, 0.8], [1.7, 0.1, 0.1]]), [0, 1, 1, 0, 0]);
    // The posterior mean agrees: P(B | y) = 1 / (1 + exp(cost(B) - cost(A))).
    const [p08, p09] = posteriorDenoiser([[0, 0, 0], [1, 1, 1]], { noise: 'gaussian', level: 0.5 })([[0, 0.8, 0.8], [0, 0.9, 0.9]]);
    const expected = (d: number): number => 1 / (1 + Math.exp(-d));
    const clipGap = -Math.log(0.022750131948179195) - Math.LN2; // Phi(-2), an independent reference value
    for (const v of p08) assert.ok(Math.abs(v - expected(2.4 - clipGap)) < 1e-9, `a = 0.8: ${v}`);
    for (const v of p09) assert.ok(Math.abs(v - expected(3.2 - clipGap)) < 1e-9, `a = 0.9: ${v}`);
  });

  test('at a small gaussian deviation the posterior is the nearest glyph, not NaN: the costs, hundreds of nats apart, are shifted before exp', () => {
    const noisy = glyphs.map((g, i) => g.map((v, j) => v + 0.02 * Math.sin(7 * i + j)));
    const posterior = posteriorDenoiser(glyphs, { noise: 'gaussian', level: 0.02 })(noisy);
    posterior.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - glyphs[i][j]) < 1e-9, `glyph ${i} pixel ${j}: ${v}`)));
  });

  test('no noise (s = 0) is the nearest glyph even for grey inputs; glyph pixels read at 0.5; wrong widths refused on every path', () => {
    const grey = [[0.4, 0.3, 0.45, 0.2, 0.1, 0.6], [0.7, 0.9, 0.6, 0.55, 0.4, 0.8], [0.6, 0.9, 0.8, 0.1, 0.45, 0.3]];
    const many = Array.from({ length: 30 }, (_, i) => grey[i % 3]);
    assert.deepEqual(idealDecoder(code, { noise: 'gaussian', level: 0 })(many), many.map((_, i) => i % 3));
    assert.deepEqual(posteriorDenoiser(code, { noise: 'gaussian', level: 0 })(grey), [code[0], code[1], code[2]]);
    // A glyph pixel of exactly 0.5 is on, as pixelDistance reads it: [0.5 x 3] is glyph [1, 1, 1] under the gaussian likelihood too.
    const half = idealDecoder([[0, 0, 0], [0.5, 0.5, 0.5]], { noise: 'gaussian', level: 0.3 })(Array.from({ length: 20 }, () => [0.9, 0.8, 1]));
    assert.deepEqual(half, Array.from({ length: 20 }, () => 1));
    assert.throws(() => idealDecoder(code, { noise: 'gaussian', level: 0.3 })([[1, 0]]), /idealDecoder: a noisy glyph has 2 pixels; the glyphs have 6/);
    assert.throws(() => posteriorDenoiser(code, { noise: 'bit-flip', level: 0.1 })([[1, 0]]), /posteriorDenoiser: a noisy glyph has 2 pixels; the glyphs have 6/);
  });

  test('the posterior mean: salt-pepper at v = 1 is the mean glyph, a glyph pixel of 0.5 counts as ink, the threshold gives zeros too', () => {
    const three = [[0, 0, 1, 1], [0, 1, 1, 0], [1, 1, 1, 0]];
    // v = 1 replaces every pixel by a fair coin: the input says nothing, every glyph has posterior 1/3.
    for (const y of [[0, 0, 0, 0], [1, 0, 1, 1]]) {
      const [mean] = posteriorDenoiser(three, { noise: 'salt-pepper', level: 1 })([y]);
      [1 / 3, 2 / 3, 1, 1 / 3].forEach((want, i) => assert.ok(Math.abs(mean[i] - want) < 1e-12, `pixel ${i}: ${mean[i]}`));
    }
    // Posterior 1/2 on each of two glyphs; the first's 0.5 pixel counts as ink like a 1.
    const [half] = posteriorDenoiser([[0.5, 0, 1, 0], [0, 0, 1, 1]], { noise: 'bit-flip', level: 0.2 })([[0, 0, 1, 0.4]]);
    assert.ok(Math.abs(half[0] - 0.5) < 1e-12 && half[1] === 0 && Math.abs(half[2] - 1) < 1e-12, `${half}`);
    const [cut] = posteriorDenoiser([[0, 0, 1, 1], [1, 1, 1, 1]], { noise: 'bit-flip', level: 0.1, threshold: 0.5 })([[0, 0, 1, 1]]);
    assert.deepEqual(cut, [0, 0, 1, 1], 'pixels whose posterior is below the threshold read 0');
  });

  test('the posterior mean: exact values for salt-pepper (flip rate v / 2), a certain flip, a tie at the threshold, no overflow', () => {
    const pair = [[0, 0, 0, 0], [1, 1, 1, 1]];
    // Salt-pepper v = 0.2 flips with q = 0.1: [1, 0, 0, 0] has likelihoods q (1-q)^3 and q^3 (1-q): P(glyph 1 | y) = q^2 / (q^2 + (1-q)^2).
    const q = 0.1;
    const [sp] = posteriorDenoiser(pair, { noise: 'salt-pepper', level: 0.2 })([[1, 0, 0, 0]]);
    sp.forEach((v) => assert.ok(Math.abs(v - (q * q) / (q * q + (1 - q) * (1 - q))) < 1e-12, `salt-pepper: ${v}`));
    // p = 1 flips every pixel: the complement's glyph, with certainty.
    assert.deepEqual(posteriorDenoiser(pair, { noise: 'bit-flip', level: 1 })([[1, 1, 0, 1]]), [[0, 0, 0, 0]]);
    // Two pixels from each glyph: posterior 1/2 exactly, which reads as 1 at the threshold 0.5.
    assert.deepEqual(posteriorDenoiser(pair, { noise: 'bit-flip', level: 0.2 })([[1, 1, 0, 0]]), [[0.5, 0.5, 0.5, 0.5]]);
    assert.deepEqual(posteriorDenoiser(pair, { noise: 'bit-flip', level: 0.2, threshold: 0.5 })([[1, 1, 0, 0]]), [[1, 1, 1, 1]]);
    // p = 1e-300: log-likelihoods near -2000 whose exponentials underflow; the posterior is still exact.
    const [sure] = posteriorDenoiser(pair, { noise: 'bit-flip', level: 1e-300 })([[1, 0, 0, 0]]);
    assert.deepEqual(sure, [0, 0, 0, 0]);
  });

  test('the posterior-mean denoiser gives each pixel its probability of being 1', () => {
    const pair = [[0, 0, 0], [1, 1, 1]];
    const p = 0.1;
    // [1, 0, 0]: likelihoods p (1-p)^2 and p^2 (1-p): P(glyph 0 | y) = 1 - p.
    const [out] = posteriorDenoiser(pair, { noise: 'bit-flip', level: p })([[1, 0, 0]]);
    out.forEach((v) => assert.ok(Math.abs(v - p) < 1e-12, `${v}`));
    assert.deepEqual(posteriorDenoiser(pair, { noise: 'bit-flip', level: 0 })([[1, 0, 0]]), [[0, 0, 0]]);
    const [binary] = posteriorDenoiser(pair, { noise: 'salt-pepper', level: 0.2, threshold: 0.5 })([[1, 1, 0]]);
    assert.deepEqual(binary, [1, 1, 1]);
  });
});

describe('exact recovery of the ideal decoder', () => {
  test('matches brute force over every input of a small code, and Monte Carlo within its standard error', { skip: skipUnderMutation }, () => {
    const random = seededRandom(5);
    const small = Array.from({ length: 8 }, () => Array.from({ length: 14 }, (): number => (random() < 0.5 ? 1 : 0)));
    const exact = exactIdealRecovery(small);
    for (const p of [0.05, 0.2, 0.4]) {
      let sum = 0;
      for (let y = 0; y < 1 << 14; y++) {
        const d = small.map((g) => g.reduce((t, v, i) => t + (((y >> i) & 1) !== v ? 1 : 0), 0));
        const min = Math.min(...d);
        sum += p ** min * (1 - p) ** (14 - min); // ties share one glyph's likelihood
      }
      assert.ok(Math.abs(exact.rate(p) - sum / 8) < 1e-12, `p=${p}: ${exact.rate(p)} vs ${sum / 8}`);
    }
    const mc = idealRecovery({ glyphs: small, noise: 'bit-flip', level: 0.2, draws: 40000, seed: 3 });
    assert.ok(Math.abs(mc.exactRate - exact.rate(0.2)) < 4.5 * mc.exactRateSE, `${mc.exactRate} ± ${mc.exactRateSE} vs ${exact.rate(0.2)}`);
    assert.ok(Math.abs(exact.rate(0.5) - 1 / 8) < 1e-12, 'p = 0.5: chance');
    assert.throws(() => exact.rate(0.6), /from 0 to 0\.5/);
  });

  test('says so when the exact count is too expensive (the 32 glyphs of 35 pixels)', () => {
    assert.throws(() => exactIdealRecovery(glyphs), /search nodes .* too expensive here: use idealRecovery/);
  });

  test('the ideal decoder on the course font recovers about 98 / 94 / 85 / 52% at p = 0.10 / 0.15 / 0.20 / 0.30', { skip: skipWithoutCourseFont || skipUnderMutation }, () => {
    const course = glyphBits(loadFont(courseFontPath));
    const quoted: [number, number][] = [[0.1, 0.98], [0.15, 0.94], [0.2, 0.85], [0.3, 0.52]];
    for (const [p, rate] of quoted) {
      const e = idealRecovery({ glyphs: course, noise: 'bit-flip', level: p, draws: 20000, seed: 1 });
      // The quoted figures are rounded to 1 point: allow that plus 4 standard errors.
      assert.ok(Math.abs(e.exactRate - rate) <= 0.005 + 4 * e.exactRateSE, `p=${p}: ${e.exactRate} ± ${e.exactRateSE} vs ${rate}`);
      assert.equal(e.within1Rate, e.exactRate, 'glyphs are at least 2 pixels apart: a wrong glyph is never within 1');
    }
  });
});

describe('evaluateDenoising', () => {
  test('the identity at p = 0 is exact; at p > 0 it measures the noise itself', () => {
    const seen: number[][] = [];
    const clean = evaluateDenoising({ denoise: (noisy) => { seen.push(...noisy); return noisy; }, glyphs, noise: 'bit-flip', level: 0, draws: 100 });
    assert.equal(clean.exactRate, 1);
    assert.equal(clean.within1Rate, 1);
    assert.equal(clean.meanWrongPixels, 0);
    assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => glyphs[i % 32]), '100 draws cycle through the 32 glyphs');
    const noisy = evaluateDenoising({ denoise: identityDenoiser(), glyphs, noise: 'bit-flip', level: 0.1, draws: 5000, seed: 2 });
    assert.equal(noisy.meanWrongPixels, noisy.noisyMeanWrongPixels);
    assert.equal(noisy.exactRate, noisy.noisyExactRate);
    assert.ok(Math.abs(noisy.meanWrongPixels - 3.5) < 4.5 * noisy.meanWrongPixelsSE, `${noisy.meanWrongPixels} ± ${noisy.meanWrongPixelsSE}`);
    assert.ok(Math.abs(noisy.exactRate - 0.9 ** 35) < 4.5 * noisy.exactRateSE);
  });

  test('the same seed gives the same samples whatever the batch size; denoisers see the same samples', () => {
    const seen: number[][] = [];
    const recorder = (noisy: number[][]): number[][] => { seen.push(...noisy); return noisy; };
    const a = evaluateDenoising({ denoise: recorder, glyphs, noise: 'salt-pepper', level: 0.3, draws: 300, seed: 4 });
    const first = seen.splice(0);
    const b = evaluateDenoising({ denoise: recorder, glyphs, noise: 'salt-pepper', level: 0.3, draws: 300, seed: 4, batchRows: 7 });
    assert.deepEqual(seen, first);
    assert.deepEqual({ ...a, seconds: 0 }, { ...b, seconds: 0 });
    seen.length = 0;
    evaluateDenoising({ denoise: recorder, glyphs, noise: 'salt-pepper', level: 0.3, draws: 300, seed: 5 });
    assert.notDeepEqual(seen, first);
  });

  test('bad options are rejected with the parameter named', () => {
    const denoise = identityDenoiser();
    assert.throws(() => evaluateDenoising({ denoise, glyphs, noise: 'bit-flip', level: 1.2, draws: 10 }), /level \(bit-flip probability p\) is 1\.2/);
    assert.throws(() => evaluateDenoising({ denoise, glyphs, noise: 'bit-flip', draws: 10 } as never), /level is missing/);
    assert.throws(() => evaluateDenoising({ denoise, glyphs, noise: 'bit-flip', level: 0.1, draws: 0 }), /draws is 0/);
    assert.throws(() => evaluateDenoising({ denoise: () => [], glyphs, noise: 'bit-flip', level: 0.1, draws: 5 }), /returned 0 rows for 5/);
    assert.throws(() => sweep({ models: [], glyphs, noise: 'gaussian', testLevels: [0.1, -1], draws: 5 }), /testLevels\[1\] \(gaussian standard deviation s\) is -1/);
  });
});

describe('autoencoder denoisers', () => {
  test('a model as a denoiser: thresholded, no tensor left behind', { skip: skipUnderMutation }, () => {
    const model = new Autoencoder({ layers: [35, 12, 4, 12, 35], seed: 3 });
    try {
      const before = tf.memory().numTensors;
      const inputs = Array.from({ length: 50 }, (_, i) => glyphs[i % 32]);
      const whole = autoencoderDenoiser(model)(inputs);
      assert.ok(whole.flat().every((v) => v === 0 || v === 1));
      const raw = autoencoderDenoiser(model, { threshold: null })(inputs);
      raw.flat().forEach((v, i) => assert.equal(v >= 0.5 ? 1 : 0, whole.flat()[i]));
      assert.equal(tf.memory().numTensors, before);
    } finally {
      model.dispose();
    }
  });

  test('a short denoising training beats the noisy input by far; sweep rows; no tensor left behind', { skip: skipUnderMutation }, async () => {
    const before = tf.memory().numTensors;
    const trained = await trainDenoiser([35, 48, 12, 48, 35], glyphs, {
      trainLevel: 0.15, epochs: 500, learningRate: 0.01, copies: 4, seed: 1, progress: null,
    });
    try {
      assert.equal(trained.history.epochsRun, 500, 'no early stop on the clean criterion by default');
      assert.equal(trained.copies, 4);
      const e = evaluateDenoising({ denoise: trained.denoise, glyphs, noise: 'bit-flip', level: 0.1, draws: 2000, seed: 9 });
      assert.ok(e.noisyMeanWrongPixels > 3, `noise ${e.noisyMeanWrongPixels}`);
      assert.ok(e.meanWrongPixels < e.noisyMeanWrongPixels / 3, `denoised ${e.meanWrongPixels} vs noisy ${e.noisyMeanWrongPixels}`);
      assert.ok(e.within1Rate > 0.6, `within 1: ${e.within1Rate}`);

      const rows = sweep({
        models: [{ name: 'dae', denoise: trained.denoise, trainLevel: 0.15 }], glyphs, noise: 'bit-flip', testLevels: [0.05, 0.15], draws: 640, seed: 2,
      });
      assert.deepEqual(rows.map((r) => `${r.model}@${r.testLevel}`), ['noisy@0.05', 'noisy@0.15', 'ideal@0.05', 'ideal@0.15', 'posterior@0.05', 'posterior@0.15', 'dae@0.05', 'dae@0.15']);
      assert.deepEqual(Object.keys(rows[0]).sort(), ['draws', 'exactRate', 'exactRateSE', 'meanWrongPixels', 'meanWrongPixelsSE', 'model', 'noise', 'testLevel', 'trainLevel', 'within1Rate', 'within1RateSE']);
      const at = (model: string, level: number) => rows.find((r) => r.model === model && r.testLevel === level)!;
      assert.equal(at('dae', 0.15).trainLevel, 0.15);
      assert.equal(at('ideal', 0.15).trainLevel, null);
      for (const level of [0.05, 0.15]) {
        // On the same noisy samples, the ideal decoder is the best possible at exact recovery and the
        // posterior mean at wrong pixels: no trained denoiser beats them beyond Monte Carlo error.
        const [ideal, posterior, dae] = ['ideal', 'posterior', 'dae'].map((m) => at(m, level));
        assert.ok(ideal.exactRate >= dae.exactRate - 3 * Math.hypot(ideal.exactRateSE, dae.exactRateSE), `p=${level}: ideal ${ideal.exactRate} vs dae ${dae.exactRate}`);
        assert.ok(posterior.meanWrongPixels <= dae.meanWrongPixels + 3 * Math.hypot(posterior.meanWrongPixelsSE, dae.meanWrongPixelsSE),
          `p=${level}: posterior ${posterior.meanWrongPixels} vs dae ${dae.meanWrongPixels} wrong pixels`);
      }
      assert.ok(at('dae', 0.15).meanWrongPixels < at('noisy', 0.15).meanWrongPixels);
      // A level's rows do not depend on the other levels of the sweep.
      const alone = sweep({ models: [], glyphs, noise: 'bit-flip', testLevels: [0.15], draws: 640, seed: 2 });
      assert.deepEqual(alone, [at('noisy', 0.15), at('ideal', 0.15), at('posterior', 0.15)]);
    } finally {
      trained.model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test('bad training options are rejected with the parameter named, and free their model', async () => {
    const before = tf.memory().numTensors;
    await assert.rejects(trainDenoiser([35, 8, 4, 8, 35], glyphs, { trainLevel: 2 }), /trainLevel \(bit-flip probability p\) is 2/);
    await assert.rejects(trainDenoiser([35, 8, 4, 8, 35], glyphs, { epochs: 0, progress: null }), /epochs is 0/);
    await assert.rejects(trainDenoiser([30, 8, 30], glyphs, { progress: null }), /layers is \[30,8,30\]; the glyphs have 35 pixels/);
    assert.equal(tf.memory().numTensors, before, 'a rejected training frees its model');
    assert.deepEqual([...DENOISER_RECIPE.layers], [35, 64, 16, 64, 35]);
  });
});

describe('figures of a sweep', () => {
  const rows = sweep({ models: [{ name: 'copy', denoise: identityDenoiser(), trainLevel: 0 }], glyphs, noise: 'bit-flip', testLevels: [0.2, 0, 0.1], draws: 320, seed: 3 });

  test('curves: three panels per model in order, levels sorted, references styled, ±2 SE bars, missing models skipped', () => {
    const figure = denoisingCurvesFigure(rows, { models: ['copy', { model: 'ideal', label: 'ceiling' }, 'nowhere', 'noisy'], levelTitle: 'p' });
    assert.equal(figure.data.length, 9);
    assert.deepEqual(figure.data.map((t) => t.name), ['copy', 'copy', 'copy', 'ceiling', 'ceiling', 'ceiling', 'noisy input', 'noisy input', 'noisy input']);
    assert.deepEqual(figure.data.map((t) => t.xaxis), ['x', 'x2', 'x3', 'x', 'x2', 'x3', 'x', 'x2', 'x3']);
    assert.deepEqual(figure.data.map((t) => t.showlegend), [true, false, false, true, false, false, true, false, false]);
    const ideal = rows.filter((r) => r.model === 'ideal').sort((a, b) => a.testLevel - b.testLevel);
    assert.deepEqual(figure.data[4].x, [0, 0.1, 0.2]);
    assert.deepEqual(figure.data[4].y, ideal.map((r) => r.exactRate));
    assert.deepEqual((figure.data[4].error_y as { array: number[] }).array, ideal.map((r) => 2 * r.exactRateSE));
    assert.equal((figure.data[3].line as { dash: string }).dash, 'dash', 'the ceiling is dashed');
    assert.deepEqual((figure.layout?.yaxis2 as { range: number[] }).range, [0, 1.02]);
  });

  test('heat map: one panel per architecture, rows top to bottom, blanks where a model is missing, rates in percent', () => {
    const figure = sweepHeatmapFigure(rows, {
      panels: [
        { title: 'A', rows: [{ label: 'ideal', model: 'ideal' }, { label: '0', model: 'copy' }] },
        { title: 'B', rows: [{ label: 'ideal', model: 'ideal' }, { label: '0', model: 'untrained' }] },
      ],
      testLevels: [0, 0.1], levelTitle: 'tested at p', rowTitle: 'trained at p',
    });
    assert.equal(figure.data.length, 2);
    const at = (model: string, level: number) => rows.find((r) => r.model === model && r.testLevel === level)!.within1Rate;
    assert.deepEqual(figure.data[0].z, [[at('ideal', 0), at('ideal', 0.1)], [at('copy', 0), at('copy', 0.1)]]);
    assert.deepEqual(figure.data[1].z, [[at('ideal', 0), at('ideal', 0.1)], [null, null]]);
    assert.deepEqual((figure.data[0].text as string[][])[0], [(100 * at('ideal', 0)).toFixed(1), (100 * at('ideal', 0.1)).toFixed(1)]);
    assert.deepEqual([figure.data[0].xaxis, figure.data[1].xaxis], ['x', 'x2']);
    assert.equal((figure.layout?.yaxis2 as { showticklabels?: boolean }).showticklabels, false, 'the same rows: labelled once');
    const wrong = sweepHeatmapFigure(rows, { panels: [{ title: 'A', rows: [{ label: 'noisy', model: 'noisy' }] }], testLevels: [0.2], metric: 'meanWrongPixels', levelTitle: 'p', rowTitle: 'r' });
    assert.equal((wrong.layout?.coloraxis as { reversescale: boolean }).reversescale, true, 'fewer wrong pixels is brighter');
  });

  test('code width: one line per test level over the widths, gaps kept, one dashed ceiling per level with one legend entry', () => {
    const figure = codeWidthFigure({
      widths: [2, 4, 8], levelSymbol: 'p', trainLevel: 0.1,
      levels: [{ level: 0.1, within1Rates: [0.5, null, 0.9], ceiling: 0.95 }, { level: 0.2, within1Rates: [0.3, 0.6, 0.7], ceiling: null }],
    });
    assert.deepEqual(figure.data.map((t) => t.name), ['p = 0.1', 'p = 0.2', 'ideal denoiser (ceiling), same levels', 'ideal p = 0.2']);
    assert.deepEqual(figure.data[0].x, [2, 4, 8]);
    assert.deepEqual(figure.data[0].y, [0.5, null, 0.9]);
    assert.deepEqual([figure.data[2].x, figure.data[2].y], [[2, 8], [0.95, 0.95]]);
    assert.deepEqual(figure.data.map((t) => t.showlegend), [undefined, undefined, true, false]);
    assert.equal((figure.data[3].line as { dash: string }).dash, 'dash');
    assert.deepEqual((figure.layout?.xaxis as { tickvals: number[] }).tickvals, [2, 4, 8]);
    assert.match((figure.layout?.title as { text: string }).text, /trained at p = 0\.1/);
  });
});
