/**
 * Independent training runs on every core: a pool of worker threads, each with its own
 * TensorFlow.js engine (the same kind and speed path as the kernel's), running the same task
 * function the kernel would run itself. A task is a function exported by a library module that
 * takes plain data and returns plain data (weights as arrays, histories), so that the results are
 * the same numbers whatever the number of workers; the caller turns the weights back into models.
 *
 * Jupyter's interrupt sets a flag every worker reads between steps: each stops at the end of its
 * current step and returns what it has; the tasks not started are not run. No worker outlives the
 * call.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Autoencoder, ResolvedAutoencoderConfig } from './autoencoder';
import { engineInfo } from './engine';
import { speedPath } from './fast/path';
import { watchInterrupt } from './interrupt';
import { ProgressLine, progressLine } from './progress';
import { TrainHistory, trainAutoencoder, TrainOptions } from './train';

/** What a task gets besides its arguments: when to stop, and where its progress line goes. */
export interface TaskContext {
  /** True once the run is interrupted: stop at the end of the current step, keep what you have. */
  shouldStop(): boolean;
  /** This task's live status line (the pool shows every task in flight). */
  progress: ProgressLine;
}

/** A task: `module` (a compiled library module, by absolute path) exports `name(args, context)`. */
export interface TaskRef { module: string; name: string }

export type Task<A, R> = (args: A, context: TaskContext) => Promise<R>;

/** The function a TaskRef names, in this thread or in a worker. */
export function taskFunction<A, R>(task: TaskRef): Task<A, R> {
  const run = (require(task.module) as Record<string, Task<A, R>>)[task.name];
  if (typeof run !== 'function') throw new Error(`${task.module} exports no function ${task.name}.`);
  return run;
}

export interface PoolOptions {
  /** Worker threads; 1 runs every task in this thread, one after another. Default: the cores. */
  workers?: number;
  /** Where the combined status goes; default a notebook display or the terminal; null: nowhere. */
  progress?: ProgressLine | null;
}

export interface PoolOutcome<R> {
  /** One entry per task, in order; null for a task not run because of an interrupt. */
  results: (R | null)[];
  interrupted: boolean;
  workers: number;
}

/** A model as plain data, to cross between threads: its configuration and its weights. */
export interface ModelData { config: ResolvedAutoencoderConfig; parameters: { weights: number[][][]; biases: number[][] } }

export function modelData(model: Autoencoder): ModelData {
  return { config: model.config, parameters: model.parameters() };
}

/** The model again, with the very weights (float32 values are exact in the arrays). */
export function modelFromData(data: ModelData): Autoencoder {
  const model = new Autoencoder(data.config);
  model.setParameters(data.parameters);
  return model;
}

