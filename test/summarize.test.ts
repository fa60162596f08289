import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { summarize } from '../lib/summarize';
import { meanAndStd, median } from '../lib/metrics';
import { knob, declareParameters, readParameters, parameterDefaults, ParameterError } from '../lib/params';
import { md } from '../lib/notebook';

describe('summarize (danfo group-by)', () => {
  const rows = [
    { arch: [35, 2, 35], seed: 0, epochs: 10 as number | null, se: 0.3 },
    { arch: [35, 2, 35], seed: 1, epochs: 30 as number | null, se: 0.4 },
    { arch: [35, 4, 2, 4, 35], seed: 0, epochs: null as number | null, se: 0.5 },
    { arch: [35, 2, 35], seed: 2, epochs: 20 as number | null, se: 1.2 },
  ];
  const out = summarize(rows, { by: ['arch'], values: ['epochs', 'se'], stats: ['mean', 'std', 'se', 'count', 'median', 'min', 'max', 'pooledSe'] });

  test('groups arrays by value, in the order of first appearance', () => {
    assert.deepEqual(out.map((r) => r.arch), [[35, 2, 35], [35, 4, 2, 4, 35]]);
  });
  test('mean, population std, standard error, median, extremes, count', () => {
    const a = out[0];
    assert.equal(a.epochsMean, 20);
    assert.ok(Math.abs((a.epochsStd as number) - Math.sqrt(200 / 3)) < 1e-12);
    assert.ok(Math.abs((a.epochsSe as number) - 10 / Math.sqrt(3)) < 1e-12);
    assert.equal(a.epochsMedian, 20);
    assert.equal(a.epochsMin, 10);
    assert.equal(a.epochsMax, 30);
    assert.equal(a.epochsCount, 3);
    assert.ok(Math.abs((a.sePooledSe as number) - Math.sqrt(0.09 + 0.16 + 1.44) / 3) < 1e-12);
  });
  test('the median of an even count is the mean of the two middle values, as metrics\' median', () => {
    const even = summarize([5, 1, 4, 2].map((x) => ({ g: 'a', x })), { by: ['g'], values: ['x'], stats: ['median'] });
    assert.equal(even[0].xMedian, 3);
    assert.equal(even[0].xMedian, median([5, 1, 4, 2]));
    const odd = summarize([0.3, 0.1, 0.7].map((x) => ({ g: 'a', x })), { by: ['g'], values: ['x'], stats: ['median'] });
    assert.equal(odd[0].xMedian, median([0.3, 0.1, 0.7]));
  });
  test('the population std has the bits of meanAndStd, so summaries round as hand-computed ones', () => {
    // Spreads on a tie of the third decimal, where danfo's n - 1 std rescaled by √((n-1)/n) lands a bit off.
    for (const values of [[2.125, 2, 2.125, 2], [0.5, 2.179], [1.781, 1], [0.107, 1.964], [0.1, 0.2, 0.7]]) {
      const [s] = summarize(values.map((x) => ({ g: 'a', x })), { by: ['g'], values: ['x'], stats: ['mean', 'std'] });
      assert.equal(s.xMean, meanAndStd(values).mean);
      assert.equal(s.xStd, meanAndStd(values).std, `std of ${values}`);
    }
  });
  test('nulls are left out; a group without values gets null and count 0', () => {
    assert.equal(out[1].epochsMean, null);
    assert.equal(out[1].epochsCount, 0);
    assert.equal(out[1].seMean, 0.5);
    assert.equal(out[1].seStd, 0);
  });
});

describe('declared parameters', () => {
  const declaration = declareParameters({
    rate: knob.number(0.5, { min: 0, exclusiveMin: true, max: 1 }),
    seeds: knob.list(knob.integer(0, { min: 0 }).check, [0, 1]),
    mode: knob.oneOf(['a', 'b'] as const, 'a'),
    limit: knob.nullable(knob.integer(1, { min: 1 })),
  });
  test('values are checked against their declaration and typed', () => {
    const p = readParameters(declaration, { rate: 0.25, seeds: [3], mode: 'b', limit: 7 });
    assert.deepEqual(p, { rate: 0.25, seeds: [3], mode: 'b', limit: 7 });
    assert.deepEqual(parameterDefaults(declaration), { rate: 0.5, seeds: [0, 1], mode: 'a', limit: null });
    assert.deepEqual(readParameters(declaration, {}), parameterDefaults(declaration));
  });
  test('a bad value names the parameter, the value and what is allowed', () => {
    assert.throws(() => readParameters(declaration, { rate: 2 }), (e: Error) => e instanceof ParameterError && /rate is 2; .*at most 1/.test(e.message));
    assert.throws(() => readParameters(declaration, { seeds: [0, -1] }), /seeds\[1\] is -1/);
    assert.throws(() => readParameters(declaration, { mode: 'c' }), /mode is "c"; allowed: "a", "b"/);
    assert.throws(() => readParameters(declaration, { limit: 0 }), /limit is 0/);
    assert.throws(() => readParameters(declaration, { rates: 1 }), /Unknown parameter\(s\) rates; .*rate, seeds, mode, limit/);
  });
  test('values are read from the tslab kernel\'s top-level declarations when none are given', () => {
    const g = globalThis as { __tslab__?: { exports: Record<string, unknown> } };
    g.__tslab__ = { exports: { rate: 0.75, mode: 'b' } };
    try {
      assert.deepEqual(readParameters(declaration), { rate: 0.75, seeds: [0, 1], mode: 'b', limit: null });
    } finally {
      delete g.__tslab__;
    }
  });
});

describe('md: conclusions with bound numbers', () => {
  test('numbers read rounded, architectures joined, null as a dash', () => {
    assert.equal(md`${3} of ${3} seeds of ${[35, 20, 2, 20, 35]} reached it in ${1650.0} epochs at ${0.0005} (${158.4032} nats, ${0.95612}, ${null})`,
      '3 of 3 seeds of 35-20-2-20-35 reached it in 1650 epochs at 0.0005 (158.4 nats, 0.956, —)');
  });
});
