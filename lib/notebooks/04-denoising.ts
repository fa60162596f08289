/**
 * Notebook 04 (denoising): its knobs, its list of trainings and the names of their models, and the
 * tables and figures it builds from the sweep of every model over every test level.
 */
import {
  autoencoderDenoiser, checkLayers, CodeWidthCurves, checkList, checkNoiseLevelTable, checkOneOf, declareParameters,
  DenoisingCurvesOptions, deriveSeed, effectiveFlipRate, estimateExactIdealCost, failParameter, exactIdealRecovery,
  ExactIdealRecovery, GLYPH_PIXELS, GlyphImageRow, holdModels, idealDenoiser, idealRecovery, knob, Knob, levelSymbol, NOISE_KINDS, NoiseKind,
  ParameterError, ParameterValues, pixelDistance, seededRandom, SweepHeatmapPanel, summarize, sweep, SweepPoint,
  trainDenoiser, TrainedDenoiser, addNoise, wrongPixelsPerGlyph,
} from '..';
import { coreCount, ModelData, modelData, modelFromData, runTasks, TaskContext } from '../parallel';
import { engineKnob, fontKnobs, workersKnob } from './glyph-training';

/** A list that names each of its items once, each checked by `item`. */
const distinct = <T>(item: (label: string, v: unknown) => T, what: string) => (name: string, value: unknown): T[] => {
  const items = checkList(name, value, item, { min: 1 });
  if (new Set(items).size !== items.length) failParameter(name, value, `list each ${what} once`);
  return items;
};

/** Per noise model, something; which models it must cover is checked against `noises` by `checkTogether`. */
function perNoise<T>(value: Record<string, T>): Knob<Record<string, T>> {
  return knob.custom(value, (name, v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      failParameter(name, v, 'it must give each noise model its value, e.g. {"bit-flip": ...}');
    }
    return v as Record<string, T>;
  });
}

/** Every knob of notebook 04; its parameters cell holds the same names and defaults. */
export const parameters = declareParameters({
  ...fontKnobs,
  noises: knob.custom<NoiseKind[]>(['bit-flip', 'gaussian'], distinct((item, v) => checkOneOf(item, v, NOISE_KINDS), 'noise model')),
  trainLevels: perNoise<number[]>({
    'bit-flip': [0, 0.05, 0.10, 0.15, 0.20, 0.30],
    'salt-pepper': [0, 0.2, 0.3, 0.4],
    'gaussian': [0, 0.25, 0.5, 0.75],
  }),
  testLevels: perNoise<number[]>({
    'bit-flip': [0, 0.05, 0.10, 0.15, 0.20, 0.30],
    'salt-pepper': [0, 0.1, 0.2, 0.3, 0.4, 0.6],
    'gaussian': [0, 0.25, 0.5, 0.75, 1.0],
  }),
  mainTrainLevel: perNoise<number>({ 'bit-flip': 0.15, 'salt-pepper': 0.3, 'gaussian': 0.5 }),
  triptychLevels: perNoise<number[]>({ 'bit-flip': [0.10, 0.20, 0.30], 'salt-pepper': [0.2, 0.4], 'gaussian': [0.5, 1.0] }),
  draws: knob.integer(10000, { min: 1 }),
  idealDraws: knob.integer(50000, { min: 1 }),
  architecture: knob.layers([35, 64, 16, 64, 35], GLYPH_PIXELS),
  compareArchitecture: knob.nullable(knob.layers([35, 20, 10, 2, 10, 20, 35], GLYPH_PIXELS), [35, 20, 10, 2, 10, 20, 35]),
  latentSizes: knob.list(knob.integer(1, { min: 1 }).check, [2, 4, 8, 16, 32]),
  epochs: knob.integer(5000, { min: 1 }),
  learningRate: knob.number(0.003, { min: 0, exclusiveMin: true, max: 10 }),
  copies: knob.integer(8, { min: 1 }),
  seeds: knob.custom([0], distinct(knob.integer(0, { min: 0 }).check, 'seed')),
  testSeed: knob.integer(1, { min: 0 }),
  engine: engineKnob,
  workers: workersKnob,
});

