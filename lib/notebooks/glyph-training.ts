/**
 * The training knobs notebooks 02 and 03 share for their glyph autoencoders: declared once here and
 * spread into each notebook's declaration, so the two notebooks train by the same defaults.
 */
import { GLYPH_PIXELS, knob, LOSSES, OPTIMIZERS } from '..';

export const glyphTrainingKnobs = {
  epochs: knob.integer(20000, { min: 1 }),
  learningRate: knob.number(0.005, { min: 0, exclusiveMin: true, max: 10 }),
  optimizer: knob.oneOf(OPTIMIZERS, 'adam'),
  loss: knob.oneOf(LOSSES, 'bce'),
  maxWrongPixels: knob.integer(1, { min: 0, max: GLYPH_PIXELS }),
  checkEvery: knob.integer(50, { min: 1 }),
};
