/**
 * Glyph mosaics: grids of glyph images as crisp PNGs, wrong pixels coloured, with a caption naming
 * the lines; and the PNG display they go through.
 */
import { notebookDisplay } from '../display';
import { GLYPH_COLUMNS, GLYPH_ROWS } from '../font';
import { encodePng } from '../png';
import { captionHtml } from './caption';

export type Rgb = readonly [number, number, number];

/**
 * Colours of a mosaic. Missing ink is red and extra ink is blue rather than orange: red and blue stay
 * distinguishable for the common red-green colour blindness, and neither is a grey level.
 */
export const MOSAIC_COLOURS: { readonly missing: Rgb; readonly extra: Rgb; readonly background: Rgb } = {
  /** Target pixel on, output below the threshold. */
  missing: [220, 38, 38],
  /** Target pixel off, output at or above the threshold. */
  extra: [37, 99, 235],
  /** Gaps and margins: a light slate, so that a glyph's white cell stands out from its surroundings. */
  background: [203, 213, 225],
};

/** One line of a mosaic: the same kind of image for every glyph (e.g. originals, or reconstructions). */
export interface GlyphImageRow {
  /**
   * One image per glyph: GLYPH_PIXELS values in [0, 1] (1 = ink), row-major like `Glyph.bits`; or
   * imageRows x imageColumns values for other images (see GlyphMosaicOptions).
   */
  images: ReadonlyArray<ArrayLike<number>>;
  /** Target bits per glyph (same order as `images`); when present, wrong pixels are coloured. */
  targets?: ReadonlyArray<ArrayLike<number>>;
  /** Name of the line for the caption (the image itself carries no text). */
  label?: string;
}

export interface GlyphMosaicOptions {
  /** Glyphs per line before wrapping into another band of lines; default min(count, 16). */
  columns?: number;
  /** Screen pixels per glyph pixel (nearest neighbour); default 8. */
  scale?: number;
  /** Pixels between neighbouring glyphs and between the lines of a band; default scale / 2. */
  gap?: number;
  /** Pixels between wrapped bands, larger than `gap` so that each band reads as one group; default 3 * gap. */
  bandGap?: number;
  /** Pixels around the whole mosaic; default gap. */
  margin?: number;
  /** An output pixel counts as ink at or above this value; default 0.5. */
  threshold?: number;
  /** Pixel rows and columns of every image; default GLYPH_ROWS x GLYPH_COLUMNS (7 x 5), e.g. 28 x 28 for MNIST digits. */
  imageRows?: number;
  imageColumns?: number;
}

/** What showGlyphMosaic adds to the mosaic's options. */
export interface ShowGlyphMosaicOptions extends GlyphMosaicOptions {
  /** One line saying what to look at; default glyphMosaicCaption(rows). */
  caption?: string;
  /** Name under which a report exporter saves the image (reports/figures/<notebook>/<name>.png); default `mosaic-N`. */
  name?: string;
}

/**
 * Where everything goes. With columns C and lines L, glyph i of line l sits in band floor(i / C):
 * each band shows the same C glyphs in every line, so an original stays right above its reconstruction.
 */
export function glyphMosaicLayout(glyphCount: number, lineCount: number, options: GlyphMosaicOptions = {}) {
  const scale = options.scale ?? 8;
  const gap = options.gap ?? Math.max(1, Math.round(scale / 2));
  const bandGap = options.bandGap ?? 3 * gap;
  const margin = options.margin ?? gap;
  const imageRows = options.imageRows ?? GLYPH_ROWS;
  const imageColumns = options.imageColumns ?? GLYPH_COLUMNS;
  for (const [name, value, minimum] of [['scale', scale, 1], ['gap', gap, 0], ['bandGap', bandGap, 0], ['margin', margin, 0],
    ['imageRows', imageRows, 1], ['imageColumns', imageColumns, 1]] as const) {
    if (!Number.isInteger(value) || value < minimum) throw new RangeError(`mosaic ${name} must be an integer >= ${minimum}, got ${value}`);
  }
  if (!Number.isInteger(glyphCount) || glyphCount < 1) throw new RangeError(`a mosaic needs at least one glyph, got ${glyphCount}`);
  if (!Number.isInteger(lineCount) || lineCount < 1) throw new RangeError(`a mosaic needs at least one line, got ${lineCount}`);
  const requestedColumns = options.columns ?? 16;
  if (!Number.isInteger(requestedColumns) || requestedColumns < 1) throw new RangeError(`mosaic columns must be a positive integer, got ${requestedColumns}`);
  const columns = Math.min(requestedColumns, glyphCount);
  const bands = Math.ceil(glyphCount / columns);
  const cellWidth = imageColumns * scale;
  const cellHeight = imageRows * scale;
  const bandHeight = lineCount * cellHeight + (lineCount - 1) * gap;
  return {
    width: 2 * margin + columns * cellWidth + (columns - 1) * gap,
    height: 2 * margin + bands * bandHeight + (bands - 1) * bandGap,
    columns,
    bands,
    scale,
    /** Top-left screen pixel of glyph `glyphIndex` in mosaic line `line`. */
    cellOrigin(line: number, glyphIndex: number): { x: number; y: number } {
      const band = Math.floor(glyphIndex / columns);
      const column = glyphIndex % columns;
      return {
        x: margin + column * (cellWidth + gap),
        y: margin + band * (bandHeight + bandGap) + line * (cellHeight + gap),
      };
    },
  };
}

