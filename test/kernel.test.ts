/**
 * The notebooks as a person uses them: cells sent one by one to the tslab kernel through Jupyter's
 * client, an interrupt in the middle of training, cells re-run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { cellSource, injectParameters, NotebookDocument } from '../lib/overrides';
import { projectRoot, scratchDir } from './helpers';

interface StepResult { status: string; text: string; interrupted: boolean }
interface Step { code: string; interrupt_after?: number }

const jupyterPath = path.join(projectRoot, '.jupyter', 'share', 'jupyter');
const scratch = scratchDir('ae-kernel-');
const skip = registerKernel();

/**
 * Registers the tslab kernel under the project's .jupyter/ (as scripts/setup-jupyter.sh does, and
 * offline: only this project's node_modules/.bin/tslab writes a kernel spec there) unless it is
 * already there, so that `npm test` on a fresh clone tests the kernel. The user's own Jupyter is
 * untouched. A reason to skip where Jupyter's client is missing; an error where registering fails.
 */
function registerKernel(): string | false {
  if (fs.existsSync(path.join(jupyterPath, 'kernels', 'tslab', 'kernel.json'))) return false;
  const client = spawnSync('/usr/bin/python3', ['-c', 'import jupyter_client'], { encoding: 'utf8' });
  if (client.status !== 0) return 'Jupyter\'s client is missing for /usr/bin/python3 (bash scripts/setup-jupyter.sh installs it)';
  const tslab = path.join(projectRoot, 'node_modules', '.bin', 'tslab');
  const install = spawnSync(tslab, ['install', '--python=/usr/bin/python3', `--binary=${tslab}`, '--prefix', path.join(projectRoot, '.jupyter')], { encoding: 'utf8' });
  if (install.status !== 0 || !fs.existsSync(path.join(jupyterPath, 'kernels', 'tslab', 'kernel.json'))) {
    throw new Error(`registering the tslab kernel under ${jupyterPath} failed: ${install.error?.message ?? ''}${install.stderr}`);
  }
  return false;
}

