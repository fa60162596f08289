/**
 * A training worker of lib/parallel: its own engine, then tasks one at a time from the kernel's
 * thread, each answered with its result (or its error) and its progress lines on the way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initEngine, EngineName } from './engine';
import { setSpeedPath, SpeedPath } from './fast/path';
import { taskFunction, TaskContext } from './parallel';

const { engine, path, stop } = workerData as { engine: EngineName; path: SpeedPath; stop: SharedArrayBuffer };
const stopFlag = new Int32Array(stop);
const port = parentPort!;
const PROGRESS_MS = 200;

async function main(): Promise<void> {
  await initEngine(engine);
  setSpeedPath(path);
  port.on('message', async ({ id, module, name, args }: { id: number; module: string; name: string; args: unknown }) => {
    // Training loops update their line every step: a message at most every PROGRESS_MS is plenty.
    let lastPost = 0;
    const context: TaskContext = {
      shouldStop: () => Atomics.load(stopFlag, 0) === 1,
      progress: {
        update: (line) => {
          const now = Date.now();
          if (now - lastPost < PROGRESS_MS) return;
          lastPost = now;
          port.postMessage({ id, progress: line });
        },
        done: (line) => port.postMessage({ id, progress: line }),
      },
    };
    try {
      port.postMessage({ id, result: await taskFunction({ module, name })(args, context) });
    } catch (err) {
      port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  port.postMessage({ ready: true });
}

void main();
