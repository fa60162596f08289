/**
 * The fast training path (lib/fast: explicit backprop with kernels run outside the engine, one
 * flat optimizer call per step) against a straightforward plain-TF.js reference: the
 * forward pass spelled out with tfjs ops, tf.train.adam / tf.train.sgd and optimizer.minimize on
 * the same initial weights. Per-step losses must agree within 1e-4 relative and the wrong-pixel
 * counts at every check must be identical (in fact every path computes the same bits, which one
 * test asserts); the tensor count must not grow; and a step must run far fewer kernels.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  Activation, Autoencoder, AutoencoderConfig, glyphBits, initEngine, loadFont, LossName, makeTrainStepper, OptimizerName,
  seededRandom, setSpeedPath, shuffledIndices, trainAutoencoder, TrainOptions, TrainStepPaths, wrongPixelsPerGlyph,
} from './lib';
import { directKernelCalls } from '../lib/fast';
import { loadEmbeddedMnist, subsetDataset } from '../lib/mnist';
import { pairStepper } from '../lib/fast/pair';
import { makeStepper } from '../lib/train';
import { Vae } from '../lib/vae';
import { linearReplica, LinearArgs } from './fixtures/pair-replicas';
import { courseFontPath, projectRoot } from './helpers';

const fontFile = fs.existsSync(courseFontPath) ? courseFontPath : path.join(projectRoot, 'data', 'font.h');
const glyphs = glyphBits(loadFont(fontFile));

interface Run {
  /** Mean loss of each epoch. */
  loss: number[];
  /** Wrong pixels per glyph at each check (every checkEvery epochs and the last). */
  checks: { epoch: number; perGlyph: number[] }[];
  finalPerGlyph: number[];
  /** Every variable's values after training, weights then biases, layer by layer. */
  parameters: number[][];
}

function act(x: tf.Tensor, a: Activation): tf.Tensor {
  return a === 'tanh' ? tf.tanh(x) : a === 'sigmoid' ? tf.sigmoid(x) : a === 'relu' ? tf.relu(x) : x;
}

/** The reference: plain ops, tfjs autodiff through optimizer.minimize. */
function referenceRun(config: AutoencoderConfig, options: TrainOptions & { checkEvery: number }): Run {
  const model = new Autoencoder(config);
  const layers = model.layers;
  const activationAt = (i: number): Activation => model.activationOf(i);
  const forward = (x: tf.Tensor2D): { output: tf.Tensor; logits: tf.Tensor } => {
    let h: tf.Tensor = x;
    let pre: tf.Tensor = x;
    for (let i = 0; i < layers.length - 1; i++) {
      pre = tf.add(tf.matMul(h as tf.Tensor2D, model.weights[i]), model.biases[i]);
      h = act(pre, activationAt(i + 1));
    }
    return { output: h, logits: pre };
  };
  const lossOf = (target: tf.Tensor2D, out: { output: tf.Tensor; logits: tf.Tensor }): tf.Scalar => {
    if ((options.loss ?? 'bce') === 'mse') return tf.mean(tf.squaredDifference(out.output, target)) as tf.Scalar;
    if (model.config.outputActivation === 'sigmoid') return tf.mean(tf.sub(tf.softplus(out.logits), tf.mul(target, out.logits))) as tf.Scalar;
    const p = tf.clipByValue(out.output, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p)))))) as tf.Scalar;
  };
  const optimizer = (options.optimizer ?? 'adam') === 'adam' ? tf.train.adam(options.learningRate) : tf.train.sgd(options.learningRate);
  const x = tf.tensor2d(glyphs);
  const n = glyphs.length;
  const batchSize = options.batchSize ?? n;
  const random = seededRandom(options.seed ?? 0);
  const wrong = (): number[] => wrongPixelsPerGlyph(tf.tidy(() => forward(x).output.arraySync() as number[][]), glyphs);
  const run: Run = { loss: [], checks: [], finalPerGlyph: [], parameters: [] };
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = batchSize < n ? shuffledIndices(n, random) : null;
      const inputs = options.corruptInputs ? options.corruptInputs(x, epoch) : x;
      const losses: number[] = [];
      for (let start = 0; start < n; start += batchSize) {
        const cost = optimizer.minimize(() => {
          const rows = order ? order.slice(start, start + batchSize) : null;
          const input = rows ? tf.gather(inputs, rows) as tf.Tensor2D : inputs;
          const target = rows ? tf.gather(x, rows) as tf.Tensor2D : x;
          return lossOf(target, forward(input));
        }, true, model.variables()) as tf.Scalar;
        losses.push(cost.dataSync()[0]);
        cost.dispose();
      }
      if (inputs !== x) inputs.dispose();
      run.loss.push(losses.reduce((a, b) => a + b, 0) / losses.length);
      if (epoch % options.checkEvery === 0 || epoch === options.epochs) run.checks.push({ epoch, perGlyph: wrong() });
    }
    run.finalPerGlyph = wrong();
    run.parameters = model.variables().map((v) => Array.from(v.dataSync()));
    return run;
  } finally {
    optimizer.dispose();
    x.dispose();
    model.dispose();
  }
}

