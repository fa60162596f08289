/** Figures of a denoising sweep: error and recovery against the noise level, and the training x test level grid. */
import type { SweepRow } from '../denoise';
import { PlotlyFigure, PlotlyTrace } from './plotly';

/** What the figures read from a sweep row; other fields are ignored. */
export type SweepPoint = Pick<SweepRow, 'model' | 'testLevel' | 'meanWrongPixels' | 'exactRate' | 'within1Rate'> &
  Partial<Pick<SweepRow, 'exactRateSE' | 'within1RateSE' | 'meanWrongPixelsSE'>>;

export type SweepMetric = 'meanWrongPixels' | 'exactRate' | 'within1Rate';

/** How the figures name a metric. */
const SWEEP_METRIC_TITLES: Record<SweepMetric, string> = {
  meanWrongPixels: 'mean wrong pixels per glyph',
  exactRate: 'glyphs recovered exactly',
  within1Rate: 'glyphs within 1 wrong pixel',
};

const REFERENCE_STYLES: Record<string, { label: string; line: Record<string, unknown>; marker: Record<string, unknown> }> = {
  ideal: { label: 'ideal denoiser (ceiling)', line: { color: '#111111', dash: 'dash', width: 3 }, marker: { symbol: 'diamond-open', size: 7 } },
  posterior: { label: 'posterior mean (fewest wrong pixels)', line: { color: '#666666', dash: 'dashdot', width: 2 }, marker: { symbol: 'square-open', size: 6 } },
  noisy: { label: 'noisy input', line: { color: '#999999', dash: 'dot', width: 2 }, marker: { symbol: 'circle-open', size: 6 } },
};

/** Plotly's name for the axes of panel k: x and y, then x2 and y2, ... */
const suffix = (k: number): string => (k === 0 ? '' : String(k + 1));

/** A bold title centred above the panel whose centre is at `x` (a fraction of the figure's width). */
function panelTitle(text: string, x: number): Record<string, unknown> {
  return { text: `<b>${text}</b>`, showarrow: false, xref: 'paper', yref: 'paper', x, y: 1, xanchor: 'center', yanchor: 'bottom' };
}

const SERIES_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#bcbd22'];

export interface DenoisingCurvesOptions {
  /** The models drawn, in order: a row's `model`, or that with a legend label. Models with no rows are skipped. */
  models: (string | { model: string; label?: string })[];
  /** The x axis: the test noise, e.g. "bit-flip probability p". */
  levelTitle: string;
  title?: string;
}

/**
 * Error and recovery against the test noise level, three panels side by side: mean wrong pixels per
 * glyph, share of glyphs recovered exactly, share within 1 wrong pixel. One line per model, the same
 * colour in every panel; the references keep their own style: `ideal` thick dashed black (the ceiling
 * of the two recovery panels), `posterior` dash-dotted grey (the floor of the wrong pixels), `noisy`
 * dotted grey. Error bars are ±2 standard errors where the rows carry them.
 */
