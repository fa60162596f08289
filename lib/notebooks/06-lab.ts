/**
 * Notebook 06 (the lab): its knobs, the architectures the lab offers, and the library's own run of
 * the lab's starting model, to compare with what the page does.
 */
import {
  Autoencoder, declareParameters, GLYPH_PIXELS, holdModels, knob, OPTIMIZERS, ParameterValues, TrainHistory,
  trainAutoencoder,
} from '..';
import { corruptor, noiseSpec } from '../noise';
import { parameterDefaults } from '../params';
import type { LabSettings, LabSpec } from '../pages/lab';
import { parameters as layerCountParameters } from './01-layer-count';
import { fontKnobs } from './glyph-training';

const positiveRate = { min: 0, exclusiveMin: true, max: 10 };

/** Every knob of notebook 06; its parameters cell holds the same names and defaults. */
export const parameters = declareParameters({
  ...fontKnobs,
  layers: knob.layers([35, 20, 10, 2, 10, 20, 35], GLYPH_PIXELS),
  hiddenActivation: knob.oneOf(['tanh', 'sigmoid', 'relu'] as const, 'tanh'),
  optimizer: knob.oneOf(OPTIMIZERS, 'adam'),
  learningRate: knob.number(0.005, positiveRate),
  batchSize: knob.nullable(knob.integer(1, { min: 1 })),
  noise: knob.number(0, { min: 0, max: 0.5 }),
  seed: knob.integer(0, { min: 0 }),
  maxWrongPixels: knob.integer(1, { min: 0, max: GLYPH_PIXELS }),
  libraryEpochs: knob.integer(20000, { min: 1 }),
});

export type Parameters = ParameterValues<typeof parameters>;

/** The lab's starting settings from the notebook's parameters. */
export function labSettings(params: Parameters): LabSettings {
  const { layers, hiddenActivation, optimizer, learningRate, batchSize, noise, seed } = params;
  return { layers, hiddenActivation, optimizer, learningRate, batchSize, noise, seed };
}

/** What the lab shows: these glyphs, the parameters' settings, the report's architectures in its list. */
export function labSpec(params: Parameters, glyphs: number[][], labels: string[]): LabSpec {
  return {
    glyphs, labels, settings: labSettings(params), maxWrongPixels: params.maxWrongPixels, checkEvery: 10, presets: labPresets(),
    caption: 'Train runs until every glyph meets the criterion; Step trains one epoch; Reset starts over with the settings shown.',
  };
}

/** The lab's list: the report's three architectures (notebook 01's defaults) and this notebook's default. */
export function labPresets(): { name: string; layers: number[] }[] {
  const report = parameterDefaults(layerCountParameters).architectures;
  return [
    ...report.map((layers, i) => ({ name: `report ${i + 1}`, layers })),
    { name: 'tuned', layers: parameterDefaults(parameters).layers },
  ];
}

/**
 * The library's run of the lab's starting model (the same weights and steps; with noise, the same
 * bit-flip model with the library's own draws), until the criterion or `libraryEpochs`. The trained
 * model stays held (freed when the cell runs again), to set beside what the page drew.
 */
export async function libraryRun(params: Parameters, glyphs: number[][]): Promise<{ model: Autoencoder; history: TrainHistory }> {
  const model = holdModels('06-library', [new Autoencoder({ layers: params.layers, hiddenActivation: params.hiddenActivation, seed: params.seed })])[0];
  const history = await trainAutoencoder(model, glyphs, {
    epochs: params.libraryEpochs, learningRate: params.learningRate, optimizer: params.optimizer,
    batchSize: params.batchSize, seed: params.seed, maxWrongPixels: params.maxWrongPixels, checkEvery: 10,
    label: params.layers.join('-'),
    corruptInputs: params.noise > 0 ? corruptor(noiseSpec('bit-flip', params.noise), params.seed) : undefined,
  });
  return { model, history };
}
