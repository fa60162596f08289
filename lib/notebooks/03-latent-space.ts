/**
 * Notebook 03 (the latent space): its knobs, the model it explores, and the rows of its tables.
 */
import {
  Autoencoder, checkModelPath, checkOneOf, declareParameters, DecodedGlyph, failParameter, GLYPH_PIXELS,
  holdModels, knob, LetterLikeCriteria, loadAutoencoder, NewLetterSearch, ParameterValues, trainAutoencoder,
} from '..';
import { engineKnob, fontKnobs, glyphDrawing, glyphTrainingKnobs, trainOptions } from './glyph-training';

const glyphOrNull = knob.nullable(knob.text('', 'one of the font\'s characters in quotes, or null'));

/** Every knob of notebook 03; its parameters cell holds the same names and defaults. */
export const parameters = declareParameters({
  ...fontKnobs,
  modelPath: knob.nullable((name, v) => checkModelPath(name, v, { mustExist: true })),
  architecture: knob.layers([35, 20, 10, 2, 10, 20, 35], GLYPH_PIXELS),
  seed: knob.integer(0, { min: 0 }),
  ...glyphTrainingKnobs,
  boxMargin: knob.number(0.1, { min: 0, max: 2 }),
  gridSize: knob.integer(12, { min: 2, max: 40 }),
  interpolateFrom: glyphOrNull,
  interpolateTo: glyphOrNull,
  interpolationSteps: knob.integer(10, { min: 2, max: 100 }),
  newLetterMinDistance: knob.integer(3, { min: 1, max: GLYPH_PIXELS }),
  newLetterMinConfidence: knob.nullable(knob.number(0, { min: 0, max: 1 })),
  newLetterCount: knob.integer(6, { min: 1, max: 64 }),
  searchResolution: knob.integer(80, { min: 2, max: 400 }),
  explorerCheckPoints: knob.integer(1000, { min: 1 }),
  engine: engineKnob,
});

export type Parameters = ParameterValues<typeof parameters>;

/** The parameters once checked against the font: the interpolation's two letters are glyphs of it. */
export type FontParameters = Omit<Parameters, 'interpolateFrom' | 'interpolateTo'> & { interpolateFrom: string; interpolateTo: string };

/**
 * The checks that need the font, and the defaults that come from it: a null `interpolateFrom` is
 * the font's first glyph and a null `interpolateTo` its last, so the line crosses the whole font;
 * a named letter must be a glyph of it. A model trained here has a plane to draw.
 */
export function checkAgainstFont(params: Parameters, chars: readonly string[]): FontParameters {
  const letter = (name: 'interpolateFrom' | 'interpolateTo', fallback: string): string =>
    params[name] === null ? fallback : checkOneOf(name, params[name], chars);
  const resolved = { ...params, interpolateFrom: letter('interpolateFrom', chars[0]), interpolateTo: letter('interpolateTo', chars[chars.length - 1]) };
  if (params.modelPath === null && Math.min(...params.architecture) !== 2) {
    failParameter('architecture', params.architecture, 'its smallest layer must be 2, the latent plane this notebook draws');
  }
  return resolved;
}

/**
 * The model to explore: loaded from `modelPath` (it must take the glyphs' pixels and have a 2-D
 * code), or trained here on all glyphs until each is within the criterion. Held under one key, so
 * re-running frees the previous one.
 */
export async function obtainModel(params: Parameters, glyphs: number[][], chars: readonly string[]): Promise<{ model: Autoencoder; source: string }> {
  if (params.modelPath !== null) {
    const loaded = await loadAutoencoder(params.modelPath);
    const model = holdModels('03-model', [loaded.model])[0];
    if (model.inputSize !== GLYPH_PIXELS || model.latentSize !== 2) {
      throw new Error(`The model in ${params.modelPath} has layers ${JSON.stringify(model.layers)}; this notebook needs ${GLYPH_PIXELS} inputs and a 2-D latent layer.`);
    }
    const savedChars = loaded.metadata.glyphChars;
    if (typeof savedChars === 'string' && savedChars !== chars.join('')) {
      console.warn(`The model was trained on the glyphs ${savedChars}, this font has ${chars.join('')}: codes and distances refer to this font.`);
    }
    const { notebook, settings, seed } = loaded.metadata;
    return { model, source: `loaded from ${params.modelPath} (saved by notebook ${notebook ?? '?'}, ${settings ?? ''} settings, seed ${seed ?? '?'})` };
  }
  const model = holdModels('03-model', [new Autoencoder({ layers: params.architecture, seed: params.seed })])[0];
  const history = await trainAutoencoder(model, glyphs, trainOptions(params, params.seed, `${params.architecture.join('-')} seed ${params.seed}`));
  if (history.stopReason !== 'criterion') console.warn(history.message);
  return { model, source: `trained here: ${history.message.replace(/\.$/, '')}` };
}

const rounded = (x: number, digits: number): number => Number(x.toFixed(digits));

/**
 * A row of the results table `interpolation`: one step of the line between two letters, at `t` (0 at
 * the first letter, 1 at the second), with its nearest training glyph and the pixels between them.
 */
export function interpolationRow(d: DecodedGlyph, step: number, steps: number, chars: readonly string[]) {
  return {
    step, t: rounded(step / (steps - 1), 3), x: rounded(d.point[0], 4), y: rounded(d.point[1], 4),
    nearestGlyph: chars[d.nearest.index], distance: d.nearest.distance, confidence: rounded(d.confidence, 3),
  };
}

/** What the interpolation did. */
export function interpolationPath(line: readonly DecodedGlyph[], chars: readonly string[], maxWrongPixels: number) {
  return {
    /** Steps decoding to a training glyph, within the criterion's wrong pixels. */
    onTraining: line.filter((d) => d.nearest.distance <= maxWrongPixels).length,
    /** Times the nearest training glyph changes from one step to the next. */
    jumps: line.filter((d, i) => i > 0 && d.nearest.index !== line[i - 1].nearest.index).length,
    /** The nearest training glyphs passed, quoted, in order. */
    visited: [...new Set(line.map((d) => `"${chars[d.nearest.index]}"`))],
  };
}

/** How a new letter is called in tables and on the map. */
export const newLetterName = (i: number): string => `#${i + 1}`;

/** The row of the results table `newLetterSearch`: how many points passed each test, and the tests. */
export function searchRow(search: NewLetterSearch, criteria: LetterLikeCriteria) {
  const { searched, farFromTraining, letterLike, distinctDrawings, minDistance } = search;
  const { minConfidence, maxStrokes, minInk, maxInk } = criteria;
  return { searched, farFromTraining, letterLike, distinctDrawings, shown: search.letters.length, minDistance, minConfidence, maxStrokes, minInk, maxInk };
}

/** A row of the results table `newLetters`; `drawing` is the thresholded glyph, its rows of 0 and 1 joined by "/". */
export type NewLetterRow = ReturnType<typeof newLetterRow>;

export function newLetterRow(d: DecodedGlyph, i: number, chars: readonly string[]) {
  return {
    name: newLetterName(i), x: rounded(d.point[0], 4), y: rounded(d.point[1], 4),
    nearestGlyph: chars[d.nearest.index], distance: d.nearest.distance,
    confidence: rounded(d.confidence, 3), strokes: d.strokes, ink: d.ink,
    drawing: glyphDrawing(d.pixels),
  };
}
