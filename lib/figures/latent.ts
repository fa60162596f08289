/** The latent plane as a Plotly scatter whose hover box draws each point's glyph. */
import { escapeHtml } from '../display';
import { GLYPH_COLUMNS, GLYPH_ROWS } from '../font';
import { binarize, checkPlanar } from '../latent';
import { scatterChart } from './charts';
import { PlotlyFigure } from './plotly';

/** A glyph as text for a Plotly hover box (shown in a monospace font): `█` ink, `·` paper. */
export function glyphHoverText(image: ArrayLike<number>, title: string): string {
  const pixels = binarize(image);
  const rows = Array.from({ length: GLYPH_ROWS }, (_, r) =>
    pixels.slice(r * GLYPH_COLUMNS, (r + 1) * GLYPH_COLUMNS).map((p) => (p ? '█' : '·')).join(''));
  return [`<b>${escapeHtml(title)}</b>`, ...rows].join('<br>');
}

export interface LatentMapGroup {
  name: string;
  codes: number[][];
  /** Drawn next to each point. */
  labels: string[];
  /** What each point's glyph looks like, for the hover box; default no glyph. */
  images?: ReadonlyArray<ArrayLike<number>>;
  /** Extra hover lines per point, e.g. a distance. */
  notes?: string[];
  /** Plotly marker symbol: circle, x, star, diamond, ... */
  symbol?: string;
  markerSize?: number;
}

/**
 * The latent plane as a Plotly scatter: one series per group, every point labelled, and a hover box
 * that draws the point's glyph. `paths` adds polylines, e.g. an interpolation.
 */
export function latentMapFigure(groups: LatentMapGroup[], options: { title?: string; paths?: { name: string; points: number[][] }[]; height?: number } = {}): PlotlyFigure {
  for (const g of groups) checkPlanar(g.codes, `The codes of "${g.name}"`);
  const figure = scatterChart({
    series: groups.map((g) => ({
      name: g.name,
      x: g.codes.map((c) => c[0]),
      y: g.codes.map((c) => c[1]),
      text: g.labels,
      hover: g.codes.map((_, i) => {
        const head = g.labels[i] + (g.notes?.[i] ? ` · ${g.notes[i]}` : '');
        return g.images ? glyphHoverText(g.images[i], head) : head;
      }),
      markerSize: g.markerSize,
    })),
    title: options.title,
    xTitle: 'latent z₁',
    yTitle: 'latent z₂',
    equalAspect: true,
  });
  figure.data.forEach((trace, i) => {
    trace.hovertemplate = '%{hovertext}<extra></extra>';
    if (groups[i].symbol) (trace.marker as Record<string, unknown>).symbol = groups[i].symbol;
  });
  for (const p of options.paths ?? []) {
    figure.data.push({
      type: 'scatter', mode: 'lines+markers', name: p.name,
      x: p.points.map((q) => q[0]), y: p.points.map((q) => q[1]),
      marker: { size: 4 }, line: { dash: 'dot' }, hoverinfo: 'skip',
    });
  }
  figure.layout = { ...figure.layout, hoverlabel: { font: { family: 'DejaVu Sans Mono, Menlo, Consolas, monospace' } }, ...(options.height ? { height: options.height } : {}) };
  return figure;
}
