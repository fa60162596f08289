/**
 * Notebook 01 (how many hidden layers?): its knobs, its runs and their tables.
 */
import {
  Autoencoder, checkInteger, checkLayers, checkModelPath, declareParameters, GLYPH_PIXELS, knob, meanAndStd,
  ParameterValues, summarize, TrainHistory,
} from '..';
import { criterionKnobs, engineKnob, fontKnobs, seedsKnob, trainHeld, trainOptions, workersKnob } from './glyph-training';

const positiveRate = { min: 0, exclusiveMin: true, max: 10 };

/** Every knob of notebook 01; its parameters cell holds the same names and defaults. */
export const parameters = declareParameters({
  ...fontKnobs,
  architectures: knob.list((name, v) => checkLayers(name, v, GLYPH_PIXELS), [
    [35, 20, 2, 20, 35],
    [35, 15, 10, 2, 10, 15, 35],
    [35, 25, 20, 10, 2, 10, 20, 25, 35],
  ], { min: 1 }),
  seeds: seedsKnob,
  reportEpochs: knob.integer(10000, { min: 1 }),
  reportLearningRate: knob.number(0.0005, positiveRate),
  tunedEpochs: knob.integer(20000, { min: 1 }),
  tunedLearningRate: knob.number(0.003, positiveRate),
  ...criterionKnobs,
  batchSize: knob.nullable((name, v) => checkInteger(name, v, { min: 1 })),
  engine: engineKnob,
  saveModelPath: knob.nullable((name, v) => checkModelPath(name, v, { mustExist: false })),
  workers: workersKnob,
});

export type Parameters = ParameterValues<typeof parameters>;

/** The report's settings, or the project's tuned defaults. */
export type Settings = 'report' | 'tuned';

export interface SettingsRun {
  settings: Settings;
  epochs: number;
  learningRate: number;
  /** False: every epoch is trained, as the report did, so that its error is measured where the report's was. */
  stopAtCriterion: boolean;
}

/** The two training regimes every architecture and seed goes through, report first. */
export function settingsList(params: Parameters): SettingsRun[] {
  return [
    { settings: 'report', epochs: params.reportEpochs, learningRate: params.reportLearningRate, stopAtCriterion: false },
    { settings: 'tuned', epochs: params.tunedEpochs, learningRate: params.tunedLearningRate, stopAtCriterion: true },
  ];
}

/** One trained network. */
export interface Run { arch: number[]; settings: Settings; seed: number; history: TrainHistory; model: Autoencoder }

/**
 * Trains every settings x architecture x seed into `runs` (emptied first; the models of an earlier
 * call are freed) on `params.workers` threads. After an interrupt, `runs` holds the runs finished
 * or in flight.
 */
export async function trainAll(params: Parameters, glyphs: number[][], runs: Run[]): Promise<void> {
  runs.length = 0;
  const jobs = settingsList(params).flatMap((s) => params.architectures.flatMap((arch) => params.seeds.map((seed) => ({ ...s, arch, seed }))));
  const trained = await trainHeld('01-runs', jobs, (j) => ({
    layers: j.arch, seed: j.seed, data: glyphs,
    options: trainOptions({ ...params, ...j }, j.seed, `${j.settings} ${j.arch.join('-')} seed ${j.seed}`),
  }), params.workers);
  for (const { job: { arch, settings, seed }, model, history } of trained) {
    runs.push({ arch, settings, seed, history, model });
    if (history.stopReason === 'diverged') console.warn(history.message);
  }
  if (runs.some((r) => r.history.stopReason === 'interrupted')) {
    console.warn(`Interrupted: the ${runs.length} of ${jobs.length} run(s) finished or in flight are in \`runs\`; the cells below use them.`);
  }
}

/** A row of the results table `runs`; reportError is the course's ½ Σ (target − output)² at the last check. */
export type RunRow = ReturnType<typeof runRow>;

/** The course's E of a run at its last check (at the last epoch for a run that trained them all). */
function finalError(r: Run): number {
  return r.history.checks.at(-1)?.reportError ?? NaN;
}

export function runRow(r: Run) {
  return {
    arch: r.arch,
    settings: r.settings,
    seed: r.seed,
    finalLoss: Number(r.history.finalLoss.toFixed(6)),
    maxWrongPixels: r.history.maxWrongPixels,
    totalWrongPixels: r.history.totalWrongPixels,
    epochsToCriterion: r.history.epochsToCriterion,
    epochsRun: r.history.epochsRun,
    reportError: Number(finalError(r).toFixed(4)),
    stopReason: r.history.stopReason,
    seconds: Number(r.history.seconds.toFixed(2)),
  };
}

/** A row of the results table `summary`: one architecture under one settings; `reached` counts the seeds that met the criterion. */
export type SummaryRow = ReturnType<typeof summaryRows>[number];

