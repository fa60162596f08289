import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine';
import { glyphBits, loadFont } from '../lib/font';
import { normalFrom, seededRandom } from '../lib/random';
import {
  addNoise, checkNoiseLevel, checkNoiseLevelTable, corruptor, corruptTensor, deriveSeed, effectiveFlipRate, NoiseSpec, noiseSpec,
} from '../lib/noise';
import { projectRoot } from './helpers';

const glyphs = glyphBits(loadFont(path.join(projectRoot, 'data', 'font.h')));
/** The 32 glyphs repeated: 1024 rows, 35,840 pixels. */
const many = Array.from({ length: 32 }, () => glyphs).flat();
// Each noise at a level named by its symbol, as in the messages.
const flipBits = (rows: number[][], p: number, random: () => number) => addNoise(rows, noiseSpec('bit-flip', p, 'p'), random);
const saltAndPepper = (rows: number[][], v: number, random: () => number) => addNoise(rows, noiseSpec('salt-pepper', v, 'v'), random);
const gaussianNoise = (rows: number[][], s: number, random: () => number) => addNoise(rows, noiseSpec('gaussian', s, 's'), random);

before(async () => { await initEngine('wasm'); });

/** |observed - expected| within `k` binomial standard errors of n trials. */
function assertRate(observed: number, expected: number, n: number, what: string, k = 4.5): void {
  const se = Math.sqrt((expected * (1 - expected)) / n);
  assert.ok(Math.abs(observed - expected) <= k * se + 1e-12, `${what}: ${observed} vs ${expected} (± ${k} x ${se.toFixed(5)})`);
}

function changed(a: number[][], b: number[][]): { all: number; fromZero: number; zeros: number; fromOne: number; ones: number } {
  const c = { all: 0, fromZero: 0, zeros: 0, fromOne: 0, ones: 0 };
  a.forEach((row, r) => row.forEach((v, i) => {
    const diff = v !== b[r][i] ? 1 : 0;
    c.all += diff;
    if (v === 0) { c.zeros++; c.fromZero += diff; } else { c.ones++; c.fromOne += diff; }
  }));
  return c;
}

describe('bit-flip noise', () => {
  test('flips each pixel with probability p, zeros and ones alike', () => {
    const pixels = many.length * 35;
    for (const p of [0.05, 0.2, 0.5]) {
      const noisy = flipBits(many, p, seededRandom(11));
      assert.ok(noisy.flat().every((v) => v === 0 || v === 1), 'still binary');
      const c = changed(many, noisy);
      assertRate(c.all / pixels, p, pixels, `flip rate at p=${p}`);
      assertRate(c.fromZero / c.zeros, p, c.zeros, `0 -> 1 at p=${p}`);
      assertRate(c.fromOne / c.ones, p, c.ones, `1 -> 0 at p=${p}`);
      assert.equal(effectiveFlipRate({ kind: 'bit-flip', level: p }), p, 'the effective flip rate is p itself');
    }
  });

  test('p = 0 changes nothing, p = 1 flips everything; the input is not modified', () => {
    const copy = glyphs.map((g) => g.slice());
    assert.deepEqual(flipBits(glyphs, 0, seededRandom(1)), glyphs);
    assert.deepEqual(flipBits(glyphs, 1, seededRandom(1)), glyphs.map((g) => g.map((v) => 1 - v)));
    assert.deepEqual(glyphs, copy);
  });
});

describe('salt-and-pepper noise', () => {
  test('replaces a fraction v of the pixels by fair coin flips: effective flip rate v / 2', () => {
    const pixels = many.length * 35;
    for (const v of [0.1, 0.3, 1]) {
      const noisy = saltAndPepper(many, v, seededRandom(12));
      assert.ok(noisy.flat().every((x) => x === 0 || x === 1));
      const c = changed(many, noisy);
      assertRate(c.all / pixels, v / 2, pixels, `flip rate at v=${v}`);
      assertRate(c.fromZero / c.zeros, v / 2, c.zeros, `salt on 0 pixels at v=${v}`);
      assertRate(c.fromOne / c.ones, v / 2, c.ones, `pepper on 1 pixels at v=${v}`);
      assert.equal(effectiveFlipRate({ kind: 'salt-pepper', level: v }), v / 2);
    }
  });

  test('one uniform u per pixel, in pixel order: u < v / 2 gives pepper (0), v / 2 <= u < v salt (1), else the pixel stays', () => {
    const v = 0.4;
    const grey = Array.from({ length: 20 }, () => new Array(35).fill(0.5));
    const random = seededRandom(3);
    const noisy = saltAndPepper(grey, v, seededRandom(3)).flat();
    noisy.forEach((x, i) => {
      const u = random();
      assert.equal(x, u < v / 2 ? 0 : u < v ? 1 : 0.5, `pixel ${i}`);
    });
  });

  test('on an all-grey input, replaced pixels are half 0 and half 1', () => {
    const grey = Array.from({ length: 2000 }, () => new Array(35).fill(0.5));
    const noisy = saltAndPepper(grey, 0.4, seededRandom(3)).flat();
    const n = noisy.length;
    assertRate(noisy.filter((x) => x === 0).length / n, 0.2, n, 'pepper');
    assertRate(noisy.filter((x) => x === 1).length / n, 0.2, n, 'salt');
  });
});

