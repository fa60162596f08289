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
}

export function lineChart(spec: LineChartSpec): PlotlyFigure {
  const layout = chartLayout(spec);
  if (spec.logY) (layout.yaxis as Record<string, unknown>).type = 'log';
  return {
    data: spec.series.map((s) => ({
      type: 'scatter',
      mode: 'lines',
      name: s.name,
      x: s.x ? Array.from(s.x) : Array.from({ length: s.y.length }, (_, i) => i + 1),
      y: Array.from(s.y),
      ...(s.dash ? { line: { dash: s.dash } } : {}),
    })),
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