/** `layers` with its smallest (code) layer set to `width`: the code-width study's networks. */
export function withCode(layers: readonly number[], width: number): number[] {
  const code = layers.indexOf(Math.min(...layers));
  return layers.map((n, i) => (i === code ? width : n));
}

/**
 * The checks between knobs: every level table covers every studied noise model (its lists sorted,
 * without duplicates), each main training level is one of the trained levels, and every code width
 * gives a valid network.
 */
export function checkTogether(values: ParameterValues<typeof parameters>) {
  const kinds = values.noises;
  const trainLevels = checkNoiseLevelTable('trainLevels', values.trainLevels, kinds);
  const testLevels = checkNoiseLevelTable('testLevels', values.testLevels, kinds);
  const mainTrainLevel = Object.fromEntries(kinds.map((kind) => {
    const level = values.mainTrainLevel[kind];
    const trained = values.trainLevels[kind] ?? [];
    if (!trained.includes(level) && level !== 0) {
      throw new ParameterError(`Parameter mainTrainLevel["${kind}"] is ${JSON.stringify(level) ?? 'missing'}; it must be one of trainLevels["${kind}"] (${trained.join(', ')}).`);
    }
    return [kind, level];
  })) as Record<NoiseKind, number>;
  const triptychLevels = checkNoiseLevelTable('triptychLevels', values.triptychLevels, kinds, { min: 0 });
  values.latentSizes.forEach((width, i) => {
    const layers = withCode(values.architecture, width);
    checkLayers(`latentSizes[${i}] (giving the layers ${JSON.stringify(layers)})`, layers, GLYPH_PIXELS);
  });
  return { ...values, trainLevels, testLevels, mainTrainLevel, triptychLevels };
}

export type Parameters = ReturnType<typeof checkTogether>;

// Names

/** What a model was trained on: a noise model, or clean glyphs only (the plain autoencoder). */
export type TrainNoise = NoiseKind | 'clean';
export type Role = 'denoiser' | '2-D' | 'code width';

export const archName = (layers: readonly number[]): string => layers.join('-');

/** How a test level's axis is titled. */
export const levelTitle = (kind: NoiseKind): string =>
  ({ 'bit-flip': 'bit-flip probability p', 'salt-pepper': 'salt-and-pepper level v', 'gaussian': 'gaussian standard deviation s' })[kind];

const trainLabel = (noise: TrainNoise, level: number): string => (noise === 'clean' ? 'clean' : `${noise} ${levelSymbol(noise)}=${level}`);

/** A model's name without its seed, e.g. "35-64-16-64-35 bit-flip p=0.15": results are averaged over seeds under it. */
export const groupName = (layers: readonly number[], noise: TrainNoise, level: number): string => `${archName(layers)} ${trainLabel(noise, level)}`;

/** The group of `layers` trained on `kind` at `level`, which is on clean glyphs at level 0. */
const trainedGroup = (layers: readonly number[], kind: NoiseKind, level: number): string => groupName(layers, level > 0 ? kind : 'clean', level);

/** The group of `layers` trained at the main training level of `kind`. */
export const mainGroup = (params: Parameters, kind: NoiseKind, layers: readonly number[]): string => trainedGroup(layers, kind, params.mainTrainLevel[kind]);

/** The architectures trained at every level: the denoiser and, if any, the 2-D-code comparison. */
export const architectures = (params: Parameters): number[][] =>
  [params.architecture, ...(params.compareArchitecture ? [params.compareArchitecture] : [])];

// Training

export interface TrainingJob {
  /** The model's name in the tables (with the seed when there are several). */
  name: string;
  group: string;
  role: Role;
  layers: number[];
  trainNoise: TrainNoise;
  trainLevel: number;
  seed: number;
}

export type TrainedModel = TrainingJob & { trained: TrainedDenoiser };

/**
 * Every training, once: per seed, each architecture on clean glyphs and at every nonzero training
 * level of every noise model, then the code-width study's networks at the first noise model's
 * main training level (those already listed are not trained twice).
 */