describe('gaussian noise', () => {
  test('mean 0 and standard deviation s before clipping (checked where clipping never happens)', () => {
    const s = 0.08; // 0.5 +- 6.25 s stays inside [0, 1]
    const grey = Array.from({ length: 2000 }, () => new Array(35).fill(0.5));
    const noise = gaussianNoise(grey, s, seededRandom(4)).flat().map((v) => v - 0.5);
    const n = noise.length;
    const mean = noise.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    assert.ok(Math.abs(mean) < 4.5 * s / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(std / s - 1) < 4.5 / Math.sqrt(2 * n), `std ${std} for s = ${s}`);
  });

  test('clipped to [0, 1]: a 0 pixel stays 0 half the time and reads 1 with probability Phi(-0.5 / s)', () => {
    const s = 0.5;
    const noisy = gaussianNoise(many, s, seededRandom(5));
    const values = noisy.flat();
    assert.ok(values.every((v) => v >= 0 && v <= 1), 'range');
    const fromZero = many.flat().flatMap((v, i) => (v === 0 ? [values[i]] : []));
    assertRate(fromZero.filter((v) => v === 0).length / fromZero.length, 0.5, fromZero.length, 'clipped at 0');
    const flip = effectiveFlipRate({ kind: 'gaussian', level: s });
    assert.ok(Math.abs(flip - 0.15865525393145705) < 1e-7, `Phi(-1) = ${flip}`);
    const wrong = many.flat().filter((v, i) => (values[i] >= 0.5 ? 1 : 0) !== v).length;
    assertRate(wrong / values.length, flip, values.length, 'wrong at threshold 0.5');
  });

  test('the noise is s times the seeded normal stream, one draw per pixel in pixel order (float32, as a noise tensor holds it)', () => {
    const s = 0.08;
    const grey = Array.from({ length: 20 }, () => new Array(35).fill(0.5));
    const normal = normalFrom(seededRandom(6));
    const noisy = gaussianNoise(grey, s, seededRandom(6)).flat();
    noisy.forEach((v, i) => assert.equal(v, 0.5 + Math.fround(s * normal()), `pixel ${i}`));
  });

  test('s = 0 changes nothing', () => {
    assert.deepEqual(gaussianNoise(glyphs, 0, seededRandom(1)), glyphs);
    assert.equal(effectiveFlipRate({ kind: 'gaussian', level: 0 }), 0);
  });
});

describe('seeds and determinism', () => {
  test('the same seed gives the same noise; another seed, other noise', () => {
    for (const kind of ['bit-flip', 'salt-pepper', 'gaussian'] as const) {
      const spec = noiseSpec(kind, 0.3);
      const a = addNoise(glyphs, spec, seededRandom(7));
      assert.deepEqual(addNoise(glyphs, spec, seededRandom(7)), a, kind);
      assert.notDeepEqual(addNoise(glyphs, spec, seededRandom(8)), a, kind);
    }
  });

  test('deriveSeed mixes its parts: order, epochs and fractional levels all matter', () => {
    const seeds = [deriveSeed(1, 2), deriveSeed(2, 1), deriveSeed(1, 3), deriveSeed(0.1), deriveSeed(0.15), deriveSeed(1e6 * 1 + 2)];
    assert.equal(new Set(seeds).size, seeds.length);
    assert.equal(deriveSeed(5, 9), deriveSeed(5, 9));
    assert.ok(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32));
  });
});

describe('the tensor corruptor (trainAutoencoder corruptInputs)', () => {
  test('deterministic in seed and epoch, new noise every epoch, the same noise as the array version', () => {
    const clean = tf.tensor2d(glyphs);
    try {
      for (const kind of ['bit-flip', 'salt-pepper', 'gaussian'] as const) {
        const spec: NoiseSpec = { kind, level: 0.25 };
        const run = (seed: number, epoch: number): number[][] => {
          const t = corruptor(spec, seed)(clean, epoch);
          try {
            assert.deepEqual(t.shape, [32, 35]);
            return t.arraySync();
          } finally {
            t.dispose();
          }
        };
        const a = run(3, 1);
        assert.deepEqual(run(3, 1), a, `${kind}: same seed and epoch`);
        assert.notDeepEqual(run(3, 2), a, `${kind}: next epoch`);
        assert.notDeepEqual(run(4, 1), a, `${kind}: other seed`);
        const expected = addNoise(glyphs, spec, seededRandom(deriveSeed(3, 1)));
        a.flat().forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]) < 1e-6, `${kind}: pixel ${i} ${v} vs ${expected.flat()[i]}`));
        assert.ok(a.flat().every((v) => v >= 0 && v <= 1), `${kind}: range`);
      }
    } finally {
      clean.dispose();
    }
  });

  test('bit-flip rate on a tensor, and no tensor left behind', () => {
    const clean = tf.tensor2d(many);
    try {
      const before = tf.memory().numTensors;
      const corrupt = corruptor({ kind: 'bit-flip', level: 0.15 }, 9);
      const noisy = corrupt(clean, 1);
      assert.equal(tf.memory().numTensors, before + 1, 'only the returned tensor');
      const values = noisy.dataSync();
      noisy.dispose();
      assert.equal(tf.memory().numTensors, before);
      const flat = many.flat();
      const wrong = flat.filter((v, i) => values[i] !== v).length;
      assert.ok(Array.from(values).every((v) => v === 0 || v === 1));
      assertRate(wrong / flat.length, 0.15, flat.length, 'tensor flip rate');
      const direct = corruptTensor(clean, { kind: 'gaussian', level: 0.3 }, seededRandom(1));
      direct.dispose();
      assert.equal(tf.memory().numTensors, before);
    } finally {
      clean.dispose();
    }
  });
});

