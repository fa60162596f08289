/**
 * `npm run reproduce` interrupted in the middle of a notebook: nothing half-written replaces the
 * last good report, and nothing temporary is left behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from './helpers';

test('an interrupted reproduce exits 130 and keeps the last good report', async () => {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'ae-interrupt-'));
  const lastGood = '{"notebook": "01-layer-count", "marker": "last good"}\n';
  fs.writeFileSync(path.join(reports, '01-layer-count.json'), lastGood);
  const child = spawn(process.execPath, [path.join(projectRoot, 'build', 'scripts', 'reproduce.js'), '01', 'tunedEpochs=10000000', 'reportEpochs=10000000', 'checkEvery=1000000'], {
    cwd: projectRoot, env: { ...process.env, AE_REPORTS_DIR: reports }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  // Long enough for the kernel to start and training to be under way.
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, output);
  assert.match(output, /interrupted; the last good report is untouched/);
  assert.equal(fs.readFileSync(path.join(reports, '01-layer-count.json'), 'utf8'), lastGood);
  assert.ok(!fs.existsSync(path.join(reports, '01-layer-count.html')), 'no half-made export');
  assert.deepEqual(fs.readdirSync(reports).filter((f) => f.startsWith('.')), [], 'no temporary folder left');
  assert.deepEqual(fs.readdirSync(path.join(projectRoot, 'notebooks')).filter((f) => f.includes(`.reproduce-${child.pid}.`)), [], 'no temporary notebook left');
});