/** Per architecture (in the order given) and settings: seeds run, seeds that met the criterion, how fast, worst glyph. */
export function summaryRows(rows: readonly RunRow[], architectures: readonly number[][]) {
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

/**
 * The error the report ("TP5 Deep Learning") publishes for each of its three architectures, after
 * 10 000 iterations at learning rate 0.0005; quoted as printed, the reference of `reportComparison`.
 */
export const REPORT_ERRORS: readonly { arch: readonly number[]; error: number }[] = [
  { arch: [35, 20, 2, 20, 35], error: 4.983 },
  { arch: [35, 15, 10, 2, 10, 15, 35], error: 3.329 },
  { arch: [35, 25, 20, 10, 2, 10, 20, 25, 35], error: 2.515 },
];

/** The runs of `arch` under the report's settings. */
function reportRuns(runs: readonly Run[], arch: readonly number[]): Run[] {
  return runs.filter((r) => r.settings === 'report' && r.arch.join('-') === arch.join('-'));
}

/**
 * Common ways to state a summed squared error, each from the course's E = ½ Σ (target − output)²
 * (`halfSum`, what the notebook documents), the number of glyphs and the pixels per glyph.
 */
export const ERROR_DEFINITIONS = [
  { definition: 'halfSum', formula: '½ Σ over glyphs and pixels (the course\'s E)', from: (e: number) => e },
  { definition: 'sum', formula: 'Σ over glyphs and pixels (no ½)', from: (e: number) => 2 * e },
  { definition: 'halfSumPerGlyph', formula: '½ Σ / glyphs', from: (e: number, glyphs: number) => e / glyphs },
  { definition: 'sumPerGlyph', formula: 'Σ / glyphs', from: (e: number, glyphs: number) => (2 * e) / glyphs },
  { definition: 'meanPerPixel', formula: 'Σ / (glyphs × pixels)', from: (e: number, glyphs: number, pixels: number) => (2 * e) / (glyphs * pixels) },
] as const;

export type ErrorDefinitionName = (typeof ERROR_DEFINITIONS)[number]['definition'];

/** A row of the results table `errorDefinitions`: how well one definition matches the report's numbers. */
export type ErrorDefinitionRow = ReturnType<typeof errorDefinitionRows>[number];

/** Each definition of the error after the report's settings against the report's numbers, best fit first. */
export function errorDefinitionRows(runs: readonly Run[], glyphs: number, pixels: number) {
  const trained = REPORT_ERRORS.map(({ arch, error }) => ({ error, ofArch: reportRuns(runs, arch) })).filter((t) => t.ofArch.length > 0);
  if (trained.length === 0) return [];
  return ERROR_DEFINITIONS.map(({ definition, formula, from }) => {
    const logRatios = trained.map(({ error, ofArch }) => Math.log(meanAndStd(ofArch.map((r) => from(finalError(r), glyphs, pixels))).mean / error));
    const mean = logRatios.reduce((s, v) => s + v, 0) / logRatios.length;
    const rms = Math.sqrt(logRatios.reduce((s, v) => s + v * v, 0) / logRatios.length);
    return {
      definition, formula,
      /** Geometric mean over the report's architectures of (our seed mean) / (the report's number). */
      meanRatio: Number(Math.exp(mean).toFixed(4)),
      /** exp of the root mean square of log(ours / report's): 1 is an exact fit, 2 means typically off by a factor 2. */
      factorOff: Number(Math.exp(rms).toFixed(4)),
    };
  }).sort((a, b) => a.factorOff - b.factorOff);
}

/** A row of the results table `reportComparison`: one architecture under the report's settings, beside the report's number. */
export type ReportComparisonRow = ReturnType<typeof reportComparisonRows>[number];

export function reportComparisonRows(
  runs: readonly Run[], architectures: readonly number[][], learningRate: number, fit: ErrorDefinitionName, glyphs: number, pixels: number,
) {
  const from = ERROR_DEFINITIONS.find((d) => d.definition === fit)!.from;
  const round = (v: number): number => Number(v.toFixed(4));
  return architectures.flatMap((arch) => {
    const ofArch = reportRuns(runs, arch);
    if (ofArch.length === 0) return [];
    const errors = ofArch.map(finalError);
    const e = meanAndStd(errors);
    const f = meanAndStd(errors.map((v) => from(v, glyphs, pixels)));
    return [{
      arch,
      /** Iterations (full-batch epochs) every seed trained: the parameter, unless a run was interrupted. */
      iterations: Math.min(...ofArch.map((r) => r.history.epochsRun)),
      learningRate,
      /** The report's published error (REPORT_ERRORS); null for an architecture the report did not train. */
      reportError: REPORT_ERRORS.find((r) => r.arch.join('-') === arch.join('-'))?.error ?? null,
      /** The course's E = ½ Σ (target − output)² at the end, mean and (population) standard deviation over the seeds. */
      errorMean: round(e.mean), errorStd: round(e.std),
      /** The same error by `fitDefinition`, the definition that fits the report's numbers best. */
      fitDefinition: fit, fitErrorMean: round(f.mean), fitErrorStd: round(f.std),
      seeds: ofArch.length,
      /** The worst glyph's wrong pixels at the end, in the worst seed. */
      maxWrongPixelsWorstSeed: Math.max(...ofArch.map((r) => r.history.maxWrongPixels)),
    }];
  });
}

/**
 * The architectures the report trained, ordered from the lowest error to the highest by the
 * report's numbers and by ours, and whether the two orders agree.
 */
export function errorOrdering(rows: readonly ReportComparisonRow[]): { report: number[][]; ours: number[][]; matches: boolean } {
  const published = rows.filter((r) => r.reportError !== null);
  const report = [...published].sort((a, b) => (a.reportError as number) - (b.reportError as number)).map((r) => r.arch);
  const ours = [...published].sort((a, b) => a.errorMean - b.errorMean).map((r) => r.arch);
  return { report, ours, matches: report.every((a, i) => a.join('-') === ours[i].join('-')) };
}
