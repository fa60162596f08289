/**
 * The sweeps of the notebooks on one worker (the kernel's own thread) and on two: the same
 * results tables, field for field but the timings.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { projectRoot, scratchDir } from './helpers';

/** Runs a notebook's quick preset with `workers` and returns its results tables. */
function tables(notebook: string, workers: number, extra: string[] = []): Record<string, unknown[]> {
  const reports = scratchDir(`ae-workers-${workers}-`);
  const run = spawnSync(process.execPath, [path.join(projectRoot, 'build', 'scripts', 'reproduce.js'), '--quick', notebook, `workers=${workers}`, ...extra], {
    cwd: projectRoot, encoding: 'utf8', env: { ...process.env, AE_REPORTS_DIR: reports },
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const file = fs.readdirSync(reports).find((f) => f.startsWith(notebook) && f.endsWith('.json'))!;
  const results = JSON.parse(fs.readFileSync(path.join(reports, file), 'utf8'));
  assert.equal(results.params.workers, workers, 'the parameter reached the notebook');
  return results.tables;
}

/** Every field but the timings. */
const withoutTimings = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !/seconds/i.test(k)).map(([k, v]) => [k, withoutTimings(v)]));
  }
  return value;
};

describe('the same seeds give the same tables on one worker and on two', () => {
  for (const notebook of ['01', '02', '04']) {
    test(`notebook ${notebook}`, () => {
      const one = tables(notebook, 1);
      const two = tables(notebook, 2);
      assert.ok(Object.keys(one).length > 0);
      assert.deepEqual(Object.keys(two).sort(), Object.keys(one).sort());
      for (const name of Object.keys(one)) assert.deepEqual(withoutTimings(two[name]), withoutTimings(one[name]), `table ${name}`);
    });
  }
});
