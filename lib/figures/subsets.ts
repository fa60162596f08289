/** The figure of the training-set-size study (notebook 02). */
import type { SizeSummary } from '../subsets';
import { PlotlyFigure } from './plotly';

/**
 * Wrong pixels against training-set size: seen and unseen glyphs (mean, with the spread over runs
 * as error bars), and two yardsticks for the unseen ones: copying the nearest seen glyph, and
 * drawing nothing.
 */
export function generalizationChart(summaries: SizeSummary[], title = 'Wrong pixels per glyph against training-set size'): PlotlyFigure {
  const random = summaries.filter((s) => s.kind === 'random').sort((a, b) => a.size - b.size);
  const withTest = random.filter((s) => s.testMeanWrongPixels !== null);
  const sizes = random.map((s) => s.size);
  const trace = (name: string, rows: SizeSummary[], y: (s: SizeSummary) => number | null, extra: Record<string, unknown>): Record<string, unknown> => ({
    type: 'scatter', mode: 'lines+markers', name, x: rows.map((s) => s.size), y: rows.map(y), ...extra,
  });
  return {
    data: [
      trace('seen (training) glyphs', random, (s) => s.trainMeanWrongPixels.mean, {
        error_y: { type: 'data', array: random.map((s) => s.trainMeanWrongPixels.std), visible: true },
      }),
      trace('unseen glyphs', withTest, (s) => s.testMeanWrongPixels?.mean ?? null, {
        error_y: { type: 'data', array: withTest.map((s) => s.testMeanWrongPixels?.std ?? 0), visible: true },
      }),
      trace('unseen: copy the nearest seen glyph', withTest, (s) => s.testNearestSeenDistance, { line: { dash: 'dash' }, marker: { symbol: 'square-open' } }),
      trace('unseen: draw nothing', withTest, (s) => s.testEmptyOutputError, { line: { dash: 'dot' }, marker: { symbol: 'circle-open' } }),
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: 'training glyphs' }, type: 'log', tickvals: sizes, ticktext: sizes.map(String), zeroline: false },
      yaxis: { title: { text: 'mean wrong pixels per glyph' }, rangemode: 'tozero', zeroline: false },
      margin: { l: 60, r: 20, t: 50, b: 50 },
      hovermode: 'closest',
    },
  };
}
