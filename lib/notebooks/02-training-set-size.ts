/**
 * Notebook 02 (training-set size): its knobs, the checks that need the font, and the numbers its
 * conclusion is made of.
 */
import {
  Autoencoder, checkLetters, declareParameters, GLYPH_PIXELS, evaluateSubset, failParameter, GlyphSubset, knob,
  ParameterValues, SizeSummary, SubsetEvaluation, TrainHistory,
} from '..';
import { engineKnob, fontKnobs, glyphTrainingKnobs, seedsKnob, trainHeld, trainOptions, workersKnob } from './glyph-training';

/** Every knob of notebook 02; its parameters cell holds the same names and defaults. */
export const parameters = declareParameters({
  ...fontKnobs,
  subsetSizes: knob.list(knob.integer(1, { min: 1 }).check, [4, 8, 16, 32], { min: 1 }),
  seeds: seedsKnob,
  namedSubsets: knob.list(knob.text('', 'a string of the font\'s characters, e.g. "aeiou"').check, []),
  figureSize: knob.integer(8, { min: 1 }),
  architecture: knob.layers([35, 20, 10, 2, 10, 20, 35], GLYPH_PIXELS),
  ...glyphTrainingKnobs,
  engine: engineKnob,
  workers: workersKnob,
});

export type Parameters = ParameterValues<typeof parameters>;

/**
 * The checks that need the font's glyphs, and the sizes that come from it: a subset size past the
 * font's glyph count means "all of them" and is trained once, at the font's count (`note` says
 * so, null when nothing changed); named subsets must use the font's letters; the figure's size must be one of the sizes.
 */
export function checkAgainstFont(params: Parameters, chars: readonly string[]): { params: Parameters; note: string | null } {
  const count = chars.length;
  params.namedSubsets.forEach((letters, i) => checkLetters(`namedSubsets[${i}]`, letters, chars));
  const past = params.subsetSizes.filter((size) => size > count);
  const subsetSizes = [...new Set(params.subsetSizes.map((size) => Math.min(size, count)))];
  const figureSize = Math.min(params.figureSize, count);
  if (!subsetSizes.includes(figureSize)) {
    failParameter('figureSize', params.figureSize, `it must be one of subsetSizes (${subsetSizes.join(', ')} on this font of ${count} glyphs)`);
  }
  const note = past.length
    ? `This font has ${count} glyphs: subset size(s) ${past.join(', ')} train on all ${count} of them, once${params.figureSize > count ? `, and so does the figure (figureSize ${params.figureSize})` : ''}.`
    : null;
  return { params: { ...params, subsetSizes, figureSize }, note };
}

/** One training run on a subset, with what its model does on seen and unseen glyphs. */
export interface SubsetRun { subset: GlyphSubset; model: Autoencoder; history: TrainHistory; evaluation: SubsetEvaluation }

/** The run on a random subset of `size` glyphs that the figures show (the first seed's). */
export function shownRun(runs: readonly SubsetRun[], size: number): SubsetRun {
  const run = runs.find((r) => r.subset.kind === 'random' && r.subset.size === size);
  if (!run) throw new Error(`No finished run on a random subset of ${size} glyphs: run the training cell to its end first.`);
  return run;
}

/**
 * Trains one model per subset on that subset's glyphs into `runs` (emptied first; the models of an
 * earlier call are freed), and evaluates each on the seen and unseen glyphs. After an interrupt,
 * `runs` holds the runs finished or in flight.
 */
export async function trainSubsets(params: Parameters, glyphs: number[][], subsets: readonly GlyphSubset[], runs: SubsetRun[]): Promise<void> {
  runs.length = 0;
  const trained = await trainHeld('02-runs', subsets, (subset) => ({
    layers: params.architecture, seed: subset.seed, data: subset.indices.map((i) => glyphs[i]),
    options: trainOptions(params, subset.seed, `${subset.size} glyphs "${subset.letters}" seed ${subset.seed}`),
  }), params.workers);
  for (const { job: subset, model, history } of trained) {
    if (history.stopReason === 'diverged' || history.stopReason === 'interrupted') console.warn(history.message);
    runs.push({ subset, model, history, evaluation: evaluateSubset(model, glyphs, subset.indices) });
  }
}

/** The numbers the conclusion is made of, from the random subsets' summaries. */
export type Generalization = ReturnType<typeof generalization>;

export function generalization(summaries: readonly SizeSummary[]) {
  const random = summaries.filter((s) => s.kind === 'random').sort((a, b) => a.size - b.size);
  const tested = random.filter((s) => s.testMeanWrongPixels !== null);
  const reached = random.filter((s) => s.reachedCriterion === s.runs).map((s) => s.size);
  const [smallestTested, largestTested] = [tested[0], tested.at(-1)];
  const unseen = largestTested?.testMeanWrongPixels?.mean ?? null;
  const copy = largestTested?.testNearestSeenDistance ?? null;
  const snapped = largestTested?.testSnappedToSeenFraction ?? null;
  return {
    sizes: random.map((s) => s.size),
    /** Sizes at which every run met the criterion on its training glyphs; null: none. */
    sizesEveryRunReached: reached.length ? reached : null,
    smallest: random[0],
    largest: random.at(-1),
    /** The smallest and largest sizes that left glyphs unseen. */
    smallestTested,
    largestTested,
    /** At the largest tested size: unseen minus seen mean wrong pixels. */
    gap: unseen === null || !largestTested ? null : unseen - largestTested.trainMeanWrongPixels.mean,
    /** The larger spread over seeds of the unseen error at the two ends. */
    unseenSpread: tested.length ? Math.max(smallestTested.testMeanWrongPixels?.std ?? 0, largestTested?.testMeanWrongPixels?.std ?? 0) : null,
    snappedPercent: snapped === null ? null : Math.round(100 * snapped),
    /**
     * At the largest tested size, at least half of the unseen glyphs come out closer to a training
     * glyph than to themselves, or the unseen error is at least ¾ of what copying the nearest
     * training glyph costs.
     */
    memorizes: unseen !== null && ((snapped ?? 0) >= 0.5 || (copy !== null && unseen >= 0.75 * copy)),
  };
}