export function trainingJobs(params: Parameters): TrainingJob[] {
  const jobs: TrainingJob[] = [];
  const add = (role: Role, layers: number[], kind: NoiseKind, trainLevel: number, seed: number): void => {
    const group = trainedGroup(layers, kind, trainLevel);
    const name = group + (params.seeds.length > 1 ? ` seed ${seed}` : '');
    if (!jobs.some((j) => j.name === name)) jobs.push({ name, group, role, layers, trainNoise: trainLevel > 0 ? kind : 'clean', trainLevel, seed });
  };
  const kind = studyKind(params);
  for (const seed of params.seeds) {
    // architectures() lists the denoiser, then the 2-D-code network; level 0 (clean) comes first.
    architectures(params).forEach((layers, i) => {
      for (const k of params.noises) for (const level of trainedLevels(params, k)) add(i === 0 ? 'denoiser' : '2-D', layers, k, level, seed);
    });
    for (const width of params.latentSizes) add('code width', withCode(params.architecture, width), kind, params.mainTrainLevel[kind], seed);
  }
  return jobs;
}

/** What a worker needs to train one job, as plain data. */
export interface JobArgs { job: TrainingJob; glyphs: number[][]; copies: number; epochs: number; learningRate: number; label: string }

/** A trained job as plain data: the model's weights and everything else trainDenoiser returns. */
export type JobResult = Omit<TrainedDenoiser, 'model' | 'denoise'> & { model: ModelData };

/** Trains one job (in a worker of lib/parallel, or here): a task for runTasks. */
export async function trainJob(args: JobArgs, context: TaskContext): Promise<JobResult> {
  const { job } = args;
  const trained = await trainDenoiser(job.layers, args.glyphs, {
    noise: job.trainNoise === 'clean' ? 'bit-flip' : job.trainNoise, trainLevel: job.trainLevel, copies: args.copies,
    epochs: args.epochs, learningRate: args.learningRate, seed: job.seed, label: args.label,
    progress: context.progress, shouldStop: context.shouldStop, stopOnInterrupt: false,
  });
  const { model, denoise: _denoise, ...rest } = trained;
  try {
    return { ...rest, model: modelData(model) };
  } finally {
    model.dispose();
  }
}

/**
 * Trains the jobs into `models` (emptied first, and freed with the models of an earlier call), on
 * `params.workers` threads (null: every core; 1: here, one after another): the same numbers either
 * way. An interrupt stops every training at the end of its step: the models so far stay in `models`.
 */
export async function trainModels(jobs: readonly TrainingJob[], glyphs: number[][], params: Parameters, models: TrainedModel[]): Promise<void> {
  models.length = 0;
  holdModels('04-models', []);
  const outcome = await runTasks<JobArgs, JobResult>({ module: __filename, name: 'trainJob' }, jobs.map((job, i) => ({
    job, glyphs, epochs: params.epochs, learningRate: params.learningRate, label: `${job.name} (${i + 1}/${jobs.length})`,
    // Identical clean copies would give the same gradient as one.
    copies: job.trainLevel === 0 ? 1 : params.copies,
  })), { workers: params.workers ?? coreCount() });
  outcome.results.forEach((result, i) => {
    if (!result) return;
    const model = modelFromData(result.model);
    models.push({ ...jobs[i], trained: { ...result, model, denoise: autoencoderDenoiser(model) } });
    if (result.history.stopReason === 'diverged') console.warn(`${jobs[i].name}: ${result.history.message}`);
  });
  holdModels('04-models', models.map((m) => m.trained.model));
  if (outcome.interrupted) {
    console.warn(`Interrupted: ${models.length} of ${jobs.length} model(s) trained or partly trained are in \`models\`; the cells below use them.`);
  }
}

/** The `training` table: one row per trained model. */
export const trainingRows = (models: readonly TrainedModel[]) => models.map((m) => ({
  model: m.name, role: m.role, arch: m.layers, trainNoise: m.trainNoise, trainLevel: m.trainLevel, seed: m.seed,
  epochsRun: m.trained.history.epochsRun, finalLoss: Number(m.trained.history.finalLoss.toFixed(5)),
  cleanMaxWrongPixels: m.trained.history.maxWrongPixels, stopReason: m.trained.history.stopReason, seconds: Number(m.trained.seconds.toFixed(2)),
}));

// The noise and the ceiling

