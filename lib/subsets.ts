/**
 * Training on part of the font and testing on the rest: subsets of glyphs drawn with a seed or
 * named by their letters, what a trained model does on seen and unseen glyphs, and the summary per
 * training-set size.
 */
import { Autoencoder } from './autoencoder';
import { Glyph } from './font';
import { pixelDistance, wrongPixelsPerGlyph } from './metrics';
import { failParameter } from './params';
import { seededRandom, shuffledIndices } from './random';
import { summarize } from './summarize';
import { TrainHistory } from './train';

/** A glyph as one character: its label when that is one character, else a symbol (DEL -> ␡). */
export function glyphChar(glyph: Pick<Glyph, 'label' | 'code'>): string {
  if ([...glyph.label].length === 1) return glyph.label;
  if (glyph.label === 'space') return '␠';
  if (glyph.code === 0x7f || glyph.label === 'DEL') return '␡';
  if (glyph.code >= 0 && glyph.code < 0x20) return String.fromCodePoint(0x2400 + glyph.code);
  return String.fromCodePoint(glyph.code);
}

export interface GlyphSubset {
  /** Drawn at random with the seed, or named by its letters. */
  kind: 'random' | 'named';
  size: number;
  seed: number;
  /** Indices of the training glyphs in the font, ascending. */
  indices: number[];
  /** Their characters, in font order. */
  letters: string;
}

/**
 * `size` glyphs drawn with `seed`. For one seed the subsets are nested: the first `size` glyphs of
 * one shuffled order, so size 8 holds size 4's glyphs plus four more and a curve over sizes changes
 * one thing at a time.
 */
export function randomSubset(chars: readonly string[], size: number, seed: number): GlyphSubset {
  if (!Number.isInteger(size) || size < 1 || size > chars.length) {
    throw new Error(`A subset of ${size} glyphs is impossible: the font has ${chars.length}.`);
  }
  const indices = shuffledIndices(chars.length, seededRandom(seed)).slice(0, size).sort((a, b) => a - b);
  return { kind: 'random', size, seed, indices, letters: indices.map((i) => chars[i]).join('') };
}

/** The glyphs named by `letters` (e.g. "aeiou"); `seed` only seeds the training run. */
export function namedSubset(chars: readonly string[], letters: string, seed: number): GlyphSubset {
  const indices = [...letters].map((ch) => {
    const at = chars.indexOf(ch);
    if (at < 0) throw new Error(`"${ch}" is not a glyph of the font; its glyphs are ${chars.join('')}.`);
    return at;
  }).sort((a, b) => a - b);
  return { kind: 'named', size: indices.length, seed, indices, letters: indices.map((i) => chars[i]).join('') };
}

/** A parameter naming glyphs by their characters: known, distinct, and not every glyph. */
export function checkLetters(name: string, value: unknown, chars: readonly string[]): string {
  const fail = (why: string): never => failParameter(name, value, why);
  if (typeof value !== 'string' || value.length === 0) fail('it must be a string of the font\'s characters, e.g. "aeiou"');
  const letters = [...(value as string)];
  const unknown = letters.filter((ch) => !chars.includes(ch));
  if (unknown.length) fail(`${unknown.map((c) => JSON.stringify(c)).join(', ')} not in the font, whose glyphs are ${chars.join('')}`);
  const repeated = letters.filter((ch, i) => letters.indexOf(ch) !== i);
  if (repeated.length) fail(`${JSON.stringify(repeated[0])} appears more than once`);
  if (letters.length >= chars.length) fail('it names every glyph, so none would be left to test on');
  return value as string;
}

/** The glyph indices not in `indices`. */
export function unseenIndices(indices: readonly number[], count: number): number[] {
  const seen = new Set(indices);
  return [...Array(count).keys()].filter((i) => !seen.has(i));
}

/** What a model trained on a subset does on its glyphs and on the others. */
export interface SubsetEvaluation {
  seen: number[];
  unseen: number[];
  seenReconstructions: number[][];
  unseenReconstructions: number[][];
  /** Wrong pixels per seen / unseen glyph. */
  seenWrongPixels: number[];
  unseenWrongPixels: number[];
  /** Per unseen glyph: pixels to the nearest seen glyph, the error of a network that copies it. */
  unseenNearestSeenDistance: number[];
  /** Per unseen glyph: ink pixels, the error of an empty output. */
  unseenInk: number[];
  /** Per unseen glyph: its reconstruction is closer to some seen glyph than to the glyph itself. */
  unseenSnappedToSeen: boolean[];
}

export function evaluateSubset(model: Autoencoder, glyphs: number[][], indices: readonly number[]): SubsetEvaluation {
  const seen = [...indices];
  const unseen = unseenIndices(indices, glyphs.length);
  const reconstructions = model.reconstructArray(glyphs);
  const pick = (list: number[], rows: number[][]): number[][] => list.map((i) => rows[i]);
  const seenReconstructions = pick(seen, reconstructions);
  const unseenReconstructions = pick(unseen, reconstructions);
  const nearestSeen = (image: ArrayLike<number>): number => Math.min(...seen.map((s) => pixelDistance(image, glyphs[s])));
  return {
    seen, unseen, seenReconstructions, unseenReconstructions,
    seenWrongPixels: wrongPixelsPerGlyph(seenReconstructions, pick(seen, glyphs)),
    unseenWrongPixels: wrongPixelsPerGlyph(unseenReconstructions, pick(unseen, glyphs)),
    unseenNearestSeenDistance: unseen.map((u) => nearestSeen(glyphs[u])),
    unseenInk: unseen.map((u) => glyphs[u].reduce((a, b) => a + (b >= 0.5 ? 1 : 0), 0)),
    unseenSnappedToSeen: unseen.map((u, k) => nearestSeen(unseenReconstructions[k]) < pixelDistance(unseenReconstructions[k], glyphs[u])),
  };
}

