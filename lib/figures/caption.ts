/** The line under a figure, shared by Plotly figures, images and page widgets. */
import { escapeHtml } from '../display';

export const CAPTION_STYLE = 'font: 13px/1.4 system-ui, sans-serif; color: #444; margin: 4px 0 12px 0;';

/**
 * The caption under a figure. `name` (for a PNG shown with displayPng) goes into a
 * `data-figure-name` attribute, so that a report exporter reading the saved notebook can name the
 * image that precedes it; tslab's display cannot attach metadata to the image itself.
 */
export function captionHtml(caption: string, name?: string): string {
  const nameAttribute = name === undefined ? '' : ` data-figure-name="${escapeHtml(name)}"`;
  return `<div class="ts-figure-caption"${nameAttribute} style="${CAPTION_STYLE}">${escapeHtml(caption)}</div>`;
}
