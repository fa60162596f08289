/**
 * The latent explorer: a self-contained page widget that decodes the latent plane under the pointer,
 * without the kernel. Its browser script is lib/pages/browser/explorer.
 */
import { randomBytes } from 'node:crypto';
import { Autoencoder } from '../autoencoder';
import { escapeHtml, showHtml } from '../display';
import { CAPTION_STYLE } from '../figures/caption';
import { GLYPH_COLUMNS, GLYPH_ROWS } from '../font';
import { binarize, checkPlanar, LatentBox } from '../latent';
import { decoderNetwork } from './decoder';
import { pageScriptElement } from './script';

export interface LatentExplorerSpec {
  model: Autoencoder;
  /** The training glyphs (0/1 pixels) and their names: the nearest one is named under the pointer. */
  glyphs: ReadonlyArray<ArrayLike<number>>;
  labels: string[];
  /** Their codes, drawn as labelled dots. */
  codes: number[][];
  /** The part of the plane shown. */
  box: LatentBox;
  /** Decoded glyphs at least this many pixels from every training glyph are shaded as new. Default 3. */
  minDistance?: number;
  /** Extra points to mark, e.g. the new letters found. */
  marks?: { point: number[]; label: string }[];
  /** One line under the widget. */
  caption?: string;
}

/** The plane's shades, in the page and in its legend: where the decoded glyph is a training glyph, a variant of one, or new. */
const SHADES = { near: '#ffffff', variant: '#e2e8f0', fresh: '#fde68a' };

/**
 * A self-contained widget: the latent plane on a canvas, and under the pointer the decoded glyph,
 * the nearest training glyph with its name and distance, and the decoder's confidence. The decoder's
 * weights are in the page and the page's own decoder (DECODER_JS) decodes there, so it works offline
 * and without a kernel (in a live notebook, in the HTML export, in any saved copy whose outputs are trusted).
 */
export function latentExplorerHtml(spec: LatentExplorerSpec): string {
  const { codes, minDistance = 3 } = spec;
  checkPlanar(codes, 'The codes');
  if (spec.labels.length !== spec.glyphs.length || codes.length !== spec.glyphs.length) {
    throw new Error(`latentExplorerHtml: ${spec.glyphs.length} glyphs, ${spec.labels.length} labels and ${codes.length} codes; they must match.`);
  }
  const size = 440; // the plane's side, in CSS pixels
  const data: LatentExplorerData = {
    net: decoderNetwork(spec.model), glyphs: spec.glyphs.map((g) => binarize(g)), labels: spec.labels, codes, box: spec.box,
    minDistance, shades: SHADES, marks: spec.marks ?? [], rows: GLYPH_ROWS, columns: GLYPH_COLUMNS, size,
  };
  const id = `ae-explorer-${randomBytes(6).toString('hex')}`;
  const swatch = (colour: string): string => `<span style="display:inline-block;width:10px;height:10px;background:${colour};border:1px solid #94a3b8;margin:0 4px 0 10px"></span>`;
  const caption = spec.caption ? `<div style="${CAPTION_STYLE}">${escapeHtml(spec.caption)}</div>` : '';
  return [
    `<div id="${id}" class="ae-explorer" style="font: 13px/1.4 system-ui, sans-serif; color: #0f172a;">`,
    '<div style="display:flex; gap:16px; align-items:flex-start; flex-wrap:wrap;">',
    `<canvas class="ae-plane" style="cursor:crosshair; touch-action:none; width:${size}px; height:${size}px; background:#f1f5f9;"></canvas>`,
    '<div>',
    '<div style="margin-bottom:4px;">decoded under the pointer</div><canvas class="ae-decoded" style="background:#cbd5e1"></canvas>',
    '<div style="margin:8px 0 4px 0;">nearest training glyph</div><canvas class="ae-nearest" style="background:#cbd5e1"></canvas>',
    '</div></div>',
    '<div class="ae-info" style="margin-top:6px; min-height:1.4em;">This explorer needs JavaScript (and, in Jupyter, a trusted notebook).</div>',
    `<div style="color:#475569; margin-top:2px;">Background:${swatch(SHADES.near)}a training glyph (≤ 1 pixel off)` +
      (minDistance > 2 ? `${swatch(SHADES.variant)}a variant (${minDistance > 3 ? `2–${minDistance - 1}` : '2'} pixels)` : '') +
      `${swatch(SHADES.fresh)}a new glyph (≥ ${minDistance} pixels from every training glyph). Diamonds: new letters found by the search.</div>`,
    '</div>',
    caption,
    pageScriptElement('explorer', 'startLatentExplorer', [id, data]),
  ].join('\n');
}

/** Shows the explorer in tslab and returns nothing; elsewhere returns its HTML. */
export function showLatentExplorer(spec: LatentExplorerSpec): string | undefined {
  return showHtml(latentExplorerHtml(spec));
}