/** The library's training loop, recording wrong pixels per glyph at each check. */
async function fastRun(config: AutoencoderConfig, options: TrainOptions & { checkEvery: number }): Promise<Run> {
  const model = new Autoencoder(config);
  const checks: Run['checks'] = [];
  try {
    // A check every checkEvery epochs: rerun in one go and read the history's checks.
    const history = await trainAutoencoder(model, glyphs, { ...options, maxWrongPixels: options.maxWrongPixels ?? null, progress: null, stopOnInterrupt: false });
    assert.ok(history.checks.length > 0);
    // The history keeps max and total per check; the per-glyph counts of the last one.
    for (const c of history.checks) checks.push({ epoch: c.epoch, perGlyph: [c.maxWrongPixels, c.totalWrongPixels] });
    return { loss: history.loss, checks, finalPerGlyph: history.wrongPixels, parameters: model.variables().map((v) => Array.from(v.dataSync())) };
  } finally {
    model.dispose();
  }
}

function assertEquivalent(fast: Run, reference: Run, what: string): void {
  assert.equal(fast.loss.length, reference.loss.length, `${what}: epochs`);
  let worst = 0;
  fast.loss.forEach((l, i) => {
    const rel = Math.abs(l - reference.loss[i]) / Math.max(Math.abs(reference.loss[i]), 1e-12);
    worst = Math.max(worst, rel);
    assert.ok(rel <= 1e-4, `${what}: epoch ${i + 1} loss ${l} vs reference ${reference.loss[i]} (relative ${rel.toExponential(2)})`);
  });
  assert.equal(fast.checks.length, reference.checks.length, `${what}: checks`);
  fast.checks.forEach((c, i) => {
    const r = reference.checks[i];
    assert.equal(c.epoch, r.epoch);
    const [max, total] = c.perGlyph;
    assert.deepEqual([max, total], [Math.max(...r.perGlyph), r.perGlyph.reduce((a, b) => a + b, 0)], `${what}: wrong pixels (max, total) at epoch ${c.epoch}`);
  });
  assert.deepEqual(fast.finalPerGlyph, reference.finalPerGlyph, `${what}: final wrong pixels per glyph`);
}

/** Kernels run while f runs: engine dispatches plus the ones run directly (DirectKernels). */
async function kernelsDuring(f: () => Promise<unknown>): Promise<number> {
  const engine = tf.engine() as unknown as { runKernel: (...args: unknown[]) => unknown };
  const original = engine.runKernel;
  let count = 0;
  engine.runKernel = function (this: unknown, ...args: unknown[]) { count++; return original.apply(this, args); };
  const direct = directKernelCalls();
  try {
    await f();
  } finally {
    engine.runKernel = original;
  }
  return count + directKernelCalls() - direct;
}

