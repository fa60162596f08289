/**
 * The autoencoder lab in the page: the glyph autoencoder trained live by TensorFlow.js in the
 * browser, no kernel. A plain browser script after widget.js, with the library's own
 * lib/autoencoder.js, lib/random.js and lib/metrics.js through `libraryModule` (lib/pages/script);
 * labHtml (lib/pages/lab) writes the page and calls startAutoencoderLab.
 *
 * The model is the library's Autoencoder itself, and its step the library's plain path:
 * Autoencoder.loss through optimizer.minimize with tf.train.adam (or sgd), the same seeded batch
 * order. The root element mirrors the state in data-* attributes (data-state, data-epoch,
 * data-loss, data-max-wrong-pixels, data-total-wrong-pixels) for tests.
 */

declare const tf: typeof import('@tensorflow/tfjs-core');
declare function libraryModule(name: 'random'): typeof import('../../random');
declare function libraryModule(name: 'metrics'): typeof import('../../metrics');
declare function libraryModule(name: 'autoencoder'): typeof import('../../autoencoder');

/** What labHtml puts in the page. */
interface LabData {
  glyphs: number[][];
  labels: string[];
  rows: number;
  columns: number;
  settings: import('../lab').LabSettings;
  /** The course's criterion: every glyph at most this many wrong pixels. */
  maxWrongPixels: number;
  /** Epochs between checks of the wrong pixels (and points of the wrong-pixel chart). */
  checkEvery: number;
  presets: { name: string; layers: number[] }[];
  /** The kernel's initial weights for settings.layers and settings.seed (Autoencoder.parameters()). */
  initial: ReturnType<Autoencoder['parameters']>;
  colours: WrongPixelColours;
}

type LabSettings = LabData['settings'];
type Tensor2D = import('@tensorflow/tfjs-core').Tensor2D;
type Autoencoder = import('../../autoencoder').Autoencoder;
type Activation = import('../../autoencoder').Activation;

/** Weights and biases as flat arrays, layer by layer (row-major weights): what the tests compare. */
const flatParameters = (model: Autoencoder): { weights: number[][]; biases: number[][] } =>
  ({ weights: model.weights.map((w) => Array.from(w.dataSync())), biases: model.biases.map((b) => Array.from(b.dataSync())) });

/** Parses "35, 20, 10, 2, 10, 20, 35"; null when it is not an autoencoder for these glyphs. */
function parseLayers(text: string, pixels: number): number[] | null {
  const layers = text.split(/[\s,;-]+/).filter(Boolean).map(Number);
  if (layers.length < 3 || !layers.every((n) => Number.isInteger(n) && n > 0)) return null;
  if (layers[0] !== pixels || layers[layers.length - 1] !== pixels) return null;
  // One smallest layer (an inner one: the ends are the glyphs' pixels), of 1 or 2 for the plane.
  const smallest = Math.min(...layers);
  return smallest <= 2 && smallest < pixels && layers.indexOf(smallest) === layers.lastIndexOf(smallest) ? layers : null;
}

/** Starts the lab in the element `id` once the page has attached it and loaded TensorFlow.js. */
function startAutoencoderLab(id: string, data: LabData): void {
  whenAttached(id, 'canvas.ae-lab-glyphs', (root) => { void runAutoencoderLab(root, data); }, () => typeof tf !== 'undefined');
}

