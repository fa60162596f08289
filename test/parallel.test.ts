/**
 * Training runs across worker threads (lib/parallel): the same numbers whatever the number of
 * workers, an interrupt that keeps every run's history so far, errors that name the task, and no
 * worker or tensor left behind.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../lib/engine';
import { glyphBits, loadFont } from '../lib/font';
import { JobArgs, JobResult, trainingJobs, checkTogether, parameters as denoisingParameters } from '../lib/notebooks/04-denoising';
import { modelData, modelFromData, runTasks, TrainRun, trainRuns } from '../lib/parallel';
import { trainAutoencoder } from '../lib/train';
import { parameterDefaults } from '../lib/params';
import { Autoencoder } from '../lib/autoencoder';
import { projectRoot } from './helpers';

const glyphs = glyphBits(loadFont(path.join(projectRoot, 'data', 'font.h')));
const trainJob = { module: path.join(projectRoot, 'build', 'lib', 'notebooks', '04-denoising.js'), name: 'trainJob' };

/** Notebook 04's jobs at a small size: several architectures, noises and seeds. */
function smallJobs(epochs: number): JobArgs[] {
  const params = checkTogether({ ...parameterDefaults(denoisingParameters), epochs, seeds: [0, 1], latentSizes: [2] });
  return trainingJobs(params).slice(0, 6).map((job, i) => ({ job, glyphs, epochs, learningRate: params.learningRate, copies: 2, label: `job ${i}` }));
}

/** Everything a run returns but its timings. */
const withoutTimings = (r: JobResult | null): unknown => r && { ...r, seconds: undefined, history: { ...r.history, seconds: undefined } };

describe('training runs across worker threads', () => {
  before(async () => { await initEngine('wasm'); });

  test('a model crosses threads as data with its very weights', () => {
    const model = new Autoencoder({ layers: [35, 10, 2, 10, 35], seed: 4, hiddenActivation: 'relu' });
    const copy = modelFromData(JSON.parse(JSON.stringify(modelData(model))));
    assert.deepEqual(copy.config, model.config);
    assert.deepEqual(copy.reconstructArray(glyphs), model.reconstructArray(glyphs));
    model.dispose();
    copy.dispose();
  });

  test('one worker (here) and two give the same results, field for field but the timings; no tensor is left', async () => {
    const jobs = smallJobs(60);
    const tensors = tf.memory().numTensors;
    const here = await runTasks<JobArgs, JobResult>(trainJob, jobs, { workers: 1, progress: null });
    const two = await runTasks<JobArgs, JobResult>(trainJob, jobs, { workers: 2, progress: null });
    assert.equal(tf.memory().numTensors, tensors, 'the tasks free their models; only data comes back');
    assert.deepEqual([here.workers, two.workers, here.interrupted, two.interrupted], [1, 2, false, false]);
    assert.equal(two.results.filter((r) => r !== null).length, jobs.length);
    assert.deepEqual(two.results.map(withoutTimings), here.results.map(withoutTimings));
    // Not the same by accident: the jobs differ from each other.
    assert.notDeepEqual(here.results[0]!.history.loss, here.results[1]!.history.loss);
  });

  test('an interrupt stops every worker at the end of its step and keeps the runs so far', async () => {
    const jobs = smallJobs(1_000_000);
    // The interrupt comes once both workers report epochs of their first run.
    let bothTraining: () => void = () => undefined;
    const training = new Promise<void>((resolve) => { bothTraining = resolve; });
    const progress = {
      update: (text: string) => { if (text.split('\n').filter((line) => /epoch [1-9]/.test(line)).length >= 2) bothTraining(); },
      done: () => undefined,
    };
    const started = runTasks<JobArgs, JobResult>(trainJob, jobs, { workers: 2, progress });
    await training;
    process.kill(process.pid, 'SIGINT');
    const outcome = await started;
    assert.equal(outcome.interrupted, true);
    const done = outcome.results.filter((r): r is JobResult => r !== null);
    assert.equal(done.length, 2, 'the two runs in flight come back; the others never started');
    for (const r of done) {
      assert.equal(r.history.stopReason, 'interrupted');
      assert.ok(r.history.epochsRun > 0 && r.history.epochsRun < 1_000_000, `history kept: ${r.history.epochsRun} epochs`);
      assert.equal(r.history.loss.length, r.history.epochsRun);
    }
  });

  test("a task's error rejects the run with its message, and stops the other workers", async () => {
    const jobs = smallJobs(50);
    jobs[1] = { ...jobs[1], job: { ...jobs[1].job, layers: [35, 2, 35, 9] } };
    await assert.rejects(runTasks<JobArgs, JobResult>(trainJob, jobs, { workers: 2, progress: null }), /layers is \[35,2,35,9\]/);
    await assert.rejects(runTasks(trainJob, jobs.slice(1, 2), { workers: 1, progress: null }), /layers is \[35,2,35,9\]/);
    await assert.rejects(runTasks({ ...trainJob, name: 'noSuchTask' }, jobs.slice(0, 2), { workers: 2, progress: null }), /exports no function noSuchTask/);
  });

  test('trainRuns on two workers gives the models and histories of trainAutoencoder in this thread', async () => {
    const options = { epochs: 120, learningRate: 0.005, maxWrongPixels: 1, checkEvery: 20 };
    const runs: TrainRun[] = [[35, 20, 2, 20, 35], [35, 10, 2, 10, 35], [35, 20, 10, 2, 10, 20, 35]].map((layers, i) => ({ layers, seed: i, data: glyphs, options }));
    const tensors = tf.memory().numTensors;
    const trained = await trainRuns(runs, { workers: 2, progress: null });
    assert.deepEqual(trained.map((t) => t.index), [0, 1, 2]);
    for (const [i, run] of runs.entries()) {
      const model = new Autoencoder({ layers: run.layers, seed: run.seed });
      const history = await trainAutoencoder(model, glyphs, { ...options, progress: null });
      assert.deepEqual({ ...trained[i].history, seconds: 0 }, { ...history, seconds: 0 }, `run ${i}: the same history`);
      assert.deepEqual(trained[i].model.reconstructArray(glyphs), model.reconstructArray(glyphs), `run ${i}: the same weights`);
      model.dispose();
      trained[i].model.dispose();
    }
    assert.equal(tf.memory().numTensors, tensors);
  });
});
