/** Files written whole or not at all, so an interrupted run never leaves half a file behind; files read with errors that say which. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes a file whole or not at all: a temporary sibling, then a rename. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, file);
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    throw err;
  }
}

/** Reads a file; an error names the file and what it was for (`what`, e.g. "model file"). */
export function readFileOrExplain(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`Cannot read the ${what} ${file}${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}.`);
  }
}
