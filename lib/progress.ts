/**
 * Live progress as one line that rewrites itself: an updating display in a notebook (tslab's
 * display_id), a carriage-return line on a terminal, nothing in a non-interactive log.
 */
import { newNotebookDisplay } from './display';

export interface ProgressLine {
  update(text: string): void;
  /** Writes the final state once more (not rate-limited). */
  done(text: string): void;
}

/** Updates closer together than this are dropped: each one redraws a notebook output. */
const MIN_INTERVAL_MS = 250;

/** A progress line for the current context; at most one update per MIN_INTERVAL_MS. */
export function progressLine(): ProgressLine {
  const display = newNotebookDisplay();
  let last = 0;
  let width = 0;
  const write = (text: string, final: boolean): void => {
    if (display) {
      display.text(text);
    } else if (process.stderr.isTTY) {
      process.stderr.write('\r' + text.padEnd(width) + (final ? '\n' : ''));
      width = text.length;
    }
  };
  return {
    update(text: string) {
      const now = Date.now();
      if (now - last < MIN_INTERVAL_MS) return;
      last = now;
      write(text, false);
    },
    done(text: string) {
      write(text, true);
    },
  };
}

/** A sink that remembers every line; for tests and for quiet runs. */
export function silentProgress(): ProgressLine & { lines: string[] } {
  const lines: string[] = [];
  return { lines, update: (t) => { lines.push(t); }, done: (t) => { lines.push(t); } };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  return `${m} min ${String(s).padStart(2, '0')} s`;
}
