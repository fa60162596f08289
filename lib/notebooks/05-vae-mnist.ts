/**
 * Notebook 05 (a VAE on MNIST and on the font's glyphs): its one declaration of parameters and the
 * rows of its results tables.
 */
import {
  Autoencoder, autoencoderDecoder, checkDirectory, checkFile, checkLayers, checkNullableString, declareParameters, decodeAndDescribe, decodeGridOverBox,
  DecodedGlyph, DecodedGrid, describeDecoded, failParameter, isLetterLike, latentBox, letterLikeCriteria, priorSamples, randomLatentPoints, summarizeNearestGlyphs, FASHION_MNIST_CLASSES, GLYPH_PIXELS, glyphDataset, GlyphImageRow, gridNeighbourChange, holdModels, ImageDataset,
  knob, latentMapFigure, lineChart, loadMnist, machineLoad, mnistPackageDir, NearestGlyphSummary, ParameterValues, PeerOptions, PeerRun, peerUnavailable,
  runPeer, splitImages, spreadIndices, subsetDataset, trainAutoencoder, TrainHistory, Vae, VAE_ACTIVATIONS, vaeDecoder, VaeEpochStats, VaeHistory,
  wrongPixelsPerGlyph,
} from '../index';
import { PlotlyFigure } from '../figures/plotly';
import { engineKnob, fontKnobs, glyphDrawing } from './glyph-training';

const positive = knob.integer(1, { min: 1 }).check;

/** A layer list of the glyph autoencoder: 35 pixels at both ends and a 2-D code, as the glyph VAE's. */
function planarGlyphLayers(name: string, value: unknown): number[] {
  const layers = checkLayers(name, value, GLYPH_PIXELS);
  if (Math.min(...layers) !== 2) {
    failParameter(name, value, "its smallest layer must be 2, to compare with the glyph VAE's latent plane");
  }
  return layers;
}

export const parameters = declareParameters({
  dataSource: knob.oneOf(['embedded', 'idx', 'download'] as const, 'embedded'),
  dataDir: knob.text('/usr/share/datasets/fashion-mnist', 'the path of a folder of IDX files'),
  cacheDir: knob.text('../data/mnist-cache', 'the path of a folder (created when missing)'),
  trainLimit: knob.nullable(positive, null),
  testLimit: knob.nullable(positive, null),
  hidden: knob.list(positive, [512]),
  latentSize: knob.integer(2, { min: 1, max: 64 }),
  activation: knob.oneOf(VAE_ACTIVATIONS, 'relu'),
  learningRate: knob.number(0.001, { min: 0, exclusiveMin: true, max: 1 }),
  batchSize: knob.integer(128, { min: 1 }),
  epochs: knob.integer(30, { min: 1 }),
  beta: knob.number(1, { min: 0 }),
  outputBiasInit: knob.oneOf(['dataMean', 'uniform'] as const, 'dataMean'),
  seed: knob.integer(0, { min: 0 }),
  k: knob.integer(100, { min: 1, max: 100000 }),
  gridSize: knob.integer(20, { min: 2, max: 60 }),
  sampleCount: knob.integer(64, { min: 1, max: 1024 }),
  reconstructionCount: knob.integer(16, { min: 1, max: 256 }),
  interpolateFrom: knob.integer(0, { min: 0 }),
  interpolateTo: knob.integer(200, { min: 0 }),
  interpolationSteps: knob.integer(10, { min: 2, max: 100 }),
  mapPoints: knob.nullable(positive, 2000),
  peerScript: knob.custom<string | null>('../../shared/bench/torch_vae_mnist.py', checkNullableString),
  peerPython: knob.text('/usr/bin/python3', 'the path of a Python with torch, e.g. "/usr/bin/python3"'),
  peerThreads: knob.integer(2, { min: 1, max: 256 }),
  ...fontKnobs,
  glyphVaeHidden: knob.list(positive, [20, 10]),
  glyphVaeActivation: knob.oneOf(VAE_ACTIVATIONS, 'tanh'),
  glyphVaeEpochs: knob.integer(5000, { min: 1 }),
  glyphVaeLearningRate: knob.number(0.005, { min: 0, exclusiveMin: true, max: 10 }),
  glyphAeLayers: knob.custom([35, 20, 10, 2, 10, 20, 35], planarGlyphLayers),
  glyphAeEpochs: knob.integer(20000, { min: 1 }),
  glyphAeLearningRate: knob.number(0.005, { min: 0, exclusiveMin: true, max: 10 }),
  maxWrongPixels: knob.integer(1, { min: 0, max: GLYPH_PIXELS }),
  glyphGridSize: knob.integer(12, { min: 2, max: 40 }),
  glyphBoxFrom: knob.oneOf(['both', 'vae', 'autoencoder'] as const, 'both'),
  boxMargin: knob.number(0.1, { min: 0, max: 2 }),
  glyphSampleCount: knob.integer(256, { min: 1, max: 100000 }),
  newLetterMinDistance: knob.integer(3, { min: 1, max: GLYPH_PIXELS }),
  newLetterMinConfidence: knob.number(0.6, { min: 0, max: 1 }),
  engine: engineKnob,
});