const mean = (values: number[]): number | null => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
const round = (value: number | null, digits = 3): number | null => (value === null ? null : Number(value.toFixed(digits)));

/**
 * One training run on a subset: the row of the results table `subsets`. The test columns are null
 * when the subset is the whole font; testNearestSeenDistance is what copying the nearest seen glyph
 * would cost, testEmptyOutputError what an empty output would.
 */
export function subsetRunRow(subset: GlyphSubset, evaluation: SubsetEvaluation, history: TrainHistory) {
  const { seenWrongPixels, unseenWrongPixels } = evaluation;
  return {
    size: subset.size,
    seed: subset.seed,
    kind: subset.kind,
    letters: subset.letters,
    trainMaxWrongPixels: Math.max(...seenWrongPixels),
    trainMeanWrongPixels: round(mean(seenWrongPixels)) as number,
    testMeanWrongPixels: round(mean(unseenWrongPixels)),
    testMaxWrongPixels: unseenWrongPixels.length ? Math.max(...unseenWrongPixels) : null,
    testNearestSeenDistance: round(mean(evaluation.unseenNearestSeenDistance)),
    testEmptyOutputError: round(mean(evaluation.unseenInk)),
    testSnappedToSeenFraction: round(mean(evaluation.unseenSnappedToSeen.map((s) => (s ? 1 : 0)))),
    epochsToCriterion: history.epochsToCriterion,
    epochsRun: history.epochsRun,
    seconds: Number(history.seconds.toFixed(2)),
  };
}

export type SubsetRunRow = ReturnType<typeof subsetRunRow>;

/** Mean and spread (population standard deviation) over the runs of one size. */
export interface Spread { mean: number; std: number }

const spread = (mean: number | null, std: number | null): Spread | null => (mean === null ? null : { mean: round(mean) as number, std: round(std) as number });

/**
 * One summary per size (random subsets) and per named subset, in the order of first appearance:
 * its runs, how many met the criterion on all their training glyphs (reachedCriterion), and the
 * seen and unseen errors. `letters` is null for random subsets, each run drawing its own.
 */
export function summarizeBySize(rows: SubsetRunRow[]) {
  const grouped = rows.map((r) => ({ ...r, letters: r.kind === 'named' ? r.letters : null }));
  return summarize(grouped, {
    by: ['kind', 'size', 'letters'],
    values: ['seed', 'epochsToCriterion', 'trainMeanWrongPixels', 'trainMaxWrongPixels', 'testMeanWrongPixels',
      'testNearestSeenDistance', 'testEmptyOutputError', 'testSnappedToSeenFraction'],
    stats: ['mean', 'std', 'count', 'median', 'max'],
  }).map((s) => ({
    size: s.size,
    kind: s.kind,
    letters: s.letters,
    runs: s.seedCount as number,
    reachedCriterion: s.epochsToCriterionCount as number,
    trainMeanWrongPixels: spread(s.trainMeanWrongPixelsMean, s.trainMeanWrongPixelsStd) as Spread,
    trainMaxWrongPixels: s.trainMaxWrongPixelsMax as number,
    testMeanWrongPixels: spread(s.testMeanWrongPixelsMean, s.testMeanWrongPixelsStd),
    testNearestSeenDistance: round(s.testNearestSeenDistanceMean),
    testEmptyOutputError: round(s.testEmptyOutputErrorMean),
    testSnappedToSeenFraction: round(s.testSnappedToSeenFractionMean),
    medianEpochsToCriterion: s.epochsToCriterionMedian,
  }));
}

export type SizeSummary = ReturnType<typeof summarizeBySize>[number];

/** A summary as one flat table row (mean and spread in columns of their own). */
export function sizeSummaryRow(s: SizeSummary): Record<string, unknown> {
  return {
    size: s.size,
    kind: s.kind,
    letters: s.letters,
    runs: s.runs,
    reachedCriterion: s.reachedCriterion,
    medianEpochsToCriterion: s.medianEpochsToCriterion,
    trainMeanWrongPixels: s.trainMeanWrongPixels.mean,
    trainMeanWrongPixelsStd: s.trainMeanWrongPixels.std,
    trainMaxWrongPixels: s.trainMaxWrongPixels,
    testMeanWrongPixels: s.testMeanWrongPixels?.mean ?? null,
    testMeanWrongPixelsStd: s.testMeanWrongPixels?.std ?? null,
    testNearestSeenDistance: s.testNearestSeenDistance,
    testEmptyOutputError: s.testEmptyOutputError,
    testSnappedToSeenFraction: s.testSnappedToSeenFraction,
  };
}
