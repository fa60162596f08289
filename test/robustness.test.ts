/**
 * `npm run reproduce` interrupted in the middle of a notebook: nothing half-written replaces the
 * last good report, and nothing temporary is left behind.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { projectRoot, scratchDir } from './helpers';

test('an interrupted reproduce exits 130 and keeps the last good report', async () => {
  const reports = scratchDir('ae-interrupt-');
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

/** A tslab notebook of a parameters cell and code cells, written to `file`. */
function writeNotebook(file: string, parameters: string, sources: string[]): void {
  const cell = (source: string, tags?: string[]) => ({ cell_type: 'code', metadata: tags ? { tags } : {}, execution_count: null, outputs: [], source });
  fs.writeFileSync(file, JSON.stringify({
    cells: [cell(parameters, ['parameters']), ...sources.map((source) => cell(source))],
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4, nbformat_minor: 5,
  }));
}

/** Runs `body` with a fresh notebooks folder (removed afterwards) and a scratch reports folder. */
function inNotebookFolder(reportsPrefix: string, body: (notebooks: string, reports: string) => void): void {
  // The folder sits in the project's root so that the notebooks' ../build/lib and ../data resolve.
  const notebooks = fs.mkdtempSync(path.join(projectRoot, '.test-notebooks-'));
  try {
    body(notebooks, scratchDir(reportsPrefix));
  } finally {
    fs.rmSync(notebooks, { recursive: true, force: true });
  }
}

/** `reproduce` over the notebooks of `notebooks` into `reports`, its stdout and stderr as one text. */
function reproduceFrom(notebooks: string, reports: string, args: string[]) {
  const run = spawnSync(process.execPath, [path.join(projectRoot, 'build', 'scripts', 'reproduce.js'), ...args], {
    cwd: projectRoot, encoding: 'utf8', env: { ...process.env, AE_REPORTS_DIR: reports, AE_NOTEBOOKS_DIR: notebooks },
  });
  return { run, output: `${run.stdout}\n${run.stderr}` };
}

test('a failing notebook does not stop the others; the summary names it, its cell and its error', () => {
  inNotebookFolder('ae-failing-', (notebooks, reports) => {
    writeNotebook(path.join(notebooks, '00-broken.ipynb'), 'let level = 1;', [
      'import * as ae from "../build/lib";\nconsole.log(ae.GLYPH_PIXELS);',
      'throw new Error(`level ${level} broke on purpose`);',
    ]);
    fs.copyFileSync(path.join(projectRoot, 'notebooks', '01-layer-count.ipynb'), path.join(notebooks, '01-layer-count.ipynb'));
    const { run, output } = reproduceFrom(notebooks, reports, ['--quick']);
    assert.equal(run.status, 1, output);
    assert.match(output, /1 of 2 notebook\(s\) succeeded/);
    assert.match(output, /00-broken\.ipynb failed in cell 3, line 1 \(`throw new Error\(`level \$\{level\} broke on purpose`\);`\): Error: level 1 broke on purpose/);
    assert.ok(fs.existsSync(path.join(reports, '01-layer-count.json')), 'the notebook after the failing one still ran');
    assert.ok(!fs.existsSync(path.join(reports, '00-broken.json')), 'no results from the failed notebook');
    assert.ok(fs.existsSync(path.join(reports, '00-broken.failed.ipynb')), 'its executed copy is kept aside for reading the error');
  });
});

test('a kernel that dies is reported in the cell it was running, with its last words on stderr', () => {
  inNotebookFolder('ae-dying-', (notebooks, reports) => {
    writeNotebook(path.join(notebooks, '00-dying.ipynb'), 'let code = 7;', [
      'console.log("still alive");',
      // Written to the process's own stderr (fd 2), where Node prints a fatal error, not to the cell's output.
      'console.log("about to die");\nrequire("fs").writeSync(2, "last words before exiting\\n");\nprocess.exit(code);',
      'console.log("never run");',
    ]);
    const { run, output } = reproduceFrom(notebooks, reports, ['00']);
    assert.equal(run.status, 1, output);
    assert.match(output, /00-dying\.ipynb failed in cell 3 \(`console\.log\("about to die"\);`\): DeadKernelError/, 'the cell that was running, not the one before');
    assert.match(output, /the kernel's last stderr lines: .*last words before exiting/);
  });
});

test('a long VAE run keeps the tensor count flat and its memory from growing epoch after epoch', async () => {
  // The full 30-epoch default is measured by hand (README: peak kernel RSS); here a shorter run on
  // part of the data checks the property that bound rests on: nothing accumulates per epoch.
  const { initEngine, loadEmbeddedMnist, takeExamples, Vae } = await import('./lib');
  const tf = await import('@tensorflow/tfjs');
  await initEngine('wasm');
  const { train, test: testSet } = loadEmbeddedMnist();
  const model = new Vae({ seed: 0 });
  try {
    const tensors: number[] = [];
    const rss: number[] = [];
    const before = tf.memory().numTensors;
    await model.train(takeExamples(train, 2048), {
      epochs: 8, batchSize: 128, test: takeExamples(testSet, 256), progress: null,
      onEpoch: () => { tensors.push(tf.memory().numTensors); rss.push(process.memoryUsage().rss); },
    });
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind by training');
    assert.ok(tensors.every((n) => n === tensors[0]), `tensor count per epoch: ${tensors.join(', ')}`);
    // After two warm-up epochs, resident memory may wobble (garbage collection) but not climb.
    const growthMb = (rss[rss.length - 1] - rss[2]) / 2 ** 20;
    assert.ok(growthMb < 64, `resident memory grew ${growthMb.toFixed(1)} MB over epochs 3-8`);
  } finally {
    model.dispose();
  }
});