function session(steps: Step[]): StepResult[] {
  const run = spawnSync('/usr/bin/python3', [path.join(projectRoot, 'test', 'fixtures', 'kernel_session.py'), path.join(projectRoot, 'notebooks')], {
    input: JSON.stringify(steps), encoding: 'utf8', timeout: 600_000,
    // Notebook cells that save results must not touch the real reports/.
    env: { ...process.env, JUPYTER_PATH: jupyterPath, AE_RESULTS_FILE: path.join(scratch, 'results.json') },
  });
  assert.equal(run.status, 0, `kernel session failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as StepResult[];
}

/** The last JSON line a cell printed. */
function printed<T>(result: StepResult): T {
  const line = result.text.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  assert.ok(line, `no JSON printed; the cell printed: ${result.text}`);
  return JSON.parse(line) as T;
}

describe('the tslab kernel', { skip }, () => {
  test('an interrupt stops training at the end of a step, keeps model and history, and the kernel stays usable', () => {
    const setup = [
      'import * as ae from "../build/lib";',
      'import * as tf from "@tensorflow/tfjs";',
      'await ae.initEngine("wasm");',
      'const glyphs = ae.glyphBits(ae.loadFont("../data/font.h"));',
      'const model = new ae.Autoencoder({ layers: [35, 20, 10, 2, 10, 20, 35], seed: 0 });',
      'let history: ae.TrainHistory | null = null;',
    ].join('\n');
    const report = 'console.log(JSON.stringify({ reason: history?.stopReason, epochs: history?.epochsRun, losses: history?.loss.length, ' +
      'finite: history?.loss.every(Number.isFinite), decoded: model.decodeArray([[0, 0]])[0].length, tensors: tf.memory().numTensors }));';
    const [, long, afterInterrupt, rerun, rerunAgain] = session([
      { code: setup },
      { code: 'history = await ae.trainAutoencoder(model, glyphs, { epochs: 10000000, learningRate: 0.0005, maxWrongPixels: null });', interrupt_after: 4 },
      { code: `await new Promise((resolve) => setTimeout(resolve, 300));\n${report}` },
      { code: `history = await ae.trainAutoencoder(model, glyphs, { epochs: 100, learningRate: 0.005, maxWrongPixels: null, progress: null });\n${report}` },
      { code: `history = await ae.trainAutoencoder(model, glyphs, { epochs: 100, learningRate: 0.005, maxWrongPixels: null, progress: null });\n${report}` },
    ]);
    assert.ok(long.interrupted);
    assert.equal(long.status, 'error', 'the interrupted cell ends as interrupted');
    type Report = { reason: string; epochs: number; losses: number; finite: boolean; decoded: number; tensors: number };
    const stopped = printed<Report>(afterInterrupt);
    assert.equal(stopped.reason, 'interrupted');
    assert.ok(stopped.epochs > 10 && stopped.epochs < 10000000, `stopped after ${stopped.epochs} epochs`);
    assert.equal(stopped.losses, stopped.epochs, 'the history so far is kept, one loss per epoch run');
    assert.ok(stopped.finite);
    assert.equal(stopped.decoded, 35, 'the model still works');
    const first = printed<Report>(rerun);
    const second = printed<Report>(rerunAgain);
    assert.equal(first.reason, 'epochs', 're-running the cell starts cleanly and runs to its end');
    assert.equal(first.epochs, 100);
    assert.equal(first.tensors, stopped.tensors, 'the interrupted run left no tensors behind');
    assert.equal(second.tensors, first.tensors, 're-running a training cell does not leak');
  });

  test('an interrupt stops every training worker at the end of its step; the runs in flight come back, no worker outlives the cell', () => {
    const setup = [
      'import * as ae from "../build/lib";',
      'import * as fs from "node:fs";',
      'import * as tf from "@tensorflow/tfjs";',
      'await ae.initEngine("wasm");',
      'const glyphs = ae.glyphBits(ae.loadFont("../data/font.h"));',
      'const threads = () => fs.readdirSync("/proc/self/task").length;',
      'const threadsBefore = threads();',
      'const runs = (epochs: number): ae.TrainRun[] => [0, 1, 2, 3].map((seed) => ({ layers: [35, 20, 10, 2, 10, 20, 35], seed, data: glyphs, options: { epochs, learningRate: 0.0005, maxWrongPixels: null } }));',
      'let trained: { model: ae.Autoencoder; history: ae.TrainHistory }[] = [];',
    ].join('\n');
    const report = 'await new Promise((resolve) => setTimeout(resolve, 500));\n' +
      'console.log(JSON.stringify({ runs: trained.length, reasons: trained.map((t) => t.history.stopReason), epochs: trained.map((t) => t.history.epochsRun), ' +
      'losses: trained.map((t) => t.history.loss.length), tensors: tf.memory().numTensors, extraThreads: threads() - threadsBefore }));';
    const free = 'trained.forEach((t) => t.model.dispose());\n';
    const [, long, afterInterrupt, rerun, rerunAgain] = session([
      { code: setup },
      { code: 'trained = await ae.trainRuns(runs(10000000), { workers: 2 });', interrupt_after: 8 },
      { code: report },
      { code: `${free}trained = await ae.trainRuns(runs(50), { workers: 2, progress: null });\n${report}` },
      { code: `${free}trained = await ae.trainRuns(runs(50), { workers: 2, progress: null });\n${report}` },
    ]);
    type Report = { runs: number; reasons: string[]; epochs: number[]; losses: number[]; tensors: number; extraThreads: number };
    const stopped = printed<Report>(afterInterrupt);
    assert.ok(long.interrupted, 'the cell was interrupted mid-training');
    assert.equal(stopped.runs, 2, 'the two runs in flight come back; the two not started do not');
    assert.deepEqual(stopped.reasons, ['interrupted', 'interrupted']);
    stopped.epochs.forEach((e, i) => {
      assert.ok(e > 0 && e < 10000000, `run ${i} stopped after ${e} epochs`);
      assert.equal(stopped.losses[i], e, 'its history so far is kept');
    });
    assert.equal(stopped.extraThreads, 0, 'no worker outlives the cell');
    const first = printed<Report>(rerun);
    const second = printed<Report>(rerunAgain);
    assert.deepEqual([first.runs, first.reasons], [4, ['epochs', 'epochs', 'epochs', 'epochs']], 'the kernel stays usable: the next cell runs every run to its end');
    assert.equal(second.tensors, first.tensors, 're-running the cell does not leak tensors in the kernel');
    assert.deepEqual([first.extraThreads, second.extraThreads], [0, 0]);
  });

  // Every notebook, with its quick preset: run all cells, then every cell after the parameters
  // again (as a person re-running cells does), and compare the tensor counts.
  const notebookFiles = fs.readdirSync(path.join(projectRoot, 'notebooks')).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
  for (const name of notebookFiles) {
    test(`${name}: running every cell again leaves the tensor count where the first run left it`, () => {
      const file = path.join(projectRoot, 'notebooks', name);
      const source = JSON.parse(fs.readFileSync(file, 'utf8')) as NotebookDocument;
      const quick = (source.metadata?.autoencoder as { quick?: Record<string, never> } | undefined)?.quick ?? {};
      const cells = injectParameters(source, quick, file).cells.filter((c) => c.cell_type === 'code').map(cellSource);
      const count = { code: 'console.log(JSON.stringify({ tensors: (await import("@tensorflow/tfjs")).memory().numTensors }));' };
      const afterParameters = cells.slice(Object.keys(quick).length ? 2 : 1); // after the parameters (and injected) cells
      const results = session([...cells.map((code) => ({ code })), count, ...afterParameters.map((code) => ({ code })), count]);
      results.forEach((r, i) => assert.equal(r.status, 'ok', `step ${i} failed: ${r.text.slice(-500)}`));
      const first = printed<{ tensors: number }>(results[cells.length]);
      const second = printed<{ tensors: number }>(results[results.length - 1]);
      // Every notebook holds its models (the lab its library run's, nb.libraryRun).
      assert.ok(first.tensors > 0, `${name} holds its models: ${first.tensors} tensors`);
      assert.equal(second.tensors, first.tensors);
    });
  }
});