/** The machine's cores, the default number of workers. */
export function coreCount(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

interface WorkerMessage { id?: number; progress?: string; result?: unknown; error?: string; ready?: boolean }

const WORKER_FILE = path.join(__dirname, 'parallel-worker.js');

/**
 * Runs `task` once per entry of `args`, on `options.workers` threads (or here, with 1). Rejects
 * with the first task's error, after stopping the others.
 */
export async function runTasks<A, R>(task: TaskRef, args: readonly A[], options: PoolOptions = {}): Promise<PoolOutcome<R>> {
  const workers = Math.max(1, Math.min(options.workers ?? coreCount(), args.length));
  const progress = options.progress === undefined ? progressLine() : options.progress;
  const interrupt = await watchInterrupt(true);
  const lines = new Map<number, string>();
  let finished = 0;
  const show = (final = false): void => {
    const text = [`${finished}/${args.length} runs done on ${workers} worker(s)${interrupt.requested ? ' (interrupted)' : ''}`, ...lines.values()].join('\n');
    if (final) progress?.done(text); else progress?.update(text);
  };
  const onProgress = (id: number, line: string): void => { lines.set(id, line); show(); };
  const onDone = (id: number): void => { lines.delete(id); finished++; show(); };
  const results: (R | null)[] = args.map(() => null);
  try {
    if (workers === 1) {
      const run = taskFunction<A, R>(task);
      for (let id = 0; id < args.length && !interrupt.requested; id++) {
        const line = (text: string): void => onProgress(id, text);
        results[id] = await run(args[id], { shouldStop: () => interrupt.requested, progress: { update: line, done: line } });
        onDone(id);
      }
    } else {
      await runOnWorkers(task, args, workers, results, () => interrupt.requested, onProgress, onDone);
    }
    show(true);
    return { results, interrupted: interrupt.requested, workers };
  } finally {
    interrupt.stop();
  }
}

async function runOnWorkers<A, R>(
  task: TaskRef, args: readonly A[], count: number, results: (R | null)[],
  stopRequested: () => boolean, onProgress: (id: number, line: string) => void, onDone: (id: number) => void,
): Promise<void> {
  // One flag for every worker, read between steps (Atomics: no message needs to get through).
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const workerData = { engine: engineInfo().name, path: speedPath(), stop: stop.buffer };
  const pool = Array.from({ length: count }, () => new Worker(WORKER_FILE, { workerData }));
  const watch = setInterval(() => { if (stopRequested()) Atomics.store(stop, 0, 1); }, 50);
  let next = 0;
  // Each worker takes the next task whenever it is free, until none is left or the run is interrupted.
  const drain = (worker: Worker): Promise<void> => new Promise((resolve, reject) => {
    const give = (): void => {
      if (next >= args.length || stopRequested()) { resolve(); return; }
      worker.postMessage({ id: next, module: task.module, name: task.name, args: args[next] });
      next++;
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.ready) { give(); return; }
      const id = message.id!;
      if (message.progress !== undefined) { onProgress(id, message.progress); return; }
      if (message.error !== undefined) { reject(new Error(message.error)); return; }
      results[id] = message.result as R;
      onDone(id);
      give();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => { if (code !== 0) reject(new Error(`a training worker exited with code ${code}`)); });
  });
  try {
    await Promise.all(pool.map(drain));
  } catch (err) {
    Atomics.store(stop, 0, 1);
    throw err;
  } finally {
    clearInterval(watch);
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** One autoencoder training as plain data: a fresh model of `layers` from `seed`, trained on `data`. */
export interface TrainRun {
  layers: number[];
  seed: number;
  data: number[][];
  /** trainAutoencoder's options that are data (no callbacks: the pool supplies stop and progress). */
  options: Omit<TrainOptions, 'progress' | 'shouldStop' | 'corruptInputs' | 'stopOnInterrupt'>;
}

/** Trains one run (a task for runTasks): the trained weights and the history come back as data. */
export async function trainRunTask(run: TrainRun, context: TaskContext): Promise<{ model: ModelData; history: TrainHistory }> {
  const model = new Autoencoder({ layers: run.layers, seed: run.seed });
  try {
    const history = await trainAutoencoder(model, run.data, {
      ...run.options, progress: context.progress, shouldStop: context.shouldStop, stopOnInterrupt: false,
    });
    return { model: modelData(model), history };
  } finally {
    model.dispose();
  }
}

/**
 * Trains every run on `workers` threads (null or omitted: every core; 1: here, one after another)
 * and returns the trained models with their histories, in order. After an interrupt the runs in
 * flight come back with the history they have (stopReason 'interrupted'); those never started are
 * left out, so the list is shorter. The caller owns the models.
 */
export async function trainRuns(runs: readonly TrainRun[], options: { workers?: number | null; progress?: ProgressLine | null } = {}): Promise<{ model: Autoencoder; history: TrainHistory; index: number }[]> {
  const outcome = await runTasks<TrainRun, { model: ModelData; history: TrainHistory }>(
    { module: __filename, name: 'trainRunTask' }, runs, { workers: options.workers ?? coreCount(), progress: options.progress });
  return outcome.results.flatMap((result, index) => (result ? [{ model: modelFromData(result.model), history: result.history, index }] : []));
}
