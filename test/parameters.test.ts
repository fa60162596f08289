/**
 * Each notebook's knobs are declared once (lib/notebooks/<notebook>.ts, `parameters`); its
 * parameters cell holds the same names with the same defaults as plain `let` lines.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { describe, test } from 'node:test';
import * as ts from 'typescript';
import { parameterDefaults, Knob } from '../lib/params';
import { projectRoot } from './helpers';

const notebooksDir = path.join(projectRoot, 'notebooks');
const notebooks = fs.readdirSync(notebooksDir).filter((f) => f.endsWith('.ipynb')).sort();

interface Cell { cell_type: string; source: string | string[]; metadata?: { tags?: string[] } }

/** The names and values of a parameters cell's `let` lines, evaluated as the kernel would. */
function cellValues(source: string): Record<string, unknown> {
  const names = [...source.matchAll(/^let\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
  // Through JSON: values made in another realm are not deep-equal to this realm's (prototypes).
  return JSON.parse(JSON.stringify(vm.runInNewContext(`${js}\n({ ${names.join(', ')} })`))) as Record<string, unknown>;
}

describe('every knob is declared once', () => {
  for (const file of notebooks) {
    test(file, () => {
      const cells = (JSON.parse(fs.readFileSync(path.join(notebooksDir, file), 'utf8')) as { cells: Cell[] }).cells;
      const parametersCells = cells.filter((c) => c.metadata?.tags?.includes('parameters'));
      assert.equal(parametersCells.length, 1, 'one cell tagged parameters');
      const source = ([] as string[]).concat(parametersCells[0].source).join('');
      const nonLet = source.split('\n').filter((l) => l.trim() !== '' && !/^\s*\/\//.test(l) && !/^let\s/.test(l) && !/^\s/.test(l) && !/^[\]}]/.test(l));
      assert.deepEqual(nonLet, [], 'the parameters cell holds only `let name = value;` lines');

      const modulePath = path.join(projectRoot, 'build', 'lib', 'notebooks', file.replace(/\.ipynb$/, '.js'));
      assert.ok(fs.existsSync(modulePath), `lib/notebooks/${file.replace(/\.ipynb$/, '.ts')} declares this notebook's parameters`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const declaration = (require(modulePath) as { parameters: Record<string, Knob<unknown>> }).parameters;
      const values = cellValues(source);
      assert.deepEqual(Object.keys(values).sort(), Object.keys(declaration).sort(), 'the same names in the cell and the declaration');
      assert.deepEqual(values, parameterDefaults(declaration), 'the same defaults in the cell and the declaration');
      const code = cells.filter((c) => c.cell_type === 'code').map((c) => ([] as string[]).concat(c.source).join('')).join('\n');
      assert.match(code, /readParameters\(nb\.parameters\)/, 'the notebook reads its knobs through the declaration');
    });
  }
});
