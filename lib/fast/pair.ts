/**
 * A training step on two cores: this thread and one helper thread, each with its own wasm engine,
 * compute the gradients of half the batch side by side; this thread adds them and applies the
 * update; the helper takes the new weights at its next step. One engine runs on one core, so a
 * model whose step is mostly matrix products gets most of a second core this way.
 *
 * The batch's loss is a mean over its rows, so the two halves' gradients, each weighted by its
 * share of the rows, add up to the whole batch's: the same numbers as the one-thread step up to
 * float32 rounding (the sums over the batch are split in two), and the same bits from run to run.
 *
 * The helper thread is started once per process and kept (unref'd: it never keeps Node alive).
 * Per step, the threads talk through shared memory and Atomics only, so no message has to wait for
 * an event loop.
 */
import * as path from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { createFlatOptimizer, FlatOptimizerKind } from './flat-optimizer';
import { WasmBackendLike } from './wasm-module';

/**
 * How the helper thread builds its copy of the model: `module` (a compiled library module, by
 * absolute path) exports `name(args)`, which returns the model's variables, in the caller's order,
 * and its loss terms for a batch ([loss to minimise, ...other terms], each a mean over the rows).
 */
export interface ReplicaRef { module: string; name: string; args: unknown }

export interface Replica {
  variables: tf.Variable[];
  terms(...batch: tf.Tensor2D[]): tf.Scalar[];
  dispose(): void;
}

/** A step that returns the batch's loss terms (means over its rows, before the update). */
export interface TermsStepper {
  step(...batch: tf.Tensor2D[]): tf.Tensor1D;
  readonly method: string;
  dispose(): void;
}

/** Slots of the control words shared with the helper (pair-worker.ts reads the same numbers). */
export const enum Control { Command, Done, Failed, Rows, BatchRows, Words }
/** Values of the Command word beyond the step counter. */
export const END_SESSION = -1;
/** Longest wait for the helper's half of a step before giving up on it. */
const HELPER_TIMEOUT_MS = 120_000;

/** Where each piece lives in the shared floats, shared by both sides. */
export interface PairLayout {
  /** Values per variable, in order. */
  sizes: number[];
  /** Columns of each batch tensor, and the most rows the helper's half will have. */
  columns: readonly number[];
  maxHelperRows: number;
  /** Number of loss terms. */
  terms: number;
}

/** Offsets (in floats) of the weights, the helper's gradients, its batch tensors and its terms. */
export function pairOffsets(layout: PairLayout): { weights: number; grads: number; batch: number[]; terms: number; total: number } {
  const parameters = layout.sizes.reduce((a, b) => a + b, 0);
  let at = 2 * parameters;
  const batch = layout.columns.map((c) => { const start = at; at += c * layout.maxHelperRows; return start; });
  return { weights: 0, grads: parameters, batch, terms: at, total: at + layout.terms };
}

/** A tensor's values in place on the wasm engine's heap (no copy; valid until the heap grows). */
export function heapView(t: tf.TensorInfo): Float32Array {
  return (tf.backend() as unknown as WasmBackendLike).typedArrayFromHeap(t);
}

let helper: Promise<Worker> | null = null;
/** Ends the session the helper is in, if any: it serves one stepper at a time, the newest. */
let endActiveSession: (() => void) | null = null;

function startHelper(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'pair-worker.js'), { workerData: { engine: 'wasm' } });
    worker.unref();
    worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve(worker) : reject(new Error(m.error))));
    worker.once('error', reject);
    // A helper that exits is started again by the next stepper that asks for one.
    worker.once('exit', () => { helper = null; });
  });
}

/**
 * The two-thread step with Adam or SGD applied by lib/fast's flat optimizer, or null where it does
 * not apply (an engine other than wasm, no flat optimizer, no helper thread). `terms` computes
 * this thread's half; the helper builds its own copy of the model from `replica`. Batches are
 * split by rows: the first ceil(n/2) here, the rest in the helper; `columns` gives each batch
 * tensor's width and `maxRows` the largest batch.
 */
