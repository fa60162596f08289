/** The figure of a latent map whose hover shows the image behind each point (the page around it: lib/pages/imagemap). */
import { escapeHtml } from '../display';
import { ChartTitles, chartLayout } from './charts';
import { PlotlyFigure } from './plotly';

export interface ImageMapSpec extends ChartTitles {
  /** One 2-D code per image. */
  codes: number[][];
  /** Class of each image (0..classNames.length-1): one colour and legend entry per class. */
  labels: ArrayLike<number>;
  classNames: readonly string[];
  /** The images, row-major, values in [0, 1]: one per code. */
  images: ReadonlyArray<ArrayLike<number>>;
  rows: number;
  cols: number;
  /** What each point is called in the hover box, e.g. its index in the test set; default its position. */
  ids?: ArrayLike<number>;
  /** How ids are introduced in the hover box; default "#". */
  idPrefix?: string;
  /** One line under the figure. */
  caption?: string;
  /** For report exporters (data-figure-name); default "image-map". */
  name?: string;
  height?: number;
  /** Side of the hovered image in CSS pixels; default 140. */
  imageSize?: number;
}

/** The scatter itself: one trace per class; customdata holds [position in `images`, id]. */
export function imageMapFigure(spec: ImageMapSpec): PlotlyFigure {
  const n = spec.codes.length;
  if (spec.labels.length !== n || spec.images.length !== n || (spec.ids && spec.ids.length !== n)) {
    throw new RangeError(`imageMapFigure: ${n} codes, ${spec.labels.length} labels, ${spec.images.length} images${spec.ids ? `, ${spec.ids.length} ids` : ''}; they must match.`);
  }
  const prefix = escapeHtml(spec.idPrefix ?? '#');
  const data = spec.classNames.map((className, c) => {
    const members = Array.from({ length: n }, (_, i) => i).filter((i) => spec.labels[i] === c);
    return {
      type: 'scatter', mode: 'markers', name: className,
      x: members.map((i) => spec.codes[i][0]), y: members.map((i) => spec.codes[i][1]),
      customdata: members.map((i) => [i, spec.ids ? spec.ids[i] : i]),
      marker: { size: 5, opacity: 0.75 },
      hovertemplate: `<b>${escapeHtml(className)}</b> · ${prefix}%{customdata[1]}<br>z = (%{x:.2f}, %{y:.2f})<extra></extra>`,
    };
  }).filter((trace) => trace.x.length > 0);
  const layout = chartLayout({ title: spec.title, xTitle: spec.xTitle ?? 'z₁ (mean of q(z|x))', yTitle: spec.yTitle ?? 'z₂' });
  Object.assign(layout.yaxis as Record<string, unknown>, { scaleanchor: 'x', scaleratio: 1 });
  return { data, layout: { ...layout, legend: { itemsizing: 'constant' } } };
}
