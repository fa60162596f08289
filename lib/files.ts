/** Files written whole or not at all, so an interrupted run never leaves half a file behind. */
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