const CASES: { name: string; config: AutoencoderConfig; options: TrainOptions & { checkEvery: number } }[] = [
  {
    name: 'course setting: tanh / linear latent / sigmoid, bce, adam, full batch, 300 steps',
    config: { layers: [35, 20, 10, 2, 10, 20, 35], seed: 0 },
    options: { epochs: 300, learningRate: 0.005, checkEvery: 25 },
  },
  {
    name: 'deeper (the step benchmark), seed 3, 200 steps',
    config: { layers: [35, 25, 20, 10, 2, 10, 20, 25, 35], seed: 3 },
    options: { epochs: 200, learningRate: 0.005, checkEvery: 50 },
  },
  {
    name: 'relu hidden, sigmoid latent, mse, sgd',
    config: { layers: [35, 16, 4, 16, 35], hiddenActivation: 'relu', latentActivation: 'sigmoid', seed: 5 },
    options: { epochs: 150, learningRate: 0.5, optimizer: 'sgd' as OptimizerName, loss: 'mse' as LossName, checkEvery: 50 },
  },
  {
    name: 'sigmoid hidden, linear output, mse, adam',
    config: { layers: [35, 12, 3, 12, 35], hiddenActivation: 'sigmoid', outputActivation: 'linear', seed: 6 },
    options: { epochs: 150, learningRate: 0.01, loss: 'mse' as LossName, checkEvery: 50 },
  },
  {
    name: 'mini-batches of 8 (shuffled), bce, adam',
    config: { layers: [35, 20, 2, 20, 35], seed: 7 },
    options: { epochs: 40, learningRate: 0.005, batchSize: 8, seed: 11, checkEvery: 10 },
  },
  {
    name: 'bce with a relu output (tfjs autodiff fallback, flat adam)',
    config: { layers: [35, 10, 2, 10, 35], outputActivation: 'relu', seed: 8 },
    options: { epochs: 60, learningRate: 0.005, checkEvery: 20 },
  },
  {
    name: 'denoising: corrupted inputs, clean targets',
    config: { layers: [35, 20, 2, 20, 35], seed: 9 },
    options: {
      epochs: 60, learningRate: 0.005, checkEvery: 20,
      corruptInputs: (clean: tf.Tensor2D, epoch: number) => tf.tidy(() => {
        // A deterministic flip of a few pixels that depends on the epoch.
        const random = seededRandom(epoch);
        const mask = tf.tensor2d(Array.from({ length: clean.size }, () => (random() < 0.05 ? 1 : 0)), clean.shape);
        return tf.abs(tf.sub(clean, mask)) as tf.Tensor2D;
      }),
    },
  },
];