/** The `noiseLevels` table: per tested level, the chance a pixel reads wrong and the wrong pixels per glyph it makes. */
export const noiseLevelRows = (params: Parameters) => params.noises.flatMap((kind) => params.testLevels[kind].map((level) => {
  const rate = effectiveFlipRate({ kind, level });
  return { noise: kind, level, pixelWrongRate: Number(rate.toFixed(4)), expectedWrongPixels: Number((GLYPH_PIXELS * rate).toFixed(3)) };
}));

/** The fewest pixels in which two glyphs differ. */
export function minGlyphDistance(glyphs: readonly number[][]): number {
  let min = Infinity;
  for (let a = 0; a < glyphs.length; a++) for (let b = a + 1; b < glyphs.length; b++) min = Math.min(min, pixelDistance(glyphs[a], glyphs[b]));
  return min;
}

/** The exact ideal recovery when the branch-and-bound sum is feasible, else why it was refused. */
export function tryExactIdeal(glyphs: number[][]): { exact: ExactIdealRecovery | null; refusal: string | null; estimatedNodes: number } {
  const estimatedNodes = estimateExactIdealCost(glyphs);
  try {
    return { exact: exactIdealRecovery(glyphs), refusal: null, estimatedNodes };
  } catch (err) {
    return { exact: null, refusal: (err as Error).message, estimatedNodes };
  }
}

/** The `ceiling` table: the ideal denoiser by Monte Carlo at every test level (and the exact sum where it was feasible). */
export const ceilingRows = (glyphs: number[][], params: Parameters, exact: ExactIdealRecovery | null) =>
  params.noises.flatMap((kind) => params.testLevels[kind].map((level) => {
    const e = idealRecovery({ glyphs, noise: kind, level, draws: params.idealDraws, seed: deriveSeed(params.testSeed, level, 7) });
    const p = kind === 'gaussian' ? null : effectiveFlipRate({ kind, level });
    return {
      noise: kind, level, draws: e.draws,
      noisyExactRate: e.noisyExactRate, idealExactRate: e.exactRate, idealExactRateSE: e.exactRateSE, idealWithin1Rate: e.within1Rate,
      idealMeanWrongPixels: e.meanWrongPixels,
      exactFormula: exact !== null && p !== null && p <= 0.5 ? exact.rate(p) : null,
    };
  }));
export type CeilingRow = ReturnType<typeof ceilingRows>[number];

