/** How far a reconstruction is from its glyph, in the course's terms. */

/**
 * The Hamming distance of two pixel rows read as bits: the pixels on different sides of `threshold`.
 * The one pixel count of the library: wrong pixels, distances between glyphs, flips between images.
 */
export function pixelDistance(a: ArrayLike<number>, b: ArrayLike<number>, threshold = 0.5): number {
  if (a.length !== b.length) throw new Error(`pixelDistance: ${a.length} pixels against ${b.length}`);
  let d = 0;
  for (let p = 0; p < a.length; p++) if ((a[p] >= threshold) !== (b[p] >= threshold)) d++;
  return d;
}

/** Wrong pixels of each output against its (0/1) target glyph, both read at `threshold`. */
export function wrongPixelsPerGlyph(outputs: ArrayLike<number>[], targets: ArrayLike<number>[], threshold = 0.5): number[] {
  if (outputs.length !== targets.length) {
    throw new Error(`wrongPixelsPerGlyph: ${outputs.length} outputs for ${targets.length} targets`);
  }
  return outputs.map((out, g) => {
    if (out.length !== targets[g].length) throw new Error(`wrongPixelsPerGlyph: glyph ${g} has ${out.length} outputs for ${targets[g].length} pixels`);
    return pixelDistance(out, targets[g], threshold);
  });
}

export interface PixelErrorSummary {
  perGlyph: number[];
  /** The worst glyph's wrong pixels: the course's criterion asks for at most 1. */
  max: number;
  total: number;
  mean: number;
}

export function summarizeWrongPixels(perGlyph: number[]): PixelErrorSummary {
  const total = perGlyph.reduce((a, b) => a + b, 0);
  return { perGlyph, max: perGlyph.length ? Math.max(...perGlyph) : 0, total, mean: perGlyph.length ? total / perGlyph.length : 0 };
}

/** The course's success criterion: every glyph reconstructed with at most `maxWrong` wrong pixels. */
export function meetsCriterion(perGlyph: number[], maxWrong = 1): boolean {
  return perGlyph.every((w) => w <= maxWrong);
}

/**
 * The report's error figure: the course's quadratic error E = 1/2 * sum over glyphs and pixels of
 * (target - output)^2, on the raw (unthresholded) outputs. It is what the course's perceptron work
 * plots; unlike the wrong-pixel count it keeps falling while outputs move away from 0.5.
 */
export function reportError(outputs: ArrayLike<number>[], targets: ArrayLike<number>[]): number {
  let sum = 0;
  outputs.forEach((out, g) => {
    for (let p = 0; p < out.length; p++) sum += (targets[g][p] - out[p]) ** 2;
  });
  return sum / 2;
}

export function meanAndStd(values: number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/** The median: the middle value, or the mean of the two middle values of an even count; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
