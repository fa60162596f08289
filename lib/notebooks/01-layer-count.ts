/**
 * Notebook 01 (how many hidden layers?): its knobs, its runs and their tables.
 */
import {
  Autoencoder, checkInteger, checkLayers, checkModelPath, checkNullableString, declareParameters, ENGINE_NAMES, EngineName,
  GLYPH_PIXELS, holdModels, knob, LOSSES, OPTIMIZERS, ParameterValues, summarize, TrainHistory, trainRuns,
} from '..';

const positiveRate = { min: 0, exclusiveMin: true, max: 10 };

/** Every knob of notebook 01; its parameters cell holds the same names and defaults. */
export const parameters = declareParameters({
  fontPath: knob.file('../data/font.h'),
  fontName: knob.custom<string | null>(null, checkNullableString),
  architectures: knob.list((name, v) => checkLayers(name, v, GLYPH_PIXELS), [
    [35, 20, 2, 20, 35],
    [35, 15, 10, 2, 10, 15, 35],
    [35, 25, 20, 10, 2, 10, 20, 25, 35],
  ], { min: 1 }),
  seeds: knob.list(knob.integer(0, { min: 0 }).check, [0, 1, 2], { min: 1 }),
  reportEpochs: knob.integer(10000, { min: 1 }),
  reportLearningRate: knob.number(0.0005, positiveRate),
  tunedEpochs: knob.integer(20000, { min: 1 }),
  tunedLearningRate: knob.number(0.003, positiveRate),
  optimizer: knob.oneOf(OPTIMIZERS, 'adam'),
  loss: knob.oneOf(LOSSES, 'bce'),
  batchSize: knob.nullable((name, v) => checkInteger(name, v, { min: 1 })),
  maxWrongPixels: knob.integer(1, { min: 0, max: GLYPH_PIXELS }),
  checkEvery: knob.integer(50, { min: 1 }),
  engine: knob.oneOf<EngineName | 'auto'>(['auto', ...ENGINE_NAMES], 'auto'),
  saveModelPath: knob.nullable((name, v) => checkModelPath(name, v, { mustExist: false })),
  workers: knob.nullable(knob.integer(1, { min: 1 })),
});

export type Parameters = ParameterValues<typeof parameters>;

/** The report's settings, or the project's tuned defaults. */
export type Settings = 'report' | 'tuned';

export interface SettingsRun { settings: Settings; epochs: number; learningRate: number }

/** The two training regimes every architecture and seed goes through, report first. */
export function settingsList(params: Parameters): SettingsRun[] {
  return [
    { settings: 'report', epochs: params.reportEpochs, learningRate: params.reportLearningRate },
    { settings: 'tuned', epochs: params.tunedEpochs, learningRate: params.tunedLearningRate },
  ];
}

/** One trained network. */
export interface Run { arch: number[]; settings: Settings; seed: number; history: TrainHistory; model: Autoencoder }

/**
 * Trains every settings x architecture x seed into `runs` (emptied first; the models of an earlier
 * call are freed) on `params.workers` threads (null: every core; 1: here, one after another), the
 * same numbers either way. After an interrupt, `runs` holds the runs finished or in flight.
 */
export async function trainAll(params: Parameters, glyphs: number[][], runs: Run[]): Promise<void> {
  runs.length = 0;
  holdModels('01-runs', []);
  const jobs = settingsList(params).flatMap(({ settings, epochs, learningRate }) => params.architectures.flatMap((arch) => params.seeds.map((seed) => ({
    settings, arch, seed,
    run: {
      layers: arch, seed, data: glyphs,
      options: {
        epochs, learningRate, seed, optimizer: params.optimizer, loss: params.loss, batchSize: params.batchSize,
        maxWrongPixels: params.maxWrongPixels, checkEvery: params.checkEvery, label: `${settings} ${arch.join('-')} seed ${seed}`,
      },
    },
  }))));
  const trained = await trainRuns(jobs.map((j) => j.run), { workers: params.workers });
  for (const { model, history, index } of trained) {
    const { settings, arch, seed } = jobs[index];
    runs.push({ arch, settings, seed, history, model });
    if (history.stopReason === 'diverged') console.warn(history.message);
  }
  holdModels('01-runs', runs.map((r) => r.model));
  if (runs.some((r) => r.history.stopReason === 'interrupted')) {
    console.warn(`Interrupted: the ${runs.length} of ${jobs.length} run(s) finished or in flight are in \`runs\`; the cells below use them.`);
  }
}