/** The colour of one glyph pixel. NaN (a diverged model) draws mid-grey and counts as no ink. */
function glyphPixelColour(value: number, target: number | undefined, threshold: number): Rgb {
  // NaN >= threshold is false: a NaN pixel is never extra ink, and missing where the target has ink.
  if (target !== undefined && (value >= threshold) !== (target >= 0.5)) {
    return target >= 0.5 ? MOSAIC_COLOURS.missing : MOSAIC_COLOURS.extra;
  }
  const grey = Math.round(255 * (1 - (Number.isNaN(value) ? 0.5 : Math.min(1, Math.max(0, value)))));
  return [grey, grey, grey];
}

/** The mosaic as raw RGBA pixels (see glyphMosaicPng). */
export function glyphMosaicImage(rows: readonly GlyphImageRow[], options: GlyphMosaicOptions = {}): { width: number; height: number; rgba: Uint8Array } {
  const glyphCount = Math.max(0, ...rows.map((row) => row.images.length));
  const layout = glyphMosaicLayout(glyphCount, rows.length, options);
  const threshold = options.threshold ?? 0.5;
  const imageRows = options.imageRows ?? GLYPH_ROWS;
  const imageColumns = options.imageColumns ?? GLYPH_COLUMNS;
  const pixels = imageRows * imageColumns;
  const { width, height, scale } = layout;
  const rgba = new Uint8Array(width * height * 4);
  const [br, bg, bb] = MOSAIC_COLOURS.background;
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = br; rgba[i + 1] = bg; rgba[i + 2] = bb; rgba[i + 3] = 255;
  }
  rows.forEach((row, line) => {
    if (row.targets && row.targets.length !== row.images.length) {
      throw new RangeError(`mosaic line ${line}: ${row.targets.length} targets for ${row.images.length} images`);
    }
    row.images.forEach((image, glyphIndex) => {
      const target = row.targets?.[glyphIndex];
      if (image.length !== pixels || (target && target.length !== pixels)) {
        throw new RangeError(`mosaic line ${line}, glyph ${glyphIndex}: images and targets need ${pixels} values (${imageRows} x ${imageColumns})`);
      }
      const origin = layout.cellOrigin(line, glyphIndex);
      for (let py = 0; py < imageRows; py++) {
        for (let px = 0; px < imageColumns; px++) {
          const pixel = py * imageColumns + px;
          const [r, g, b] = glyphPixelColour(image[pixel], target?.[pixel], threshold);
          for (let dy = 0; dy < scale; dy++) {
            let at = ((origin.y + py * scale + dy) * width + origin.x + px * scale) * 4;
            for (let dx = 0; dx < scale; dx++, at += 4) {
              rgba[at] = r; rgba[at + 1] = g; rgba[at + 2] = b;
            }
          }
        }
      }
    });
  });
  return { width, height, rgba };
}

/**
 * A grid of glyph images as a PNG: grey levels for continuous outputs (white 0 to black 1), each
 * glyph pixel a `scale`-pixel square, and — for lines with targets — red where ink is missing and
 * blue where there is extra ink. For "originals over reconstructions" of 32 glyphs:
 *
 *     glyphMosaicPng([{ label: 'originals', images: bits },
 *                     { label: 'reconstructions', images: outputs, targets: bits }], { columns: 8 })
 */
export function glyphMosaicPng(rows: readonly GlyphImageRow[], options: GlyphMosaicOptions = {}): Uint8Array {
  const image = glyphMosaicImage(rows, options);
  return encodePng(image.width, image.height, image.rgba);
}

/** A one-line caption naming the lines of each band and, when errors are coloured, the colours. */
export function glyphMosaicCaption(rows: readonly GlyphImageRow[]): string {
  const names = rows.map((row, i) => row.label ?? `line ${i + 1}`);
  const parts = [rows.length > 1 ? `Top to bottom in each band: ${names.join(' / ')}.` : `${names[0] ?? ''}.`];
  if (rows.some((row) => row.targets)) parts.push('Red: ink missing; blue: extra ink; grey: output level (black = 1).');
  return parts.join(' ').trim();
}

/**
 * In tslab, shows the PNG and a caption under it and returns nothing, so that a cell ending in this
 * call does not also print the bytes. Outside tslab it shows nothing and returns the bytes.
 * With `name`, the output after the image (the caption, or an empty marker) carries the name for
 * report exporters (see captionHtml).
 */
export function displayPng(bytes: Uint8Array, caption?: string, options: { name?: string } = {}): Uint8Array | undefined {
  const display = notebookDisplay();
  if (!display) return bytes;
  display.png(bytes);
  if (caption || options.name !== undefined) display.html(captionHtml(caption ?? '', options.name));
  return undefined;
}

let mosaicCounter = 0;

/**
 * glyphMosaicPng + displayPng, captioned with glyphMosaicCaption unless a caption is given, and
 * named for report exporters (`name`, default `mosaic-N` counting the mosaics shown in this kernel).
 */
export function showGlyphMosaic(rows: readonly GlyphImageRow[], options: ShowGlyphMosaicOptions = {}): Uint8Array | undefined {
  mosaicCounter++;
  const png = glyphMosaicPng(rows, options);
  return displayPng(png, options.caption ?? glyphMosaicCaption(rows), { name: options.name ?? `mosaic-${mosaicCounter}` });
}
