/**
 * What the glyph notebooks share: their common knobs, declared once so that they train by the same
 * defaults (04 and 05 take the font, engine and workers knobs too), and the step from knobs to
 * trained, held models.
 */
import {
  Autoencoder, checkNullableString, ENGINE_NAMES, EngineName, GLYPH_COLUMNS, GLYPH_PIXELS, GLYPH_ROWS, holdModels, knob, LOSSES, OPTIMIZERS,
  ParameterValues, TrainHistory, TrainRun, trainRuns,
} from '..';

/** The font header and which of its arrays: every glyph notebook's first two knobs. */
export const fontKnobs = {
  fontPath: knob.file('../data/font.h'),
  fontName: knob.custom<string | null>(null, checkNullableString),
};

export const engineKnob = knob.oneOf<EngineName | 'auto'>(['auto', ...ENGINE_NAMES], 'auto');
/** Training threads; null: every core, 1: in the kernel, one run after another. */
export const workersKnob = knob.nullable(knob.integer(1, { min: 1 }));
export const seedsKnob = knob.list(knob.integer(0, { min: 0 }).check, [0, 1, 2], { min: 1 });

/** How each run trains, besides its epochs and learning rate (notebook 01 has two of those). */
export const criterionKnobs = {
  optimizer: knob.oneOf(OPTIMIZERS, 'adam'),
  loss: knob.oneOf(LOSSES, 'bce'),
  maxWrongPixels: knob.integer(1, { min: 0, max: GLYPH_PIXELS }),
  checkEvery: knob.integer(50, { min: 1 }),
};

/** The training knobs of notebooks 02 and 03 (notebook 01's tuned defaults). */
export const glyphTrainingKnobs = {
  epochs: knob.integer(20000, { min: 1 }),
  learningRate: knob.number(0.005, { min: 0, exclusiveMin: true, max: 10 }),
  ...criterionKnobs,
};

/** trainAutoencoder's options from a notebook's knobs, for one seed. */
export function trainOptions(
  params: ParameterValues<typeof criterionKnobs> & { epochs: number; learningRate: number; batchSize?: number | null; stopAtCriterion?: boolean },
  seed: number, label: string,
): TrainRun['options'] {
  const { epochs, learningRate, optimizer, loss, batchSize, maxWrongPixels, stopAtCriterion, checkEvery } = params;
  return { epochs, learningRate, seed, optimizer, loss, batchSize, maxWrongPixels, stopAtCriterion, checkEvery, label };
}

/**
 * Trains one run per job (see trainRuns) and holds the models under `key`, freeing those of an
 * earlier call first. After an interrupt only the runs finished or in flight come back.
 */
export async function trainHeld<J>(
  key: string, jobs: readonly J[], run: (job: J) => TrainRun, workers: number | null,
): Promise<{ job: J; model: Autoencoder; history: TrainHistory }[]> {
  holdModels(key, []);
  const trained = await trainRuns(jobs.map(run), { workers });
  holdModels(key, trained.map((t) => t.model));
  return trained.map(({ model, history, index }) => ({ job: jobs[index], model, history }));
}

/** A glyph's thresholded pixels as its 7 rows of 5, e.g. "01110/10001/...": the `drawing` of the results tables. */
export function glyphDrawing(pixels: readonly number[]): string {
  return Array.from({ length: GLYPH_ROWS }, (_, r) => pixels.slice(r * GLYPH_COLUMNS, (r + 1) * GLYPH_COLUMNS).join('')).join('/');
}