async function runAutoencoderLab(root: HTMLElement, data: LabData): Promise<void> {
  // tf has loaded by now (startAutoencoderLab waits for it): the library's modules can run.
  const [labRandom, labMetrics, { Autoencoder }] = [libraryModule('random'), libraryModule('metrics'), libraryModule('autoencoder')];
  const $ = <T extends Element>(selector: string): T => root.querySelector(selector) as T;
  const n = data.glyphs.length, pixels = data.rows * data.columns;
  const input = (name: string): HTMLInputElement => $(`input[name=${name}]`);
  const button = (name: string): HTMLButtonElement => $(`button[name=${name}]`);
  const controls = {
    preset: $<HTMLSelectElement>('select[name=preset]'), activation: $<HTMLSelectElement>('select[name=hiddenActivation]'),
    layers: input('layers'), learningRate: input('learningRate'), batchSize: input('batchSize'), noise: input('noise'), seed: input('seed'),
    train: button('train'), pause: button('pause'), step: button('step'), reset: button('reset'),
  };
  const message = $<HTMLElement>('.ae-lab-message');
  const latentNote = $<HTMLElement>('.ae-lab-latent');
  const status = $<HTMLElement>('.ae-lab-status');

  // The backend the browser offers: wasm where its binary starts, else cpu (never webgl, whose
  // float16 textures on some GPUs would not compute the library's numbers).
  for (const backend of ['wasm', 'cpu']) {
    try { if (await tf.setBackend(backend)) break; } catch { /* the next one */ }
  }
  root.setAttribute('data-backend', tf.getBackend());

  const x = tf.tensor2d(data.glyphs, [n, pixels]);
  let settings: LabSettings = data.settings;
  let model: Autoencoder;
  let optimizer: import('@tensorflow/tfjs-core').Optimizer;
  let batchOrder: (() => number) | null;
  let noiseRandom: () => number;
  let epoch = 0;
  let losses: number[] = [];
  let checks: { epoch: number; max: number; total: number }[] = [];
  let outputs: number[][] = [];
  let codes: number[][] = [];
  let state: 'idle' | 'training' | 'paused' | 'done' = 'idle';
  let pointer: number[] | null = null;

  const learningRateProblem = 'the learning rate must be a number between 0 and 10';
  const isLearningRate = (rate: number): boolean => rate > 0 && rate < 10;
  /** The preset list's entry for these layers: a preset's index, or custom. */
  const presetOf = (layers: number[] | null): string => {
    const preset = data.presets.findIndex((p) => layers !== null && p.layers.join(',') === layers.join(','));
    return preset < 0 ? 'custom' : String(preset);
  };

  function readSettings(): LabSettings | null {
    const layers = parseLayers(controls.layers.value, pixels);
    const learningRate = Number(controls.learningRate.value);
    const batchText = controls.batchSize.value.trim();
    const batchSize = batchText === '' || batchText === 'all' ? null : Number(batchText);
    const noise = Number(controls.noise.value), seed = Number(controls.seed.value);
    const problems: string[] = [];
    if (!layers) problems.push(`the layers must go from ${pixels} to ${pixels} through one smallest inner layer of size 1 or 2 (the latent code), e.g. ${pixels}, 10, 2, 10, ${pixels}`);
    if (!isLearningRate(learningRate)) problems.push(learningRateProblem);
    if (batchSize !== null && !(Number.isInteger(batchSize) && batchSize >= 1)) problems.push('the batch size must be a whole number from 1 (empty: all glyphs)');
    if (!(noise >= 0 && noise <= 0.5)) problems.push('the noise must be a probability from 0 to 0.5');
    if (!Number.isInteger(seed)) problems.push('the seed must be a whole number');
    message.textContent = problems.length ? 'Not applied: ' + problems.join('; ') + '.' : '';
    if (problems.length) return null;
    return { layers: layers!, hiddenActivation: controls.activation.value as Activation, optimizer: settings.optimizer, learningRate, batchSize: batchSize !== null && batchSize >= n ? null : batchSize, noise, seed };
  }

  function showSettings(s: LabSettings): void {
    controls.layers.value = s.layers.join(', ');
    controls.activation.value = s.hiddenActivation;
    controls.learningRate.value = String(s.learningRate);
    controls.batchSize.value = s.batchSize === null ? '' : String(s.batchSize);
    controls.noise.value = String(s.noise);
    controls.seed.value = String(s.seed);
    controls.preset.value = presetOf(s.layers);
  }

  /** A new model from `s`: the kernel's weights when they are for these layers and seed. */
  function reset(s: LabSettings): void {
    if (model) { model.dispose(); optimizer.dispose(); }
    settings = s;
    const fromKernel = s.seed === data.settings.seed && s.layers.join(',') === data.settings.layers.join(',');
    model = new Autoencoder({ layers: s.layers, hiddenActivation: s.hiddenActivation, seed: s.seed });
    if (fromKernel) model.setParameters(data.initial);
    root.setAttribute('data-initial-weights', fromKernel ? 'kernel' : 'page');
    optimizer = s.optimizer === 'sgd' ? tf.train.sgd(s.learningRate) : tf.train.adam(s.learningRate, 0.9, 0.999);
    // As the library: a seeded shuffle per epoch for mini-batches, none for the full batch.
    batchOrder = s.batchSize === null ? null : labRandom.seededRandom(s.seed);
    noiseRandom = labRandom.seededRandom(s.seed + 1000003);
    epoch = 0; losses = []; checks = [];
    latentNote.textContent = 'latent size: ' + model.latentSize + ' (the smallest layer)';
    check();
    // The decoded view starts at the first glyph's code.
    pointer = codes[0].slice();
  }

  /** The inputs of one epoch: the glyphs, or with each pixel flipped with probability settings.noise. */
  function epochInputs(): Tensor2D {
    if (settings.noise === 0) return x;
    const flipped = data.glyphs.map((g) => g.map((v) => (noiseRandom() < settings.noise ? 1 - v : v)));
    return tf.tensor2d(flipped, [n, pixels]);
  }

  /**
   * One epoch: a step per batch (the whole font as it is when batchSize is null, without gathering
   * it), the epoch's loss the mean of its steps' losses (as the library's history).
   */
  function trainEpoch(): void {
    const inputs = epochInputs();
    const stepLosses: number[] = [];
    const variables = model.variables();
    const step = (input: Tensor2D, target: Tensor2D): void => {
      const loss = optimizer.minimize(() => model.loss(input, target), true, variables)!;
      stepLosses.push(loss.dataSync()[0]);
      loss.dispose();
    };
    if (!batchOrder) step(inputs, x);
    else {
      const order = labRandom.shuffledIndices(n, batchOrder);
      for (let start = 0; start < n; start += settings.batchSize!) {
        const rows = tf.tensor1d(order.slice(start, start + settings.batchSize!), 'int32');
        const [input, target] = [tf.gather(inputs, rows) as Tensor2D, tf.gather(x, rows) as Tensor2D];
        step(input, target);
        tf.dispose([rows, input, target]);
      }
    }
    if (inputs !== x) inputs.dispose();
    epoch++;
    losses.push(stepLosses.reduce((a, b) => a + b, 0) / stepLosses.length);
    if (epoch % data.checkEvery === 0) check();
  }

  /** Reconstructions, codes and wrong pixels: the library's own criterion (lib/metrics.js, in the page). */
  function check(): void {
    // From the glyphs' tensor, made once: no array-to-tensor conversion at every check.
    const [reconstructed, z] = tf.tidy(() => [model.reconstruct(x), model.encode(x)]);
    outputs = reconstructed.arraySync() as number[][];
    // A 1-D code is drawn on the z1 axis.
    codes = (z.arraySync() as number[][]).map((c) => (c.length === 1 ? [c[0], 0] : c));
    tf.dispose([reconstructed, z]);
    const perGlyph = labMetrics.wrongPixelsPerGlyph(outputs, data.glyphs);
    const { max, total } = labMetrics.summarizeWrongPixels(perGlyph);
    checks.push({ epoch, max, total });
    if (state === 'training' && labMetrics.meetsCriterion(perGlyph, data.maxWrongPixels)) state = 'done';
  }

  /** A check at the current epoch, unless trainEpoch has just made one. */
  function checkNow(): void {
    if (checks[checks.length - 1].epoch !== epoch) check();
  }

  // ---- views -------------------------------------------------------------------------------
  const cell = 7, gap = 1, glyphWidth = data.columns * cell, glyphHeight = data.rows * cell, perRow = 16;
  const bands = Math.ceil(n / perRow);
  const glyphCtx = sharpCanvas($<HTMLCanvasElement>('canvas.ae-lab-glyphs'), perRow * (glyphWidth + 4) + 4, bands * (2 * glyphHeight + 14) + 4);
  const chartWidth = 300, chartHeight = 150, planeSize = 300;
  const lossCtx = sharpCanvas($<HTMLCanvasElement>('canvas.ae-lab-loss'), chartWidth, chartHeight);
  const wrongCtx = sharpCanvas($<HTMLCanvasElement>('canvas.ae-lab-wrong'), chartWidth, chartHeight);
  const planeCanvas = $<HTMLCanvasElement>('canvas.ae-lab-plane');
  const planeCtx = sharpCanvas(planeCanvas, planeSize, planeSize);
  const decodedCtx = sharpCanvas($<HTMLCanvasElement>('canvas.ae-lab-decoded'), data.columns * 14, data.rows * 14);

  function drawGlyphs(): void {
    const ctx = glyphCtx;
    for (let g = 0; g < n; g++) {
      const left = 4 + (g % perRow) * (glyphWidth + 4), top = 4 + Math.floor(g / perRow) * (2 * glyphHeight + 14);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(left, top, glyphWidth - gap, glyphHeight - gap);
      drawGreyImage(ctx, data.glyphs[g], data.columns, glyphWidth, glyphHeight, gap, left, top);
      drawGreyImage(ctx, outputs[g], data.columns, glyphWidth, glyphHeight, gap, left, top + glyphHeight + 2, { target: data.glyphs[g], colours: data.colours });
    }
  }

  /** A line chart on a log scale when `log`; series of [x, y] points. */
  function drawChart(ctx: CanvasRenderingContext2D, title: string, series: { colour: string; points: [number, number][] }[], log: boolean): void {
    const w = chartWidth, h = chartHeight, left = 36, bottom = 16, top = 16;
    ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = '#94a3b8'; ctx.strokeRect(left + 0.5, top + 0.5, w - left - 4, h - top - bottom);
    ctx.font = '10px system-ui, sans-serif'; ctx.fillStyle = '#334155'; ctx.textAlign = 'left';
    ctx.fillText(title, left, 11);
    const plottable = (p: [number, number]): boolean => Number.isFinite(p[1]) && (!log || p[1] > 0);
    const all = series.flatMap((s) => s.points).filter(plottable);
    if (!all.length) return;
    const f = (v: number): number => (log ? Math.log10(v) : v);
    const xMax = Math.max(1, ...all.map((p) => p[0]));
    let yMin = Math.min(...all.map((p) => f(p[1]))), yMax = Math.max(...all.map((p) => f(p[1])));
    if (!log) yMin = Math.min(0, yMin);
    if (yMax - yMin < 1e-9) { yMax += 0.5; yMin -= 0.5; }
    const sx = (v: number): number => left + (v / xMax) * (w - left - 4), sy = (v: number): number => top + (yMax - f(v)) / (yMax - yMin) * (h - top - bottom);
    ctx.textAlign = 'right';
    ctx.fillText(log ? (10 ** yMax).toPrecision(2) : String(Math.round(yMax)), left - 3, top + 8);
    ctx.fillText(log ? (10 ** yMin).toPrecision(2) : String(Math.round(yMin)), left - 3, h - bottom);
    ctx.fillText('epoch ' + xMax, w - 4, h - 4);
    for (const s of series) {
      // At most one point per pixel column, and the last: long runs stay cheap to draw.
      const stride = Math.max(1, Math.floor(s.points.length / (w - left)));
      const shown = s.points.filter((p, i) => (i % stride === 0 || i === s.points.length - 1) && plottable(p));
      ctx.strokeStyle = s.colour; ctx.lineWidth = 1.5; ctx.beginPath();
      shown.forEach((p, i) => { if (i) ctx.lineTo(sx(p[0]), sy(p[1])); else ctx.moveTo(sx(p[0]), sy(p[1])); });
      ctx.stroke();
    }
  }

  function codesBox(): PlaneBox {
    const xs = codes.map((c) => c[0]), ys = codes.map((c) => c[1]);
    const [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    // A square with a 10 % margin round the codes, so that distances look like distances.
    const half = 0.6 * Math.max(xMax - xMin, yMax - yMin, 1e-3), cx = (xMin + xMax) / 2, cy = (yMin + yMax) / 2;
    return { xMin: cx - half, xMax: cx + half, yMin: cy - half, yMax: cy + half };
  }

  let box: PlaneBox = { xMin: -1, xMax: 1, yMin: -1, yMax: 1 };
  function drawPlane(): void {
    box = codesBox();
    planeCtx.fillStyle = '#f8fafc'; planeCtx.fillRect(0, 0, planeSize, planeSize);
    drawLatentCodes(planeCtx, box, planeSize, codes, data.labels);
    if (pointer) drawCrossHair(planeCtx, box, planeSize, pointer);
  }

  function drawDecoded(): void {
    const [w, h] = [data.columns * 14, data.rows * 14];
    if (pointer) drawGreyImage(decodedCtx, model.decodeArray([pointer.slice(0, model.latentSize)])[0], data.columns, w, h, 1);
  }

  function render(): void {
    const last = checks[checks.length - 1];
    const loss = losses.length ? losses[losses.length - 1] : NaN;
    Object.assign(root.dataset, {
      state, epoch: String(epoch), loss: losses.length ? String(loss) : '', maxWrongPixels: String(last.max), totalWrongPixels: String(last.total),
    });
    status.textContent = 'epoch ' + epoch + ' · loss ' + (losses.length ? loss.toPrecision(4) : '–') + ' · wrong pixels: max ' + last.max +
      ', total ' + last.total + (state === 'done' ? ' · every glyph within ' + data.maxWrongPixels + ' wrong pixel(s) at epoch ' + last.epoch : '') +
      ' · ' + state + ' · ' + tf.getBackend();
    controls.train.disabled = state === 'training' || state === 'done';
    controls.pause.disabled = state !== 'training';
    controls.step.disabled = state === 'training';
    drawGlyphs();
    drawChart(lossCtx, 'loss (binary cross-entropy, log scale)', [{ colour: '#1d4ed8', points: losses.map((l, i) => [i + 1, l] as [number, number]) }], true);
    drawChart(wrongCtx, 'wrong pixels per check: max (red), total (grey)', [
      { colour: '#94a3b8', points: checks.map((c) => [c.epoch, c.total] as [number, number]) },
      { colour: '#dc2626', points: checks.map((c) => [c.epoch, c.max] as [number, number]) },
    ], false);
    drawPlane();
    drawDecoded();
  }

  // ---- the loop: short slices of epochs, so the page stays responsive -----------------------
  const channel = new MessageChannel();
  let lastRender = 0;
  channel.port1.onmessage = () => {
    // A re-run cell replaces this output: a lab no longer on the page stops training.
    if (!root.isConnected) state = 'paused';
    if (state !== 'training') return;
    const until = performance.now() + 12;
    while (state === 'training' && performance.now() < until) {
      trainEpoch();
      if (!Number.isFinite(losses[losses.length - 1])) {
        state = 'paused';
        message.textContent = 'The loss became ' + losses[losses.length - 1] + ' at epoch ' + epoch + ': lower the learning rate (' + settings.learningRate + ') and Reset.';
      }
    }
    const now = performance.now();
    if (state !== 'training' || now - lastRender > 150) {
      checkNow();
      render();
      lastRender = now;
    }
    if (state === 'training') channel.port2.postMessage(0);
  };

  controls.train.addEventListener('click', () => {
    if (state === 'training' || state === 'done') return;
    state = 'training';
    render();
    channel.port2.postMessage(0);
  });
  controls.pause.addEventListener('click', () => {
    if (state === 'training') { state = 'paused'; render(); }
  });
  controls.step.addEventListener('click', () => {
    if (state === 'training') return;
    trainEpoch();
    checkNow();
    if (checks[checks.length - 1].max <= data.maxWrongPixels) state = 'done';
    else if (state !== 'done') state = 'paused';
    render();
  });
  controls.reset.addEventListener('click', () => {
    const s = readSettings();
    if (!s) return;
    state = 'idle';
    reset(s);
    render();
  });
  controls.preset.addEventListener('change', () => {
    const preset = data.presets[Number(controls.preset.value)];
    if (preset) controls.layers.value = preset.layers.join(', ');
  });
  // A changed control applies at once for the learning rate; the rest asks for Reset (a new model).
  controls.learningRate.addEventListener('change', () => {
    const learningRate = Number(controls.learningRate.value);
    if (!isLearningRate(learningRate)) { message.textContent = 'Not applied: ' + learningRateProblem + '.'; return; }
    settings = { ...settings, learningRate };
    // The optimizer keeps its state (Adam's moments): only the step size changes, from the next step.
    const sgd = optimizer as unknown as { setLearningRate?: (rate: number) => void; learningRate: number };
    if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(learningRate);
    else sgd.learningRate = learningRate;
    message.textContent = 'Learning rate ' + learningRate + ' from epoch ' + (epoch + 1) + '.';
  });
  controls.layers.addEventListener('input', () => { controls.preset.value = presetOf(parseLayers(controls.layers.value, pixels)); });
  for (const control of [controls.layers, controls.activation, controls.batchSize, controls.noise, controls.seed, controls.preset]) {
    control.addEventListener('change', () => { message.textContent = 'Press Reset to start a new model with these settings.'; });
  }
  followPointer(planeCanvas, (px, py) => {
    pointer = planeView(box, planeSize).toLatent(px, py);
    if (model.latentSize === 1) pointer[1] = 0;
    root.setAttribute('data-pointer', pointer.map((v) => v.toFixed(3)).join(','));
    drawPlane();
    drawDecoded();
  });

  /** For tests and the benchmark: `epochs` epochs at once, without the page's slicing. */
  (root as HTMLElement & { aeLab?: unknown }).aeLab = {
    trainEpochs(epochs: number): number[] { for (let e = 0; e < epochs; e++) trainEpoch(); check(); render(); return losses.slice(); },
    weights(): { weights: number[][]; biases: number[][] } { return flatParameters(model); },
    initialWeights(layers: number[], seed: number): { weights: number[][]; biases: number[][] } {
      const drawn = new Autoencoder({ layers, seed });
      try { return flatParameters(drawn); } finally { drawn.dispose(); }
    },
    tensors(): number { return tf.memory().numTensors; },
  };

  showSettings(settings);
  reset(settings);
  render();
  root.setAttribute('data-ready', 'true');
}