/** A row of the results table `runs`. */
export interface RunRow {
  arch: number[];
  settings: Settings;
  seed: number;
  finalLoss: number;
  maxWrongPixels: number;
  totalWrongPixels: number;
  epochsToCriterion: number | null;
  epochsRun: number;
  /** The course's quadratic error ½ Σ (target − output)² at the last check. */
  reportError: number;
  stopReason: TrainHistory['stopReason'];
  seconds: number;
}

export function runRow(r: Run): RunRow {
  return {
    arch: r.arch,
    settings: r.settings,
    seed: r.seed,
    finalLoss: Number(r.history.finalLoss.toFixed(6)),
    maxWrongPixels: r.history.maxWrongPixels,
    totalWrongPixels: r.history.totalWrongPixels,
    epochsToCriterion: r.history.epochsToCriterion,
    epochsRun: r.history.epochsRun,
    reportError: Number((r.history.checks.at(-1)?.reportError ?? NaN).toFixed(4)),
    stopReason: r.history.stopReason,
    seconds: Number(r.history.seconds.toFixed(2)),
  };
}

/** A row of the results table `summary`: one architecture under one settings. */
export interface SummaryRow {
  arch: number[];
  settings: Settings;
  seeds: number;
  /** Seeds that met the criterion. */
  reached: number;
  medianEpochs: number | null;
  worstMaxWrongPixels: number | null;
}

/** Per architecture (in the order given) and settings: seeds run, seeds that met the criterion, how fast, worst glyph. */
export function summaryRows(rows: readonly RunRow[], architectures: readonly number[][]): SummaryRow[] {
  const archIndex = (row: RunRow): number => architectures.findIndex((a) => a.join('-') === row.arch.join('-'));
  const ordered = [...rows].sort((a, b) => archIndex(a) - archIndex(b));
  return summarize(ordered, { by: ['arch', 'settings'], values: ['seed', 'epochsToCriterion', 'maxWrongPixels'], stats: ['count', 'median', 'max'] })
    .map((s) => ({
      arch: s.arch, settings: s.settings, seeds: s.seedCount as number, reached: s.epochsToCriterionCount as number,
      medianEpochs: s.epochsToCriterionMedian, worstMaxWrongPixels: s.maxWrongPixelsMax,
    }));
}

/** Best first: the fewest wrong pixels on the worst glyph, then in total, then the fewest epochs to the criterion. */
export function byQuality(runs: readonly Run[]): Run[] {
  return [...runs].sort((a, b) =>
    a.history.maxWrongPixels - b.history.maxWrongPixels ||
    a.history.totalWrongPixels - b.history.totalWrongPixels ||
    (a.history.epochsToCriterion ?? Infinity) - (b.history.epochsToCriterion ?? Infinity));
}

export function describeRun(r: Run): string {
  return `${r.settings} ${r.arch.join('-')} seed ${r.seed}: max ${r.history.maxWrongPixels}, total ${r.history.totalWrongPixels} wrong pixels`;
}

/**
 * Under `settings`: how many architectures had every seed meet the criterion, which (null: none),
 * and the one with the fewest median epochs.
 */
export function winners(summary: readonly SummaryRow[], settings: Settings): { count: number; everySeed: number[][] | null; fastest: SummaryRow | undefined } {
  const rows = summary.filter((s) => s.settings === settings);
  const everySeed = rows.filter((s) => s.reached === s.seeds).map((s) => s.arch);
  const fastest = rows.filter((s) => s.medianEpochs !== null).sort((a, b) => (a.medianEpochs as number) - (b.medianEpochs as number))[0];
  return { count: everySeed.length, everySeed: everySeed.length ? everySeed : null, fastest };
}
