import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { logNormalCdf, normalCdf, normalQuantile, normalQuantileGrid, quantileLevels } from '../lib/normal';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tolerance ${tol})`);

// Reference values computed with mpmath at 30-40 digits.
const QUANTILES: [number, number][] = [
  [0.5, 0],
  [0.975, 1.959963984540054],
  [0.95, 1.6448536269514722],
  [0.9, 1.2815515655446004],
  [0.75, 0.6744897501960817],
  [0.025, -1.959963984540054],
  [0.001, -3.090232306167813],
  [0.02425, -1.9729610513118849], // Acklam's region boundary
  [1 - 0.02425, 1.9729610513118849],
  [1e-10, -6.361340902404056],
  [1e-300, -37.0470962993612],
  [0.8413447460685429, 1], // Φ(1)
  [0.15865525393145705, -1], // Φ(-1)
];

describe('the standard normal CDF and its inverse', () => {
  test('Φ⁻¹ at known points, to about double precision', () => {
    for (const [p, z] of QUANTILES) close(normalQuantile(p), z, 1e-12 * Math.max(1, Math.abs(z)), `Φ⁻¹(${p})`);
  });

  test('Φ at known points, also far in the tails', () => {
    close(normalCdf(0), 0.5, 1e-16, 'Φ(0)');
    close(normalCdf(1), 0.8413447460685429, 1e-15, 'Φ(1)');
    close(normalCdf(-1.959963984540054), 0.025, 1e-15, 'Φ(-1.96)');
    close(normalCdf(2.5), 0.9937903346742238, 1e-15, 'Φ(2.5)'); // the switch from series to continued fraction
    close(normalCdf(-2.5 * Math.SQRT2) / 2.0347600872247947e-4, 1, 1e-12, 'Φ(-3.54) relative'); // 0.5 erfc(2.5)
    close(normalCdf(-10) / 7.619853024160527e-24, 1, 1e-12, 'Φ(-10) relative');
    assert.equal(normalCdf(-Infinity), 0);
    assert.equal(normalCdf(Infinity), 1);
    assert.ok(Number.isNaN(normalCdf(NaN)));
  });

  test('log Φ is accurate far in the tail, where Φ underflows', () => {
    assert.ok(Math.abs(Math.exp(logNormalCdf(-1)) / 0.15865525393145705 - 1) < 2e-7);
    assert.ok(Math.abs(Math.exp(logNormalCdf(-10)) / 7.619853024160527e-24 - 1) < 2e-7);
    assert.ok(Math.abs(logNormalCdf(-100) - -5005.524208) < 1e-3, `${logNormalCdf(-100)}`); // no underflow
    assert.ok(Math.abs(Math.exp(logNormalCdf(1)) - 0.8413447460685429) < 2e-7);
    for (const x of [-20, -3.6, -3.5, -1, 0, 0.5, 2.5, 8]) close(logNormalCdf(x), Math.log(normalCdf(x)), 1e-13 * Math.max(1, Math.abs(Math.log(normalCdf(x)))), `log Φ(${x})`);
  });

  test('round trips, symmetry and monotonicity over the whole range', () => {
    let previous = -Infinity;
    for (let i = 1; i < 2000; i++) {
      const p = i / 2000;
      const z = normalQuantile(p);
      assert.ok(z > previous, `increasing at p = ${p}`);
      previous = z;
      close(normalCdf(z), p, 1e-14, `Φ(Φ⁻¹(${p}))`);
      close(normalQuantile(1 - p), -z, 1e-10, `symmetry at ${p}`);
    }
    for (const p of [1e-15, 1e-8, 1e-5, 0.01, 0.024, 0.0243, 0.03]) {
      close(normalCdf(normalQuantile(p)) / p, 1, 1e-12, `relative round trip at ${p}`);
    }
  });

  test('the ends and invalid probabilities', () => {
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    for (const bad of [-0.1, 1.5, NaN]) assert.throws(() => normalQuantile(bad), /p is .*probability in \[0, 1\]/);
  });
});

describe('grids at regular quantiles of N(0, I)', () => {
  test('levels are the centres of n equal slices by default, symmetric in any case', () => {
    assert.deepEqual(quantileLevels(4), [0.125, 0.375, 0.625, 0.875]);
    const levels = quantileLevels(5, 0.05);
    close(levels[0], 0.05, 1e-15);
    close(levels[4], 0.95, 1e-15);
    levels.forEach((p, i) => close(p + levels[4 - i], 1, 1e-15));
    assert.throws(() => quantileLevels(1), /n is 1/);
    assert.throws(() => quantileLevels(4, 0), /pMin is 0/);
  });

  test('the grid runs row by row from the top, left to right, at the quantiles', () => {
    const n = 5;
    const grid = normalQuantileGrid(n);
    assert.equal(grid.length, n * n);
    const z = quantileLevels(n).map(normalQuantile);
    // Top-left: smallest z1, largest z2; bottom-right: largest z1, smallest z2; the centre is the origin.
    assert.deepEqual(grid[0], [z[0], z[n - 1]]);
    assert.deepEqual(grid[n * n - 1], [z[n - 1], z[0]]);
    close(grid[12][0], 0, 1e-15);
    close(grid[12][1], 0, 1e-15);
    for (let row = 0; row < n; row++) {
      for (let column = 0; column < n; column++) {
        const [x, y] = grid[row * n + column];
        assert.equal(x, z[column]);
        assert.equal(y, z[n - 1 - row]);
        // Each point's CDF values are the levels: equal prior mass per cell.
        close(normalCdf(x), quantileLevels(n)[column], 1e-14);
      }
    }
  });
});