describe('one stream across calls', () => {
  test('two tensor corruptions in a row draw what the row sampler draws for the same rows in turn (no draw lost or added)', () => {
    const first = [[0, 1, 1, 0, 1], [1, 0, 0, 1, 0]];
    const second = [[1, 1, 0, 0, 1]];
    for (const spec of [noiseSpec('bit-flip', 0.3), noiseSpec('salt-pepper', 0.4), noiseSpec('gaussian', 0.5)] as NoiseSpec[]) {
      const fromTensors = seededRandom(21);
      const a = tf.tidy(() => corruptTensor(tf.tensor2d(first), spec, fromTensors).arraySync());
      const b = tf.tidy(() => corruptTensor(tf.tensor2d(second), spec, fromTensors).arraySync());
      const fromRows = addNoise([...first, ...second], spec, seededRandom(21));
      [...a, ...b].forEach((row, r) => row.forEach((v, i) => assert.ok(Math.abs(v - fromRows[r][i]) < 1e-6, `${spec.kind} row ${r} pixel ${i}: ${v} against ${fromRows[r][i]}`)));
    }
  });
});

describe('validation', () => {
  test('levels out of range are rejected with the parameter and value named', () => {
    assert.throws(() => flipBits(glyphs, 1.5, seededRandom(1)), /p \(bit-flip probability\) is 1\.5; it must be a probability from 0 to 1/);
    assert.throws(() => saltAndPepper(glyphs, -0.1, seededRandom(1)), /v \(salt-and-pepper replacement probability\) is -0\.1/);
    assert.throws(() => gaussianNoise(glyphs, -1, seededRandom(1)), /s \(gaussian standard deviation\) is -1; it must be a finite number >= 0/);
    assert.throws(() => gaussianNoise(glyphs, Infinity, seededRandom(1)), /is Infinity/);
    assert.throws(() => noiseSpec('bit-flip', NaN), /level \(bit-flip probability p\) is NaN/);
    assert.throws(() => checkNoiseLevel('bit-flip', 2, 'trainLevel'), /^Error: trainLevel \(bit-flip probability p\) is 2/);
    assert.throws(() => noiseSpec('speckle' as never, 0.1), /noise is "speckle"; allowed: bit-flip, salt-pepper, gaussian/);
    assert.throws(() => corruptor({ kind: 'salt-pepper', level: 3 }, 1), /noise\.level \(salt-and-pepper replacement probability v\) is 3/);
    assert.throws(() => addNoise(glyphs, { kind: 'gaussian', level: '0.1' as never }, seededRandom(1)), /noise\.level \(gaussian standard deviation s\) is "0\.1"; it must be a finite number/);
    // Gaussian levels above 1 are allowed (a standard deviation, not a probability).
    assert.doesNotThrow(() => gaussianNoise(glyphs, 2, seededRandom(1)));
  });

  test('a per-noise table of levels (a notebook parameter): checked, sorted, one-sentence errors', () => {
    const table = { 'bit-flip': [0.3, 0, 0.1, 0.1], gaussian: [1.5, 0.5], 'salt-pepper': [2] };
    assert.deepEqual(checkNoiseLevelTable('trainLevels', table, ['bit-flip', 'gaussian']), { 'bit-flip': [0, 0.1, 0.3], gaussian: [0.5, 1.5] });
    assert.throws(() => checkNoiseLevelTable('trainLevels', table, ['salt-pepper']),
      /^ParameterError: Parameter trainLevels\["salt-pepper"\]\[0\] \(salt-and-pepper replacement probability v\) is 2; it must be a probability from 0 to 1\.$/);
    assert.throws(() => checkNoiseLevelTable('testLevels', { 'bit-flip': [0.1] }, ['bit-flip', 'gaussian']),
      /^ParameterError: Parameter testLevels\["gaussian"\] is missing; it must list at least 1 s level\(s\) for the gaussian noise/);
    assert.throws(() => checkNoiseLevelTable('testLevels', { 'bit-flip': [] }, ['bit-flip'], { min: 2 }), /testLevels\["bit-flip"\] is \[\]; it must list at least 2 p level/);
    assert.throws(() => checkNoiseLevelTable('testLevels', [0.1], ['bit-flip']), /Parameter testLevels is \[0\.1\]; it must give each noise model a list of levels/);
  });
});