export type Parameters = ParameterValues<typeof parameters>;

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/**
 * The images this notebook uses: the source the parameters name, at most `trainLimit` and
 * `testLimit` images of each part (spread evenly), and the names of the classes.
 */
export async function loadData(params: Parameters) {
  const loaded = await loadMnist(params.dataSource === 'embedded' ? { source: 'embedded' }
    : params.dataSource === 'idx' ? { source: 'idx', dataDir: checkDirectory('dataDir', params.dataDir) }
    : { source: 'download', cacheDir: params.cacheDir, onFile: (f) => console.log(`${f.file}: ${f.status} (${f.bytes} bytes)`) });
  for (const name of ['interpolateFrom', 'interpolateTo'] as const) {
    if (params[name] >= loaded.test.count) failParameter(name, params[name], `it must be a test index below ${loaded.test.count}`);
  }
  const part = (data: ImageDataset, limit: number | null) => {
    const indices = spreadIndices(data.count, limit ?? data.count);
    return { indices, images: indices.length === data.count ? data : subsetDataset(data, indices) };
  };
  const train = part(loaded.train, params.trainLimit);
  const test = part(loaded.test, params.testLimit);
  const isFashion = /fashion/i.test(`${params.dataDir} ${loaded.train.name}`) && params.dataSource === 'idx';
  const classNames: string[] = isFashion ? [...FASHION_MNIST_CLASSES] : Array.from({ length: 10 }, (_, d) => String(d));
  return { loaded, train: train.images, test: test.images, trainIndices: train.indices, testIndices: test.indices, classNames };
}

/** The `data` table: how many images of each part are used, out of how many loaded. */
export function dataRows(source: string, loaded: { train: ImageDataset; test: ImageDataset }, used: { train: ImageDataset; test: ImageDataset }) {
  return (['train', 'test'] as const).map((part) => ({
    part, source, name: used[part].name, images: used[part].count, of: loaded[part].count, size: `${used[part].rows}x${used[part].cols}`,
  }));
}

/** One row of the `epochs` table: the epoch's train and test −ELBO with their terms, and its time. */
export function epochRow(e: VaeEpochStats) {
  return {
    epoch: e.epoch,
    trainNegElbo: round(e.trainNegElbo, 3), trainReconstruction: round(e.trainRec, 3), trainKl: round(e.trainKl, 3),
    testNegElbo: round(e.testNegElbo ?? NaN, 3), testReconstruction: round(e.testRec ?? NaN, 3), testKl: round(e.testKl ?? NaN, 3),
    seconds: round(e.trainSeconds, 3), secondsWithTest: round(e.seconds, 3),
  };
}

/** The `final` table's row: the last epoch's −ELBO and its terms, the k-sample log-likelihood, the time. */
export function finalRow(history: VaeHistory, ll: { logLikelihood: number; elbo: number; k: number; seconds: number },
  sizes: { parameters: number; trainImages: number; testImages: number }) {
  const last = history.epochs[history.epochs.length - 1];
  return {
    epochs: history.epochsRun, stopReason: history.stopReason,
    trainNegElbo: round(last.trainNegElbo, 3),
    testNegElbo: round(last.testNegElbo ?? NaN, 3),
    testReconstruction: round(last.testRec ?? NaN, 3),
    testKl: round(last.testKl ?? NaN, 3),
    testLogLikelihood: round(ll.logLikelihood, 3),
    testElboSameSamples: round(ll.elbo, 3),
    k: ll.k,
    trainSeconds: round(history.trainSecondsPerEpoch * history.epochs.length, 2),
    secondsPerEpoch: round(history.trainSecondsPerEpoch, 3),
    stepMethod: history.stepMethod,
    logLikelihoodSeconds: round(ll.seconds, 2),
    ...sizes,
  };
}

