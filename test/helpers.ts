/** Shared by the tests: the project's paths and the course's files where ../shared exists. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** build/test -> the project root. */
export const projectRoot = path.resolve(__dirname, '..', '..');
export const courseFontDir = path.resolve(projectRoot, '..', 'shared', 'datasets', 'course-font');
export const courseFontPath = path.join(courseFontDir, 'font.h');
/** A skip reason when the course's files are absent, else false. */
export const skipWithoutCourseFont: string | false = fs.existsSync(courseFontPath)
  ? false
  : `../shared/datasets/course-font is absent (${courseFontDir}): course-font tests skipped`;

const scratchDirs: string[] = [];
process.on('exit', () => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/**
 * A skip reason for the slow tests under `npm run mutate` (Stryker's tap runner sets
 * STRYKER_NAMESPACE): trainings, and Monte Carlo runs that the instrumented code makes ten times
 * slower. The mutation score is measured against the fast unit tests; else false.
 */
export const skipUnderMutation: string | false = process.env.STRYKER_NAMESPACE
  ? 'slow under npm run mutate, which measures the fast unit tests (README, Tests)'
  : false;

/**
 * The scripts that `text` (an output, a notebook file or an HTML export) carries gzip-packed
 * (display.packedBundleElement), unpacked as the browser would. Base64 needs no escaping in JSON, so
 * the payload reads the same in a .ipynb file, only its quotes escaped.
 */
export function packedScripts(text: string): string[] {
  return [...text.matchAll(/var packed = \\?"([A-Za-z0-9+/=]+)\\?";/g)].map((m) => zlib.gunzipSync(Buffer.from(m[1], 'base64')).toString('utf8'));
}