export function denoisingCurvesFigure(rows: readonly SweepPoint[], options: DenoisingCurvesOptions): PlotlyFigure {
  const metrics: SweepMetric[] = ['meanWrongPixels', 'exactRate', 'within1Rate'];
  const domains = [[0, 0.29], [0.355, 0.645], [0.71, 1]];
  const data: PlotlyTrace[] = [];
  let colour = 0;
  for (const entry of options.models) {
    const model = typeof entry === 'string' ? entry : entry.model;
    const own = rows.filter((r) => r.model === model).sort((a, b) => a.testLevel - b.testLevel);
    if (!own.length) continue;
    const reference = REFERENCE_STYLES[model];
    const label = (typeof entry === 'string' ? undefined : entry.label) ?? reference?.label ?? model;
    const style = reference ?? { line: { color: SERIES_COLOURS[colour % SERIES_COLOURS.length], width: 2 }, marker: { size: 7 } };
    if (!reference) colour++;
    metrics.forEach((metric, panel) => {
      const se = own.map((r) => r[`${metric}SE`]);
      data.push({
        type: 'scatter', mode: 'lines+markers', name: label, legendgroup: model, showlegend: panel === 0,
        x: own.map((r) => r.testLevel), y: own.map((r) => r[metric]),
        xaxis: `x${suffix(panel)}`, yaxis: `y${suffix(panel)}`,
        line: style.line, marker: { ...style.marker, color: style.line.color },
        ...(se.every((v) => typeof v === 'number' && Number.isFinite(v))
          ? { error_y: { type: 'data', array: se.map((v) => 2 * (v as number)), visible: true, thickness: 1, width: 3 } }
          : {}),
        hovertemplate: `${label}<br>${options.levelTitle} %{x}<br>${SWEEP_METRIC_TITLES[metric]}: %{y:${metric === 'meanWrongPixels' ? '.3f' : '.2%'}}<extra></extra>`,
      });
    });
  }
  const layout: Record<string, unknown> = {
    ...(options.title ? { title: { text: options.title } } : {}),
    height: 470,
    margin: { l: 60, r: 20, t: options.title ? 80 : 40, b: 60 },
    hovermode: 'closest',
    legend: { orientation: 'h', x: 0, y: -0.18, yanchor: 'top' },
    annotations: metrics.map((metric, panel) => panelTitle(SWEEP_METRIC_TITLES[metric], (domains[panel][0] + domains[panel][1]) / 2)),
  };
  metrics.forEach((metric, panel) => {
    layout[`xaxis${suffix(panel)}`] = { domain: domains[panel], anchor: `y${suffix(panel)}`, title: { text: options.levelTitle }, zeroline: false };
    layout[`yaxis${suffix(panel)}`] = {
      anchor: `x${suffix(panel)}`, zeroline: false,
      ...(metric === 'meanWrongPixels' ? { rangemode: 'tozero' } : { range: [0, 1.02], tickformat: '.0%' }),
    };
  });
  return { data, layout };
}

export interface SweepHeatmapPanel {
  title: string;
  /** The grid's rows, top to bottom: each a label (e.g. the training level) and the model whose rows fill it. */
  rows: { label: string; model: string }[];
}

export interface SweepHeatmapOptions {
  panels: SweepHeatmapPanel[];
  /** The columns, left to right. */
  testLevels: number[];
  /** Default within1Rate. */
  metric?: SweepMetric;
  /** The x axis (the test noise) and the y axis (what the rows are, e.g. "trained at p"). */
  levelTitle: string;
  rowTitle: string;
  title?: string;
}

/**
 * The training level x test level grid as heat maps, one panel per architecture (side by side, one
 * colour scale): cell (row, test level) holds the metric of the row's model at that test level,
 * written in the cell (rates in percent). Rates run from 0 (dark) to 1 (bright); for mean wrong
 * pixels the scale is reversed, so that bright is good in both.
 */