export type FinalRow = ReturnType<typeof finalRow>;

/**
 * Runs the PyTorch peer when it can run these parameters (it knows only the embedded data, all of
 * it, one hidden layer, a 2-D code, relu and beta 1). `skipped` says why it did not run or finish
 * (interrupted, or it failed: the notebook goes on without it); `loadBefore` is the machine's
 * 1-minute load average as it started.
 */
export async function runPeerIfComparable(params: Parameters, history: VaeHistory): Promise<{ run: PeerRun | null; skipped: string; loadBefore: number }> {
  const comparable = params.dataSource === 'embedded' && params.trainLimit === null && params.testLimit === null && params.hidden.length === 1 &&
    params.latentSize === 2 && params.activation === 'relu' && params.beta === 1;
  const notRun = (skipped: string) => ({ run: null, skipped, loadBefore: NaN });
  if (params.peerScript === null) return notRun('peerScript is null');
  if (!comparable) return notRun('the peer runs only the embedded data, all of it, one hidden layer, latent 2, relu and beta 1');
  if (history.stopReason !== 'epochs') return notRun('our training did not run all its epochs');
  const options: PeerOptions = {
    script: checkFile('peerScript', params.peerScript), python: params.peerPython, mnistDir: mnistPackageDir(), epochs: params.epochs,
    hidden: params.hidden[0], batchSize: params.batchSize, learningRate: params.learningRate, seed: params.seed, threads: params.peerThreads,
  };
  const unavailable = peerUnavailable(options);
  if (unavailable) return notRun(unavailable);
  const loadBefore = machineLoad();
  try {
    return { run: await runPeer(options), skipped: '', loadBefore };
  } catch (err) {
    return { run: null, skipped: `it stopped: ${(err as Error).message}`, loadBefore };
  }
}

/** The `comparison` table: ours and the peer, final test −ELBO and training time, and the machine's load before each. */
export function comparisonRows(ours: FinalRow & { model: string; loadAverage: number }, peer: PeerRun, peerLoad: number) {
  const peerLast = peer.epochs[peer.epochs.length - 1];
  return [
    { model: ours.model, epochs: ours.epochs, testNegElbo: ours.testNegElbo, testReconstruction: ours.testReconstruction, testKl: ours.testKl,
      trainSeconds: ours.trainSeconds, secondsPerEpoch: ours.secondsPerEpoch, loadAverage: round(ours.loadAverage, 2) },
    { model: `peer (${peer.peer}, ${peer.threads} threads)`, epochs: peer.epochs.length, testNegElbo: peerLast.testNegElbo,
      testReconstruction: peerLast.testReconstruction, testKl: peerLast.testKl, trainSeconds: peer.trainSeconds,
      secondsPerEpoch: round(peer.trainSeconds / peer.epochs.length, 3), loadAverage: round(peerLoad, 2) },
  ];
}

/** A row of the `glyphModels` table: how well a glyph model reconstructs the font's glyphs, and its training. */
export function glyphModelRow(model: string, layers: number[], history: { epochsRun: number; stopReason: string; seconds: number },
  wrongPixels: number[], last: { trainNegElbo: number; trainKl: number } | null) {
  return {
    model, layers, epochs: history.epochsRun, stopReason: history.stopReason,
    maxWrongPixels: Math.max(...wrongPixels), totalWrongPixels: wrongPixels.reduce((a, b) => a + b, 0),
    negElbo: last ? round(last.trainNegElbo, 3) : null, kl: last ? round(last.trainKl, 3) : null, seconds: round(history.seconds, 2),
  };
}

/** Ours and the peer's train and test −ELBO per epoch, on one chart. */
export function peerCurves(ours: readonly { trainNegElbo: number; testNegElbo: number }[], peer: PeerRun): PlotlyFigure {
  return lineChart({
    series: [
      { name: 'ours: test −ELBO', y: ours.map((r) => r.testNegElbo) },
      { name: 'peer: test −ELBO', y: peer.epochs.map((r) => r.testNegElbo), dash: 'dash' },
      { name: 'ours: train −ELBO', y: ours.map((r) => r.trainNegElbo), dash: 'dot' },
      { name: 'peer: train −ELBO', y: peer.epochs.map((r) => r.trainNegElbo), dash: 'dashdot' },
    ],
    title: 'Ours and the PyTorch peer', xTitle: 'epoch', yTitle: 'nats per image',
  });
}