/** A rate in percent for tables: "47.2 %", or a dash. */
export const percent = (x: number | null | undefined, digits = 1): string =>
  (typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(digits)} %` : '—');

/** The ceiling table as read: rates in percent, the exact formula's column only where it was computed. */
export const ceilingDisplay = (rows: readonly CeilingRow[], exact: ExactIdealRecovery | null) => rows.map((r) => ({
  noise: r.noise, level: r.level, draws: r.draws, 'noisy input exact': percent(r.noisyExactRate),
  'ideal exact': `${percent(r.idealExactRate, 2)} ± ${percent(r.idealExactRateSE, 2)}`,
  'ideal within 1': percent(r.idealWithin1Rate, 2), 'ideal wrong px': r.idealMeanWrongPixels.toFixed(3),
  ...(exact !== null ? { 'exact formula': percent(r.exactFormula, 2) } : {}),
}));

// The sweep

/** One row of the `sweep` table: a model (trained, or a reference: noisy, ideal, posterior) at a test level. */
export interface SweepTableRow {
  model: string; group: string; role: Role | 'reference'; arch: number[] | null;
  noise: NoiseKind; trainNoise: TrainNoise | null; trainLevel: number | null; seed: number | null; testLevel: number;
  meanWrongPixels: number; meanWrongPixelsSE: number; exactRate: number; exactRateSE: number;
  within1Rate: number; within1RateSE: number; draws: number;
}

/** Every model trained on a noise model (or on clean glyphs), and the references, at each of its test levels. */
export function sweepRows(models: readonly TrainedModel[], glyphs: number[][], params: Parameters): SweepTableRow[] {
  return params.noises.flatMap((kind) => {
    const entries = models.filter((m) => m.trainNoise === kind || m.trainNoise === 'clean');
    const rows = sweep({
      models: entries.map((m) => ({ name: m.name, denoise: m.trained.denoise, trainLevel: m.trainLevel })),
      glyphs, noise: kind, testLevels: params.testLevels[kind], draws: params.draws, seed: params.testSeed,
    });
    return rows.map((r) => {
      const m = entries.find((e) => e.name === r.model);
      return {
        model: r.model, group: m?.group ?? r.model, role: m?.role ?? 'reference', arch: m?.layers ?? null,
        noise: r.noise, trainNoise: m?.trainNoise ?? null, trainLevel: r.trainLevel, seed: m?.seed ?? null, testLevel: r.testLevel,
        meanWrongPixels: r.meanWrongPixels, meanWrongPixelsSE: r.meanWrongPixelsSE, exactRate: r.exactRate, exactRateSE: r.exactRateSE,
        within1Rate: r.within1Rate, within1RateSE: r.within1RateSE, draws: r.draws,
      };
    });
  });
}

/** A group (a model averaged over its seeds) at a test level: what the figures and conclusions read. */
export interface Point extends SweepPoint {
  group: string; role: string; noise: NoiseKind; trainLevel: number | null;
  meanWrongPixelsSE: number; exactRateSE: number; within1RateSE: number; seeds: number;
}

/** The sweep averaged over seeds, with pooled standard errors (the same numbers when there is one seed). */
export function averageOverSeeds(rows: readonly SweepTableRow[]): Point[] {
  return summarize(rows, {
    by: ['group', 'noise', 'testLevel', 'role', 'trainLevel'],
    values: ['meanWrongPixels', 'exactRate', 'within1Rate', 'meanWrongPixelsSE', 'exactRateSE', 'within1RateSE'],
    stats: ['mean', 'pooledSe', 'count'],
  }).map((s) => ({
    group: s.group, model: s.group, role: s.role, noise: s.noise, trainLevel: s.trainLevel, testLevel: s.testLevel,
    meanWrongPixels: s.meanWrongPixelsMean as number, exactRate: s.exactRateMean as number, within1Rate: s.within1RateMean as number,
    meanWrongPixelsSE: s.meanWrongPixelsSEPooledSe as number, exactRateSE: s.exactRateSEPooledSe as number, within1RateSE: s.within1RateSEPooledSe as number,
    seeds: s.exactRateCount as number,
  }));
}

/** Looks a group up at a test level of a noise model. */
export const pointAt = (points: readonly Point[], group: string, kind: NoiseKind, level: number): Point | undefined =>
  points.find((p) => p.group === group && p.noise === kind && p.testLevel === level);

/** The curves' models: each architecture at the main training level and plain, then the references. */
export const curveModels = (params: Parameters, kind: NoiseKind): DenoisingCurvesOptions['models'] => [
  ...architectures(params).flatMap((layers) => [
    { model: mainGroup(params, kind, layers), label: `${archName(layers)} denoiser, trained at ${levelSymbol(kind)} = ${params.mainTrainLevel[kind]}` },
    { model: groupName(layers, 'clean', 0), label: `${archName(layers)} plain (trained on clean glyphs)` },
  ]),
  { model: 'ideal' }, { model: 'posterior' }, { model: 'noisy' },
];

/** The levels each architecture was trained at, 0 (the plain autoencoder) first. */
const trainedLevels = (params: Parameters, kind: NoiseKind): number[] => [0, ...params.trainLevels[kind].filter((l) => l > 0)];

/** The grid's panels: one per architecture, a row per training level between the ceiling and the noisy input. */
export const heatmapPanels = (params: Parameters, kind: NoiseKind): SweepHeatmapPanel[] => architectures(params).map((layers) => ({
  title: archName(layers),
  rows: [
    { label: 'ideal', model: 'ideal' },
    ...trainedLevels(params, kind).map((level) => ({ label: level === 0 ? '0 (plain)' : String(level), model: trainedGroup(layers, kind, level) })),
    { label: 'noisy input', model: 'noisy' },
  ],
}));

/** The `bestTrainLevel` table: per nonzero test level, the training level whose denoiser (`architecture`) gets the most glyphs within 1 wrong pixel. */
export const bestTrainLevels = (points: readonly Point[], params: Parameters) => params.noises.flatMap((kind) =>
  params.testLevels[kind].filter((l) => l > 0).flatMap((testLevel) => {
    const candidates = trainedLevels(params, kind)
      .map((level) => ({ level, p: pointAt(points, trainedGroup(params.architecture, kind, level), kind, testLevel) }))
      .filter((c): c is { level: number; p: Point } => c.p !== undefined);
    if (!candidates.length) return [];
    const best = candidates.reduce((a, b) => (b.p.within1Rate > a.p.within1Rate ? b : a));
    return [{ noise: kind, arch: params.architecture, testLevel, trainLevel: best.level, within1Rate: best.p.within1Rate }];
  }));

/** Per model (averaged over seeds) of one noise model, except the code-width study's: exact and within-1 percentages per test level. */
export function percentTable(points: readonly Point[], params: Parameters, kind: NoiseKind): Record<string, string | null>[] {
  const groups = [...new Set(points.filter((p) => p.noise === kind && p.role !== 'code width').map((p) => p.group))];
  return groups.map((group) => {
    const row: Record<string, string | null> = { model: group };
    for (const level of params.testLevels[kind]) {
      const p = pointAt(points, group, kind, level);
      // Text, so that the table shows 47.2 rather than 47.20.
      row[`exact ${levelSymbol(kind)}=${level}`] = p ? (100 * p.exactRate).toFixed(1) : null;
      row[`within1 ${levelSymbol(kind)}=${level}`] = p ? (100 * p.within1Rate).toFixed(1) : null;
    }
    return row;
  });
}

// Pictures

export interface TriptychRow { noise: NoiseKind; level: number; model: string; totalWrongPixels: number; exactGlyphs: number }

/**
 * One noisy sample of every glyph at `level`: the lines of its mosaic (original, noisy, each
 * architecture's main denoiser of the first seed, the ideal denoiser), the wrong pixels of each
 * line, and the `triptychs` rows of the trained models.
 */
export function triptych(models: readonly TrainedModel[], glyphs: number[][], params: Parameters, kind: NoiseKind, level: number) {
  const shown = architectures(params).map((layers) => models.find((m) => m.group === mainGroup(params, kind, layers)))
    .filter((m): m is TrainedModel => m !== undefined);
  const seed = deriveSeed(params.testSeed, level, 3);
  const noisy = addNoise(glyphs, { kind, level }, seededRandom(seed));
  const total = (images: number[][]): number => wrongPixelsPerGlyph(images, glyphs).reduce((a, b) => a + b, 0);
  const lines: GlyphImageRow[] = [{ images: glyphs, label: 'original' }, { images: noisy, targets: glyphs, label: `noisy, ${levelSymbol(kind)} = ${level}` }];
  const counts = [`noisy ${total(noisy)}`];
  const rows: TriptychRow[] = [];
  for (const m of shown) {
    const out = autoencoderDenoiser(m.trained.model, { threshold: null })(noisy);
    const wrong = wrongPixelsPerGlyph(out, glyphs);
    const totalWrongPixels = wrong.reduce((a, b) => a + b, 0);
    lines.push({ images: out, targets: glyphs, label: m.name });
    counts.push(`${archName(m.layers)} ${totalWrongPixels}`);
    rows.push({ noise: kind, level, model: m.name, totalWrongPixels, exactGlyphs: wrong.filter((w) => w === 0).length });
  }
  const ideal = idealDenoiser(glyphs, { noise: kind, level, seed })(noisy);
  lines.push({ images: ideal, targets: glyphs, label: 'ideal denoiser' });
  counts.push(`ideal ${total(ideal)}`);
  const caption = `${kind}, ${levelSymbol(kind)} = ${level}. Lines: ${lines.map((l) => l.label).join(' / ')}. ` +
    `Wrong pixels over the ${glyphs.length} glyphs: ${counts.join(', ')}. ` +
    'Look for the glyphs where the denoiser picks a different glyph (many coloured pixels) rather than leaving a stray pixel.';
  return { lines, caption, rows };
}

// The code width

/** The code-width study's noise model: the first one studied. */
export const studyKind = (params: Parameters): NoiseKind => params.noises[0];

const widthGroup = (params: Parameters, width: number): string => mainGroup(params, studyKind(params), withCode(params.architecture, width));

/** The `codeWidth` table: every width at every test level of the study's noise model. */
export const codeWidthRows = (points: readonly Point[], params: Parameters) => params.latentSizes.flatMap((width) => {
  const kind = studyKind(params);
  const group = widthGroup(params, width);
  return params.testLevels[kind].map((level) => {
    const p = pointAt(points, group, kind, level);
    return { width, model: group, noise: kind, testLevel: level, exactRate: p?.exactRate ?? null, within1Rate: p?.within1Rate ?? null, meanWrongPixels: p?.meanWrongPixels ?? null };
  });
});

/** What the code-width figure (ae.codeWidthFigure) draws: the study's nonzero test levels, each width's rate and the ceiling. */
export function codeWidthCurves(points: readonly Point[], params: Parameters): CodeWidthCurves {
  const kind = studyKind(params);
  const widths = params.latentSizes;
  return {
    widths, levelSymbol: levelSymbol(kind), trainLevel: params.mainTrainLevel[kind],
    levels: params.testLevels[kind].filter((l) => l > 0).map((level) => ({
      level,
      within1Rates: widths.map((w) => pointAt(points, widthGroup(params, w), kind, level)?.within1Rate ?? null),
      ceiling: pointAt(points, 'ideal', kind, level)?.within1Rate ?? null,
    })),
  };
}

/**
 * Each code width scored by its within-1 rate averaged over the study's nonzero test levels (widths
 * missing a level are left out), the best, and the narrowest within 1 point of the best.
 */
export function codeWidthScores(points: readonly Point[], params: Parameters) {
  const kind = studyKind(params);
  const levels = params.testLevels[kind].filter((l) => l > 0);
  const scored = params.latentSizes.map((width) => {
    const found = levels.map((level) => pointAt(points, widthGroup(params, width), kind, level)).filter((p): p is Point => p !== undefined);
    return { width, score: found.length === levels.length ? found.reduce((t, p) => t + p.within1Rate, 0) / found.length : null };
  }).filter((w): w is { width: number; score: number } => w.score !== null);
  if (!scored.length) return null;
  const best = scored.reduce((a, b) => (b.score > a.score ? b : a));
  const enough = scored.filter((w) => w.score >= best.score - 0.01).sort((a, b) => a.width - b.width)[0];
  const chosen = scored.find((w) => w.width === Math.min(...params.architecture)) ?? null;
  return { levels, scored, best, enough, chosen };
}

// The targets (bit flips, the denoiser trained at the main level); the README states them.

interface Target { what: string; metric: 'within1Rate' | 'exactRate'; level: number; goal: (idealExactRate: number) => number; studentBest: number | null }

const TARGETS: Target[] = [
  { what: 'within 1 wrong pixel', metric: 'within1Rate', level: 0.1, goal: () => 0.95, studentBest: 0.92 },
  { what: 'within 1 wrong pixel', metric: 'within1Rate', level: 0.15, goal: () => 0.88, studentBest: 0.8 },
  { what: 'exact recovery', metric: 'exactRate', level: 0.1, goal: (idealExactRate) => idealExactRate - 0.03, studentBest: null },
];

/** The `targets` table: each target measured on the same samples as the ideal denoiser (none unless bit flips are studied). */
export function targetRows(points: readonly Point[], ceiling: readonly CeilingRow[], params: Parameters) {
  if (!params.noises.includes('bit-flip')) return [];
  const model = mainGroup(params, 'bit-flip', params.architecture);
  return TARGETS.flatMap((t) => {
    const p = pointAt(points, model, 'bit-flip', t.level);
    const ideal = pointAt(points, 'ideal', 'bit-flip', t.level);
    const c = ceiling.find((r) => r.noise === 'bit-flip' && r.level === t.level);
    if (!p || !ideal) return [];
    const measured = p[t.metric];
    const goal = t.goal(ideal.exactRate);
    return [{
      target: `${t.what} at p = ${t.level}`, model, level: t.level, metric: t.metric, goal, measured,
      measuredSE: t.metric === 'exactRate' ? p.exactRateSE : p.within1RateSE,
      idealExactRate: ideal.exactRate, idealExactRateSE: ideal.exactRateSE, idealExactRateMoreDraws: c ? c.idealExactRate : null,
      studentBest: t.studentBest, met: measured >= goal,
    }];
  });
}
