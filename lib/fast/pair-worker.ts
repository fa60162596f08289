/**
 * The helper thread of pair.ts: its own engine, then one session per stepper. A session builds
 * the model's copy, then, step after step, takes the weights and its half of the batch from
 * shared memory, computes that half's gradients and loss terms, and writes them back.
 */
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { EngineName, initEngine } from '../engine';
import { Control, END_SESSION, heapView, pairOffsets, PairLayout, Replica, ReplicaRef } from './pair';

interface SessionMessage { replica: ReplicaRef; layout: PairLayout; control: SharedArrayBuffer; shared: SharedArrayBuffer; errors: MessagePort }

const port = parentPort!;

function buildReplica(ref: ReplicaRef): Replica {
  const build = (require(ref.module) as Record<string, (args: unknown) => Replica>)[ref.name];
  if (typeof build !== 'function') throw new Error(`${ref.module} exports no function ${ref.name}.`);
  return build(ref.args);
}

/** Steps until the stepper ends the session; blocks this thread between steps (it has nothing else to do). */
function runSession(replica: Replica, layout: PairLayout, control: Int32Array, shared: Float32Array, errors: MessagePort): void {
  const at = pairOffsets(layout);
  let done = 0;
  for (;;) {
    Atomics.wait(control, Control.Command, done);
    const command = Atomics.load(control, Control.Command);
    if (command === END_SESSION) return;
    let terms: tf.Scalar[] = [];
    try {
      tf.tidy(() => {
        let offset = at.weights;
        // New tensors, not writes in place: the engine's matrix products keep their weights packed per tensor.
        for (const v of replica.variables) { v.assign(tf.tensor(shared.subarray(offset, offset + v.size), v.shape)); offset += v.size; }
        const rows = Atomics.load(control, Control.Rows);
        const share = rows / Atomics.load(control, Control.BatchRows);
        const batch = layout.columns.map((c, i) => tf.tensor2d(shared.subarray(at.batch[i], at.batch[i] + rows * c), [rows, c]));
        const { grads } = tf.variableGrads(() => {
          terms = replica.terms(...batch).map((t) => tf.keep(t));
          return tf.mul(terms[0], share) as tf.Scalar;
        }, replica.variables);
        offset = at.grads;
        for (const v of replica.variables) { shared.set(heapView(grads[v.name]), offset); offset += v.size; }
        terms.forEach((t, i) => { shared[at.terms + i] = t.dataSync()[0]; });
      });
    } catch (err) {
      errors.postMessage({ error: err instanceof Error ? err.message : String(err) });
      Atomics.store(control, Control.Failed, 1);
    } finally {
      tf.dispose(terms);
    }
    done = command;
    Atomics.store(control, Control.Done, done);
    Atomics.notify(control, Control.Done);
  }
}

async function main(): Promise<void> {
  try {
    await initEngine((workerData as { engine: EngineName }).engine);
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) });
    return;
  }
  port.on('message', (m: SessionMessage) => {
    let replica: Replica;
    try {
      replica = buildReplica(m.replica);
    } catch (err) {
      port.postMessage({ error: err instanceof Error ? err.message : String(err) });
      return;
    }
    port.postMessage({ started: true });
    try {
      runSession(replica, m.layout, new Int32Array(m.control), new Float32Array(m.shared), m.errors);
    } finally {
      replica.dispose();
      m.errors.close();
    }
  });
  port.postMessage({ ready: true });
}

void main();