/** The last part's two models of the glyphs, trained. */
export interface GlyphModels { vae: Vae; autoencoder: Autoencoder; vaeLayers: number[]; vaeHistory: VaeHistory; aeHistory: TrainHistory }

/**
 * Trains the glyph VAE (every glyph in each step) and then notebook 01's autoencoder with its tuned
 * defaults, early-stopping on the criterion; both are held, so that re-running frees the previous
 * pair. Null when the VAE's training was interrupted: the autoencoder is then not trained.
 */
export async function trainGlyphModels(params: Parameters, glyphs: number[][], fontName: string): Promise<GlyphModels | null> {
  const vaeLayers = [GLYPH_PIXELS, ...params.glyphVaeHidden, 2, ...[...params.glyphVaeHidden].reverse(), GLYPH_PIXELS];
  const [vae] = holdModels('05-glyph-vae', [new Vae({ inputSize: GLYPH_PIXELS, hidden: params.glyphVaeHidden, latentSize: 2, activation: params.glyphVaeActivation, seed: params.seed })]);
  const [autoencoder] = holdModels('05-glyph-ae', [new Autoencoder({ layers: params.glyphAeLayers, seed: params.seed })]);
  const vaeHistory = await vae.train(glyphDataset(glyphs, fontName), {
    epochs: params.glyphVaeEpochs, batchSize: glyphs.length, learningRate: params.glyphVaeLearningRate, seed: params.seed + 1, label: `glyph VAE ${vaeLayers.join('-')}`,
  });
  if (vaeHistory.stopReason === 'interrupted') {
    console.warn(vaeHistory.message);
    return null;
  }
  const aeHistory = await trainAutoencoder(autoencoder, glyphs, {
    epochs: params.glyphAeEpochs, learningRate: params.glyphAeLearningRate, seed: params.seed, maxWrongPixels: params.maxWrongPixels,
    label: `glyph AE ${params.glyphAeLayers.join('-')}`,
  });
  if (aeHistory.stopReason !== 'criterion') console.warn(aeHistory.message);
  return { vae, autoencoder, vaeLayers, vaeHistory, aeHistory };
}

/**
 * Both glyph models side by side, the VAE first: each one's reconstructions of the glyphs (the
 * VAE's from its mean code), wrong pixels per glyph, glyph codes (the VAE's means), decoder, and
 * its row of the `glyphModels` table.
 */
export function describeGlyphModels(models: GlyphModels, glyphs: number[][]) {
  const data = glyphDataset(glyphs);
  const vaeReconstructions = splitImages(models.vae.reconstruct(data), GLYPH_PIXELS);
  const aeReconstructions = models.autoencoder.reconstructArray(glyphs);
  const [vaeWrong, aeWrong] = [vaeReconstructions, aeReconstructions].map((r) => wrongPixelsPerGlyph(r, glyphs));
  const lastEpoch = models.vaeHistory.epochs[models.vaeHistory.epochs.length - 1];
  return [
    { model: 'VAE', reconstructions: vaeReconstructions, wrong: vaeWrong, codes: models.vae.encodeMean(data), decode: vaeDecoder(models.vae),
      row: glyphModelRow('VAE', models.vaeLayers, models.vaeHistory, vaeWrong, lastEpoch) },
    { model: 'autoencoder', reconstructions: aeReconstructions, wrong: aeWrong, codes: models.autoencoder.encodeArray(glyphs), decode: autoencoderDecoder(models.autoencoder),
      row: glyphModelRow('autoencoder', models.autoencoder.layers, models.aeHistory, aeWrong, null) },
  ];
}

export type DescribedGlyphModel = ReturnType<typeof describeGlyphModels>[number];

/** Both models' glyph codes in one plane, each glyph's wrong pixels in its hover box. */
export function glyphCodesFigure(models: readonly DescribedGlyphModel[], chars: readonly string[], glyphs: number[][]): PlotlyFigure {
  const [vae, autoencoder] = models;
  const notes = (model: string, wrong: number[]) => wrong.map((w) => `${model}: ${w} wrong pixel(s)`);
  return latentMapFigure([
    { name: 'VAE (means)', codes: vae.codes, labels: [...chars], images: glyphs, notes: notes('VAE', vae.wrong) },
    { name: 'autoencoder', codes: autoencoder.codes, labels: [...chars], images: glyphs, notes: notes('AE', autoencoder.wrong), symbol: 'x' },
  ], { title: "The glyphs' codes in both latent planes", height: 520 });
}