describe('fast training path = straightforward reference (wasm)', () => {
  before(async () => { await initEngine('wasm'); });

  for (const c of CASES) {
    test(c.name, async () => {
      const tensors = tf.memory().numTensors;
      const reference = referenceRun(c.config, c.options);
      const fast = await fastRun(c.config, c.options);
      assertEquivalent(fast, reference, c.name);
      assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
    });
  }

  test('every combination of the fast path\'s pieces, and the plain path, computes the reference\'s bits', () => {
    const config = { layers: [35, 20, 10, 2, 10, 20, 35], seed: 2 };
    const steps = 120;
    const combos: (TrainStepPaths & { plain?: true })[] = [
      {}, { direct: false }, { wasmModule: false }, { flat: false }, { explicit: false }, { explicit: false, wasmModule: false },
      { explicit: false, flat: false }, { plain: true },
    ];
    const x = tf.tensor2d(glyphs);
    const results = combos.map(({ plain, ...paths }) => {
      const model = new Autoencoder(config);
      setSpeedPath(plain ? 'plain' : 'fast');
      const stepper = makeTrainStepper(model, { learningRate: 0.005 }, paths);
      setSpeedPath('fast');
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) {
        const loss = stepper.step(x, x);
        losses.push(loss.dataSync()[0]);
        loss.dispose();
      }
      const method = stepper.method;
      stepper.dispose();
      const parameters = model.variables().map((v) => Array.from(v.dataSync()));
      model.dispose();
      return { paths: { plain, ...paths }, method, losses, parameters };
    });
    x.dispose();
    const reference = referenceRun(config, { epochs: steps, learningRate: 0.005, checkEvery: steps });
    for (const r of results) {
      assert.deepEqual(r.losses, reference.loss, `losses of ${JSON.stringify(r.paths)} (${r.method})`);
      assert.deepEqual(r.parameters, reference.parameters, `parameters of ${JSON.stringify(r.paths)} (${r.method})`);
    }
    assert.deepEqual(results.map((r) => r.method), [
      'explicit backprop (direct kernels) + flat adam kernel (wasm module, summing bias gradients)',
      'explicit backprop (engine kernels) + flat adam kernel (wasm module, summing bias gradients)',
      'explicit backprop (direct kernels) + flat adam kernel (JavaScript)',
      'explicit backprop (engine kernels) + tf.train.adam',
      'tfjs autodiff + flat adam kernel (wasm module, summing bias gradients)',
      'tfjs autodiff + flat adam kernel (JavaScript)',
      'tfjs autodiff + tf.train.adam',
      'tfjs autodiff + tf.train.adam',
    ]);
  });

  test('on the plain path (AE_PATH=plain) training computes the same numbers as on the fast path', async () => {
    const c = CASES[4];
    setSpeedPath('plain');
    try {
      const plain = await fastRun(c.config, c.options);
      setSpeedPath('fast');
      const fast = await fastRun(c.config, c.options);
      assert.deepEqual(plain, fast);
    } finally {
      setSpeedPath('fast');
    }
  });

  test('the same seed reaches the course criterion at the same check as the reference', async () => {
    const config = { layers: [35, 20, 10, 2, 10, 20, 35], seed: 4 };
    const model = new Autoencoder(config);
    const history = await trainAutoencoder(model, glyphs, { epochs: 3000, learningRate: 0.005, progress: null, stopOnInterrupt: false });
    model.dispose();
    assert.equal(history.stopReason, 'criterion');
    const reference = referenceRun(config, { epochs: history.epochsToCriterion!, learningRate: 0.005, checkEvery: 50 });
    const first = reference.checks.find((c) => Math.max(...c.perGlyph) <= 1);
    assert.equal(first?.epoch, history.epochsToCriterion, 'first check meeting the criterion');
    assert.deepEqual(reference.finalPerGlyph, history.wrongPixels);
  });

  test('the tensor count stays flat, per step and over whole runs', async () => {
    const model = new Autoencoder({ layers: [35, 25, 20, 10, 2, 10, 20, 25, 35], seed: 1 });
    const x = tf.tensor2d(glyphs);
    try {
      const before = tf.memory().numTensors;
      for (const optimizer of ['adam', 'sgd'] as OptimizerName[]) {
        const stepper = makeTrainStepper(model, { learningRate: 0.005, optimizer });
        const counts: number[] = [];
        for (let i = 0; i < 20; i++) {
          stepper.step(x, x).dispose();
          counts.push(tf.memory().numTensors);
        }
        stepper.dispose();
        // Constants are made on the first step; from then on nothing accumulates.
        assert.ok(counts.slice(1).every((n) => n === counts[1]), `flat per step: ${counts.join(',')}`);
        assert.equal(tf.memory().numTensors, before, `${optimizer}: everything freed`);
      }
      await trainAutoencoder(model, glyphs, { epochs: 120, learningRate: 0.005, progress: null, maxWrongPixels: null, stopOnInterrupt: false });
      await trainAutoencoder(model, glyphs, { epochs: 10, batchSize: 5, learningRate: 0.005, progress: null, stopOnInterrupt: false });
      assert.equal(tf.memory().numTensors, before);
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  test('a step makes far fewer engine calls than tfjs autodiff + tf.train.adam', async () => {
    const config = { layers: [35, 25, 20, 10, 2, 10, 20, 25, 35], seed: 0 };
    const model = new Autoencoder(config);
    const run = (epochs: number) => trainAutoencoder(model, glyphs, { epochs, learningRate: 0.005, maxWrongPixels: null, checkEvery: epochs, progress: null, stopOnInterrupt: false });
    const perStep = ((await kernelsDuring(() => run(60))) - (await kernelsDuring(() => run(10)))) / 50;
    model.dispose();
    const reference = await kernelsDuring(async () => referenceRun(config, { epochs: 10, learningRate: 0.005, checkEvery: 10 }));
    const referencePerStep = reference / 10;
    // 8 layers: forward 23, loss 4, output gradient 2, backward 41, update 1.
    assert.ok(perStep <= 75, `fast path: ${perStep} engine calls per step`);
    assert.ok(referencePerStep >= 3 * perStep, `reference ${referencePerStep} vs fast ${perStep} per step`);
  });
});

describe('the VAE\'s fast step (flat Adam) = its plain step (tf.train.adam)', () => {
  before(async () => { await initEngine('wasm'); });
  const { train } = loadEmbeddedMnist();
  const digits = subsetDataset(train, Array.from({ length: 300 }, (_, i) => i * 7));

  async function vaeRun(path: 'fast' | 'plain') {
    setSpeedPath(path);
    try {
      const vae = new Vae({ hidden: [48, 16], latentSize: 2, seed: 3 });
      const h = await vae.train(digits, { epochs: 3, batchSize: 64, seed: 5, progress: null, stopOnInterrupt: false, threads: 1 });
      const parameters = vae.variables().map((v) => Array.from(v.dataSync()));
      vae.dispose();
      return { losses: h.epochs.map((e) => [e.trainLoss, e.trainRec, e.trainKl]), parameters };
    } finally {
      setSpeedPath('fast');
    }
  }

  test('the same losses and parameters to the bit, with PyTorch\'s epsilon on both paths', async () => {
    const before = tf.memory().numTensors;
    const fast = await vaeRun('fast');
    const plain = await vaeRun('plain');
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.ok(fast.losses[2][0] < fast.losses[0][0], `the loss falls: ${fast.losses.map((l) => l[0])}`);
    assert.deepEqual(fast.losses, plain.losses);
    assert.deepEqual(fast.parameters, plain.parameters);
  });

  test('makeStepper takes the flat update on the fast path, tf.train on the plain one', () => {
    const w = tf.variable(tf.tensor1d([1, -2, 3]));
    const loss = (target: tf.Tensor1D) => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar;
    const target = tf.tensor1d([0, 0, 0]);
    const methods: string[] = [];
    const values: number[][] = [];
    for (const path of ['fast', 'plain'] as const) {
      setSpeedPath(path);
      w.assign(tf.tensor1d([1, -2, 3]));
      const stepper = makeStepper([w], loss, { optimizer: 'adam', learningRate: 0.1, epsilon: 1e-8 });
      methods.push(stepper.method);
      for (let i = 0; i < 5; i++) stepper.step(target).dispose();
      values.push(Array.from(w.dataSync()));
      stepper.dispose();
    }
    setSpeedPath('fast');
    tf.dispose([w, target]);
    assert.deepEqual(methods, ['tfjs autodiff + flat adam kernel (wasm module)', 'tfjs autodiff + tf.train.adam']);
    assert.deepEqual(values[0], values[1]);
    assert.ok(values[0][0] < 1, `Adam moved the weights: ${values[0]}`);
  });
});

describe('fast training path = reference (cpu engine)', () => {
  before(async () => { await initEngine('cpu'); });
  after(async () => { await initEngine('wasm'); });

  test('course setting, 100 steps, and mini-batch sgd', async () => {
    for (const c of [CASES[0], CASES[2], CASES[4]]) {
      const options = { ...c.options, epochs: Math.min(c.options.epochs, 100) };
      const tensors = tf.memory().numTensors;
      assertEquivalent(await fastRun(c.config, options), referenceRun(c.config, options), `cpu: ${c.name}`);
      assert.equal(tf.memory().numTensors, tensors);
    }
  });
});

describe('the two-thread step (lib/fast/pair) = the one-thread step, up to float32 rounding', () => {
  before(async () => { await initEngine('wasm'); });
  const replicas = path.join(__dirname, 'fixtures', 'pair-replicas.js');
  const start: LinearArgs = { w: [[0.5, -1], [2, 0.25], [-0.75, 1.5]], b: [0.1, -0.2] };
  const random = seededRandom(11);
  const batchOf = (rows: number): [tf.Tensor2D, tf.Tensor2D] => [
    tf.tensor2d(Array.from({ length: rows * 3 }, () => 2 * random() - 1), [rows, 3]),
    tf.tensor2d(Array.from({ length: rows * 2 }, () => 2 * random() - 1), [rows, 2]),
  ];
  const options = { optimizer: 'adam', learningRate: 0.05, epsilon: 1e-8, columns: [3, 2], maxRows: 8, termCount: 2 } as const;

  test('a linear fit: the same terms and weights after steps on even, odd and one-row batches', async () => {
    const before = tf.memory().numTensors;
    const single = linearReplica(start);
    const pair = linearReplica(start);
    const singleTerms: number[][] = [];
    let kept: tf.Tensor1D | null = null;
    const one = makeStepper(single.variables, (x: tf.Tensor2D, y: tf.Tensor2D) => {
      const t = single.terms(x, y);
      kept = tf.keep(tf.stack(t) as tf.Tensor1D);
      return t[0];
    }, options);
    const two = await pairStepper(pair.variables, pair.terms, { module: replicas, name: 'linearReplica', args: start }, options);
    assert.ok(two, 'the pair step applies on wasm');
    assert.match(two.method, /^two threads \(half a batch each, tfjs autodiff\) \+ flat adam kernel/);
    const pairTerms: number[][] = [];
    for (const rows of [8, 7, 1, 6, 5, 2]) {
      const batch = batchOf(rows);
      one.step(...batch).dispose();
      singleTerms.push(Array.from(kept!.dataSync()));
      kept!.dispose();
      const terms = two.step(...batch);
      pairTerms.push(Array.from(terms.dataSync()));
      tf.dispose([terms, ...batch]);
    }
    const singleWeights = single.variables.map((v) => Array.from(v.dataSync()));
    const pairWeights = pair.variables.map((v) => Array.from(v.dataSync()));
    one.dispose(); two.dispose(); single.dispose(); pair.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    pairTerms.flat().forEach((t, i) => assert.ok(Math.abs(t - singleTerms.flat()[i]) <= 1e-6 * Math.max(1, Math.abs(t)), `term ${i}: ${t} vs ${singleTerms.flat()[i]}`));
    pairWeights.flat().forEach((w, i) => assert.ok(Math.abs(w - singleWeights.flat()[i]) <= 1e-6, `weight ${i}: ${w} vs ${singleWeights.flat()[i]}`));
    assert.ok(Math.abs(pairWeights[0][0] - start.w[0][0]) > 0.1, `Adam moved the weights: ${pairWeights[0]}`);
  });

  test('the helper\'s errors reach the caller, with the reason', async () => {
    const model = linearReplica(start);
    await assert.rejects(pairStepper(model.variables, model.terms, { module: replicas, name: 'noSuchReplica', args: start }, options),
      /the helper thread could not build the model: .*pair-replicas\.js exports no function noSuchReplica/);
    const failing = await pairStepper(model.variables, model.terms, { module: replicas, name: 'failingReplica', args: start }, options);
    const batch = batchOf(4);
    const tensors = tf.memory().numTensors;
    assert.throws(() => failing!.step(...batch), /the helper thread's half of step 1 failed: this replica refuses to compute/);
    assert.equal(tf.memory().numTensors, tensors, 'a failed step leaves no tensor behind');
    assert.throws(() => failing!.step(...batchOf(9)), /a batch of 9 rows; the stepper was made for at most 8/);
    // Not disposed: the next stepper takes the helper over, and the stale one says so.
    const next = await pairStepper(model.variables, model.terms, { module: replicas, name: 'linearReplica', args: start }, options);
    next!.step(...batch).dispose();
    assert.throws(() => failing!.step(...batch), /this two-thread stepper was disposed, or a newer one took its helper thread/);
    next!.dispose();
    failing!.dispose();
    tf.dispose(batch);
    model.dispose();
  });

  test('the VAE on two threads: the plain path\'s losses and weights within float32 rounding, the same bits run after run', async () => {
    const { train } = loadEmbeddedMnist();
    const digits = subsetDataset(train, Array.from({ length: 300 }, (_, i) => i * 7));
    const run = async (path: 'fast' | 'plain', threads: number) => {
      setSpeedPath(path);
      try {
        const vae = new Vae({ hidden: [48, 16], latentSize: 2, seed: 3 });
        const h = await vae.train(digits, { epochs: 3, batchSize: 64, seed: 5, progress: null, stopOnInterrupt: false, threads });
        const parameters = vae.variables().flatMap((v) => Array.from(v.dataSync()));
        vae.dispose();
        return { losses: h.epochs.flatMap((e) => [e.trainLoss, e.trainRec, e.trainKl]), parameters, method: h.stepMethod };
      } finally {
        setSpeedPath('fast');
      }
    };
    const before = tf.memory().numTensors;
    const pair = await run('fast', 2);
    const again = await run('fast', 2);
    const plain = await run('plain', 2);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.match(pair.method, /^two threads/);
    assert.equal(plain.method, 'tfjs autodiff + tf.train.adam', 'the plain path keeps one thread');
    assert.deepEqual(again, pair, 'the same bits run after run');
    assert.notDeepEqual(pair.parameters, plain.parameters, 'the batch sums are split: not the same bits');
    pair.losses.forEach((l, i) => assert.ok(Math.abs(l - plain.losses[i]) <= 1e-4 * Math.abs(l), `loss term ${i}: ${l} vs ${plain.losses[i]}`));
    const drift = Math.max(...pair.parameters.map((p, i) => Math.abs(p - plain.parameters[i])));
    assert.ok(drift <= 1e-3, `largest parameter difference ${drift}`);
    const digitsOfOne = subsetDataset(train, [0]);
    await assert.rejects(new Vae({ hidden: [8] }).train(digitsOfOne, { epochs: 1, progress: null, threads: 3 }), /threads is 3/);
  });
});
