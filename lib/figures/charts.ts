/** Line, scatter and heat-map figures: thin, typed wrappers that return plain figures and show nothing. */
import { PlotlyFigure, PlotlyLayout } from './plotly';

function axisTitle(text: string | undefined): { title?: { text: string } } {
  return text ? { title: { text } } : {};
}

/** The titles every chart takes. */
export interface ChartTitles {
  title?: string;
  xTitle?: string;
  yTitle?: string;
}

/** The layout every chart starts from: its titles, no zero lines, the nearest point on hover. */
export function chartLayout({ title, xTitle, yTitle }: ChartTitles): PlotlyLayout {
  return {
    ...(title ? { title: { text: title } } : {}),
    xaxis: { ...axisTitle(xTitle), zeroline: false },
    yaxis: { ...axisTitle(yTitle), zeroline: false },
    margin: { l: 60, r: 20, t: title ? 50 : 20, b: 50 },
    hovermode: 'closest',
  };
}

export interface LineSeries {
  name: string;
  /** Default 1, 2, ... (e.g. epochs). */
  x?: ArrayLike<number>;
  y: ArrayLike<number>;
  dash?: 'solid' | 'dot' | 'dash' | 'dashdot';
}

export interface LineChartSpec extends ChartTitles {
  series: LineSeries[];
  /** Log-scale y, e.g. for losses spanning orders of magnitude. */
  logY?: boolean;
  /** Most points drawn per series (see lineSeriesPoints); default LINE_CHART_MAX_POINTS. */
  maxPoints?: number;
}

/**
 * A chart is a few hundred pixels wide: a 10 000-epoch loss curve drawn point by point only makes
 * the notebook megabytes larger, not the line any different.
 */
export const LINE_CHART_MAX_POINTS = 800;

/**
 * The positions of the points of a series of `length` values that a line chart draws: all of them up
 * to `maxPoints`; beyond, the first and the last, and in each of (maxPoints - 2) / 2 equal runs
 * between them its lowest and its highest value (non-finite values count as neither: the first
 * of a run is kept as well, so a gap still shows). The envelope of the line, its end points and
 * its minimum (a loss curve's best epoch) are the ones of the full series.
 */
export function lineSeriesPoints(y: ArrayLike<number>, maxPoints = LINE_CHART_MAX_POINTS): number[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 4) throw new RangeError(`lineChart maxPoints must be an integer >= 4, got ${maxPoints}`);
  const n = y.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  let hasGaps = false;
  for (let i = 0; i < n && !hasGaps; i++) hasGaps = !Number.isFinite(y[i]);
  // A run keeps at most 3 points when there are gaps (its gap, lowest and highest), else 2.
  const runs = Math.floor((maxPoints - 2) / (hasGaps ? 3 : 2));
  const inner = n - 2;
  const kept: number[] = [0];
  for (let r = 0; r < runs; r++) {
    const start = 1 + Math.floor((r * inner) / runs);
    const end = 1 + Math.floor(((r + 1) * inner) / runs);
    let low = -1, high = -1, gap = -1;
    for (let i = start; i < end; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) { if (gap < 0) gap = i; continue; }
      if (low < 0 || v < y[low]) low = i;
      if (high < 0 || v > y[high]) high = i;
    }
    for (const i of [low, high, gap].filter((i) => i >= 0).sort((a, b) => a - b)) {
      if (i !== kept[kept.length - 1]) kept.push(i);
    }
  }
  kept.push(n - 1);
  return kept;
}

export function lineChart(spec: LineChartSpec): PlotlyFigure {
  const layout = chartLayout(spec);
  if (spec.logY) (layout.yaxis as Record<string, unknown>).type = 'log';
  return {
    data: spec.series.map((s) => {
      if (s.x && s.x.length !== s.y.length) throw new RangeError(`lineChart series "${s.name}": ${s.x.length} x values for ${s.y.length} y values.`);
      const kept = lineSeriesPoints(s.y, spec.maxPoints);
      return {
        type: 'scatter',
        mode: 'lines',
        name: s.name,
        x: kept.map((i) => (s.x ? s.x[i] : i + 1)),
        y: kept.map((i) => s.y[i]),
        ...(s.dash ? { line: { dash: s.dash } } : {}),
      };
    }),
    layout,
  };
}

export interface ScatterSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Per-point labels drawn next to the markers (e.g. the glyph's character). */
  text?: readonly string[];
  /** Per-point hover text; default `text`. */
  hover?: readonly string[];
  markerSize?: number;
}

export interface ScatterChartSpec extends ChartTitles {
  series: ScatterSeries[];
  /** Draw `text` next to the markers; default true when a series has text. */
  showText?: boolean;
  /** Same scale on both axes, for latent spaces where distances matter. */
  equalAspect?: boolean;
}

export function scatterChart(spec: ScatterChartSpec): PlotlyFigure {
  const layout = chartLayout(spec);
  if (spec.equalAspect) Object.assign(layout.yaxis as Record<string, unknown>, { scaleanchor: 'x', scaleratio: 1 });
  return {
    data: spec.series.map((s) => {
      const hover = s.hover ?? s.text;
      const labelled = s.text !== undefined && spec.showText !== false;
      return {
        type: 'scatter',
        mode: labelled ? 'markers+text' : 'markers',
        name: s.name,
        x: Array.from(s.x),
        y: Array.from(s.y),
        marker: { size: s.markerSize ?? 8 },
        ...(s.text ? { text: [...s.text], textposition: 'top center' } : {}),
        ...(hover ? { hovertext: [...hover] } : {}),
      };
    }),
    layout,
  };
}

export interface HeatmapSpec extends ChartTitles {
  /** Rows of values; z[i][j] is drawn at (x[j], y[i]). */
  z: ReadonlyArray<ArrayLike<number>>;
  x?: ReadonlyArray<number | string>;
  y?: ReadonlyArray<number | string>;
  /** Plotly colour scale name; default 'Viridis'. */
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  /** Put the first row at the top, as in images and matrices. */
  firstRowOnTop?: boolean;
}

export function heatmap(spec: HeatmapSpec): PlotlyFigure {
  const layout = chartLayout(spec);
  if (spec.firstRowOnTop) (layout.yaxis as Record<string, unknown>).autorange = 'reversed';
  return {
    data: [{
      type: 'heatmap',
      z: spec.z.map((row) => Array.from(row)),
      ...(spec.x ? { x: [...spec.x] } : {}),
      ...(spec.y ? { y: [...spec.y] } : {}),
      colorscale: spec.colorscale ?? 'Viridis',
      ...(spec.zmin !== undefined ? { zmin: spec.zmin } : {}),
      ...(spec.zmax !== undefined ? { zmax: spec.zmax } : {}),
    }],
    layout,
  };
}