/**
 * The two glyph models' latent planes over one box (the glyph codes of `glyphBoxFrom`, widened by
 * `boxMargin`): each decoder's grid over it with its `glyphGrids` row, then `glyphSampleCount`
 * draws of each model, the VAE's from its prior and the autoencoder's (which has none) uniform in
 * the box, described against the glyphs, with their `glyphSamples` rows.
 */
export function compareGlyphPlanes(models: readonly DescribedGlyphModel[], glyphs: number[][], params: Parameters) {
  const [vae, autoencoder] = models;
  const box = latentBox({ vae: vae.codes, autoencoder: autoencoder.codes, both: [...vae.codes, ...autoencoder.codes] }[params.glyphBoxFrom], params.boxMargin);
  const criteria = letterLikeCriteria(glyphs, params.newLetterMinConfidence);
  const letterLike = (d: DecodedGlyph) => isLetterLike(d, criteria);
  const grids = models.map(({ model, decode }) => {
    const grid = decodeGridOverBox(decode, box, params.glyphGridSize);
    return { model, grid, row: glyphGridRow(model, grid, glyphs, letterLike, params.maxWrongPixels) };
  });
  const draws = [
    { drawnFrom: 'prior N(0, I)', points: priorSamples(params.glyphSampleCount, 2, params.seed + 7) },
    { drawnFrom: 'uniform in the box', points: randomLatentPoints(box, params.glyphSampleCount, params.seed + 7) },
  ];
  const summaryOptions = { reproduceMax: params.maxWrongPixels, newMin: params.newLetterMinDistance, letterLike };
  const samples = models.map(({ model, decode }, i) => {
    const decoded = decodeAndDescribe(decode, draws[i].points, glyphs);
    return { model, decoded, row: glyphSampleRow(model, draws[i].drawnFrom, summarizeNearestGlyphs(decoded, summaryOptions)) };
  });
  return { box, letterLike, grids, samples };
}

/** Two mosaic lines: decoded glyphs (wrong pixels against their nearest training glyph coloured), and those nearest glyphs under them. */
export function besideNearest(decoded: readonly DecodedGlyph[], glyphs: ReadonlyArray<ArrayLike<number>>, label: string): GlyphImageRow[] {
  const nearest = decoded.map((d) => glyphs[d.nearest.index]);
  return [{ images: decoded.map((d) => d.probabilities), targets: nearest, label }, { images: nearest, label: 'nearest training glyph' }];
}

/** A row of the `glyphGrids` table: continuity and completeness of one decoder's grid over the box. */
export function glyphGridRow(model: string, grid: DecodedGrid, glyphs: ReadonlyArray<ArrayLike<number>>, letterLike: (d: DecodedGlyph) => boolean, maxWrongPixels: number) {
  const described = describeDecoded(grid.points, grid.images, glyphs);
  const change = gridNeighbourChange(grid.images, grid.n);
  return {
    model, cells: described.length,
    meanFlipsBetweenNeighbours: round(change.meanFlips, 3), meanAbsChange: round(change.meanAbsChange, 4),
    letterLikeCells: described.filter(letterLike).length,
    trainingGlyphCells: described.filter((d) => d.nearest.distance <= maxWrongPixels).length,
    distinctDrawings: new Set(described.map((d) => d.pixels.join(''))).size,
  };
}

/** A row of the `glyphSamples` table: how a model's samples sit among the training glyphs. */
export function glyphSampleRow(model: string, drawnFrom: string, summary: NearestGlyphSummary) {
  return { model, drawnFrom, ...summary, meanDistance: round(summary.meanDistance, 3), meanConfidence: round(summary.meanConfidence, 3) };
}

/** The `newLetters` table: the prior's samples at least `minDistance` pixels from every training glyph. */
export function newLetterRows(samples: readonly DecodedGlyph[], minDistance: number, chars: readonly string[], letterLike: (d: DecodedGlyph) => boolean) {
  return samples.map((d, sample) => ({ sample, ...d }))
    .filter((d) => d.nearest.distance >= minDistance)
    .map((d) => ({
      sample: d.sample, z1: round(d.point[0], 3), z2: round(d.point[1], 3), nearestGlyph: chars[d.nearest.index], distance: d.nearest.distance,
      confidence: round(d.confidence, 3), letterLike: letterLike(d), drawing: glyphDrawing(d.pixels),
    }));
}