export async function pairStepper(
  variables: tf.Variable[], terms: (...batch: tf.Tensor2D[]) => tf.Scalar[], replica: ReplicaRef,
  options: { optimizer: FlatOptimizerKind; learningRate: number; epsilon?: number; columns: readonly number[]; maxRows: number; termCount: number },
): Promise<TermsStepper | null> {
  if (tf.getBackend() !== 'wasm') return null;
  const flat = createFlatOptimizer(options.optimizer, options.learningRate, variables, { epsilon: options.epsilon });
  if (!flat) return null;
  const layout: PairLayout = {
    sizes: variables.map((v) => v.size), columns: options.columns, maxHelperRows: Math.floor(options.maxRows / 2), terms: options.termCount,
  };
  const at = pairOffsets(layout);
  const control = new Int32Array(new SharedArrayBuffer(4 * Control.Words));
  const shared = new Float32Array(new SharedArrayBuffer(4 * at.total));
  const writeWeights = (): void => {
    let offset = at.weights;
    for (const v of variables) { shared.set(heapView(v), offset); offset += v.size; }
  };
  writeWeights();
  let worker: Worker;
  try {
    helper ??= startHelper();
    worker = await helper;
  } catch {
    // No second engine here (the helper's engine did not start): the caller takes one thread.
    helper = null;
    flat.dispose();
    return null;
  }
  const { port1: errors, port2: helperErrors } = new MessageChannel();
  try {
    // A stepper that was never disposed would keep the helper from hearing this one.
    endActiveSession?.();
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { started?: boolean; error?: string }): void => {
        worker.off('message', onMessage);
        if (m.started) resolve(); else reject(new Error(`the helper thread could not build the model: ${m.error}`));
      };
      worker.on('message', onMessage);
      worker.postMessage({ replica, layout, control: control.buffer, shared: shared.buffer, errors: helperErrors }, [helperErrors]);
    });
  } catch (err) {
    flat.dispose();
    errors.close();
    throw err;
  }
  let steps = 0;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (endActiveSession === end) endActiveSession = null;
    Atomics.store(control, Control.Command, END_SESSION);
    Atomics.notify(control, Control.Command);
    flat.dispose();
    errors.close();
  };
  endActiveSession = end;

  const waitForHelper = (): void => {
    const deadline = performance.now() + HELPER_TIMEOUT_MS;
    for (let seen = Atomics.load(control, Control.Done); seen !== steps; seen = Atomics.load(control, Control.Done)) {
      if (performance.now() > deadline) throw new Error(`the helper thread did not finish step ${steps} within ${HELPER_TIMEOUT_MS / 1000} s`);
      Atomics.wait(control, Control.Done, seen, 1000);
    }
    if (Atomics.load(control, Control.Failed)) {
      const message = (receiveMessageOnPort(errors as MessagePort)?.message as { error?: string } | undefined)?.error;
      Atomics.store(control, Control.Failed, 0);
      throw new Error(`the helper thread's half of step ${steps} failed: ${message ?? 'no reason given'}`);
    }
  };

  return {
    method: `two threads (half a batch each, tfjs autodiff) + flat ${options.optimizer} kernel (${flat.implementation})`,
    step: (...batch) => tf.tidy(() => {
      if (ended) throw new Error('this two-thread stepper was disposed, or a newer one took its helper thread');
      const rows = batch[0].shape[0];
      const mine = Math.ceil(rows / 2);
      const theirs = rows - mine;
      if (rows > options.maxRows) throw new Error(`pair step: a batch of ${rows} rows; the stepper was made for at most ${options.maxRows}`);
      // The helper's rows go first, so that it starts while this thread works on its own.
      batch.forEach((b, i) => shared.set(heapView(b).subarray(mine * b.shape[1], rows * b.shape[1]), at.batch[i]));
      steps++;
      if (theirs > 0) {
        Atomics.store(control, Control.Rows, theirs);
        Atomics.store(control, Control.BatchRows, rows);
        Atomics.store(control, Control.Command, steps);
        Atomics.notify(control, Control.Command);
      }
      const share = mine / rows;
      let myTerms: tf.Scalar[] = [];
      try {
        const halves = batch.map((b) => (theirs > 0 ? b.slice([0, 0], [mine, b.shape[1]]) : b));
        const { grads } = tf.variableGrads(() => {
          myTerms = terms(...halves).map((t) => tf.keep(t));
          return tf.mul(myTerms[0], share) as tf.Scalar;
        }, variables);
        let total = tf.stack(myTerms).mul(share) as tf.Tensor1D;
        let combined = variables.map((v) => grads[v.name]);
        if (theirs > 0) {
          waitForHelper();
          let offset = at.grads;
          combined = combined.map((g) => { const sum = tf.add(g, tf.tensor(shared.subarray(offset, offset + g.size), g.shape)); offset += g.size; return sum; });
          total = tf.add(total, tf.mul(tf.tensor1d(shared.subarray(at.terms, at.terms + layout.terms)), theirs / rows));
        }
        flat.apply(variables, combined);
        writeWeights();
        return total;
      } finally {
        tf.dispose(myTerms);
      }
    }),
    dispose: () => end(),
  };
}
