/** Shared by the browser tests: what a page said and fetched, skip reasons, and where screenshots go. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { browserUnavailable } from '../scripts/report';
import { projectRoot } from './helpers';

/** Where the screenshots for a person go: reports/screenshots/ (AE_SCREENSHOTS_DIR overrides). */
export const screenshotsDir = process.env.AE_SCREENSHOTS_DIR
  ? path.resolve(process.env.AE_SCREENSHOTS_DIR)
  : path.join(projectRoot, 'reports', 'screenshots');

/** Jupyter with nbconvert and the classic Notebook, or why not. */
export function jupyterUnavailable(): string | null {
  const check = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (check.error || check.status !== 0) return 'Jupyter (jupyter nbconvert) is not installed: apt-get install jupyter-notebook jupyter-nbconvert';
  return null;
}

/** Why the browser tests cannot run here (no Chromium, no playwright-core, no Jupyter), or false. */
export function browserTestSkip(what: string): string | false {
  const reason = browserUnavailable() ?? jupyterUnavailable();
  if (!reason) return false;
  return `${what} skipped: ${reason}`;
}

/**
 * A message a page may log, or a request that may fail, without failing a test: `pattern` is tried
 * on the message's text and on the address it is about (a console message's source, a failed
 * request's URL). Each needs a reason; nothing else is ignored. The exported HTML pages log
 * nothing at all today, so only the live Notebook's own chatter is allowed anywhere.
 */
export interface Allowed { pattern: RegExp; why: string }

function allowedFor(allowed: Allowed[] | undefined, text: string, url: string): Allowed | undefined {
  return allowed?.find((a) => a.pattern.test(text) || (url !== '' && a.pattern.test(url)));
}

/**
 * Records what goes wrong on a page: uncaught exceptions, console errors and warnings (unless
 * allowed), failed requests and HTTP errors, and — for pages that must work offline — any request
 * to the network, which is also refused, so that a page needing the network fails the same way
 * on every machine.
 */
export class PageWatch {
  readonly problems: string[] = [];
  readonly allowedSeen: string[] = [];

  private constructor() {}

  static async on(page: Page, options: { allowed?: Allowed[]; offline?: boolean; levels?: string[] } = {}): Promise<PageWatch> {
    const watch = new PageWatch();
    const levels = options.levels ?? ['error', 'warning'];
    page.on('pageerror', (err) => watch.problems.push(`uncaught exception: ${err.message}`));
    page.on('console', (message) => {
      if (!levels.includes(message.type())) return;
      const text = `console.${message.type()}: ${message.text()}`;
      const allowed = allowedFor(options.allowed, message.text(), message.location().url ?? '');
      if (allowed) watch.allowedSeen.push(`${text} (allowed: ${allowed.why})`);
      else watch.problems.push(text);
    });
    page.on('requestfailed', (request) => {
      // Refused by the offline route below, which reports it already.
      if (options.offline && /^(https?|wss?):/.test(request.url())) return;
      const text = `request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`;
      const allowed = allowedFor(options.allowed, text, request.url());
      if (allowed) watch.allowedSeen.push(`${text} (allowed: ${allowed.why})`);
      else watch.problems.push(text);
    });
    page.on('response', (response) => {
      if (response.status() < 400) return;
      const text = `HTTP ${response.status()} for ${response.url()}`;
      const allowed = allowedFor(options.allowed, text, response.url());
      if (allowed) watch.allowedSeen.push(`${text} (allowed: ${allowed.why})`);
      else watch.problems.push(text);
    });
    if (options.offline) {
      await page.route(/^(https?|wss?):/, async (route) => {
        watch.problems.push(`network request from a page that must work offline: ${route.request().url()}`);
        await route.abort('internetdisconnected');
      });
    }
    return watch;
  }
}

/** Saves a full-page screenshot into screenshotsDir and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 60_000 });
  return file;
}

/** The first 8 bytes of every PNG file. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