export function sweepHeatmapFigure(rows: readonly SweepPoint[], options: SweepHeatmapOptions): PlotlyFigure {
  const metric = options.metric ?? 'within1Rate';
  const isRate = metric !== 'meanWrongPixels';
  const count = options.panels.length;
  const sameRows = options.panels.every((panel) => panel.rows.map((r) => r.label).join('\n') === options.panels[0].rows.map((r) => r.label).join('\n'));
  const gap = count > 1 ? (sameRows ? 0.04 : 0.14) : 0;
  const width = (1 - gap * (count - 1)) / Math.max(count, 1);
  const columns = options.testLevels.map(String);
  let zmax = 0;
  const data: PlotlyTrace[] = options.panels.map((panel, k) => {
    const z = panel.rows.map((row) => options.testLevels.map((level) => {
      const hit = rows.find((r) => r.model === row.model && r.testLevel === level);
      if (hit) zmax = Math.max(zmax, hit[metric]);
      return hit ? hit[metric] : null;
    }));
    return {
      type: 'heatmap', x: columns, y: panel.rows.map((r) => r.label), z,
      text: z.map((line) => line.map((v) => (v === null ? '' : isRate ? (100 * v).toFixed(1) : v.toFixed(2)))),
      texttemplate: '%{text}', hovertemplate: `${panel.title}<br>${options.rowTitle} %{y}<br>${options.levelTitle} %{x}<br>${SWEEP_METRIC_TITLES[metric]}: %{text}${isRate ? ' %' : ''}<extra></extra>`,
      coloraxis: 'coloraxis', xaxis: `x${suffix(k)}`, yaxis: `y${suffix(k)}`, xgap: 1, ygap: 1,
    };
  });
  const layout: Record<string, unknown> = {
    ...(options.title ? { title: { text: options.title } } : {}),
    height: Math.max(320, 140 + 34 * Math.max(...options.panels.map((p) => p.rows.length), 1)),
    margin: { l: 90, r: 20, t: options.title ? 80 : 40, b: 60 },
    coloraxis: {
      colorscale: 'Viridis', reversescale: !isRate, cmin: 0, cmax: isRate ? 1 : Math.max(zmax, 1e-9),
      colorbar: { title: { text: isRate ? '%' : 'wrong px' }, ...(isRate ? { tickformat: '.0%' } : {}) },
    },
    annotations: options.panels.map((panel, k) => panelTitle(panel.title, k * (width + gap) + width / 2)),
  };
  // Panels with the same rows share the first panel's row labels; others label their own (with room for them).
  options.panels.forEach((_, k) => {
    layout[`xaxis${suffix(k)}`] = { domain: [k * (width + gap), k * (width + gap) + width], anchor: `y${suffix(k)}`, type: 'category', title: { text: options.levelTitle } };
    layout[`yaxis${suffix(k)}`] = {
      anchor: `x${suffix(k)}`, type: 'category', autorange: 'reversed',
      ...(k === 0 ? { title: { text: options.rowTitle } } : {}), ...(k > 0 && sameRows ? { showticklabels: false } : {}),
    };
  });
  return { data, layout };
}

/**
 * What the code-width figure draws: the code widths (the x axis), the level's symbol (e.g. "p") and
 * the training level, and per test level the within-1 rate at each width (null where not measured)
 * and the ideal denoiser's.
 */
export interface CodeWidthCurves {
  widths: number[];
  levelSymbol: string;
  trainLevel: number;
  levels: { level: number; within1Rates: (number | null)[]; ceiling: number | null }[];
}

/** Glyphs within 1 wrong pixel against the code width, one line per test level, the ceiling dashed. */
export function codeWidthFigure(curves: CodeWidthCurves): PlotlyFigure {
  const { widths, levelSymbol: sym, levels } = curves;
  return {
    data: [
      ...levels.map(({ level, within1Rates }) => ({ type: 'scatter', mode: 'lines+markers', name: `${sym} = ${level}`, x: widths, y: within1Rates })),
      ...levels.map(({ level, ceiling }, i) => ({
        type: 'scatter', mode: 'lines', name: i === 0 ? 'ideal denoiser (ceiling), same levels' : `ideal ${sym} = ${level}`, showlegend: i === 0, legendgroup: 'ideal',
        x: [Math.min(...widths), Math.max(...widths)], y: [ceiling, ceiling],
        line: { color: '#111', dash: 'dash', width: 1 }, hoverinfo: 'skip',
      })),
    ],
    layout: {
      title: { text: `Glyphs within 1 wrong pixel against the code width (trained at ${sym} = ${curves.trainLevel})` },
      xaxis: { title: { text: 'code width (latent units)' }, type: 'log', tickvals: widths, ticktext: widths.map(String) },
      yaxis: { title: { text: 'glyphs within 1 wrong pixel' }, range: [0, 1.02], tickformat: '.0%' },
      margin: { l: 60, r: 20, t: 50, b: 50 }, hovermode: 'closest',
    },
  };
}
