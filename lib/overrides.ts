/**
 * Parameter overrides for headless runs, papermill-style: the notebook's first code cell (tagged
 * `parameters`) declares every knob with `let`; `npm run reproduce -- 01 epochs=200` inserts a
 * cell tagged `injected-parameters` right after it that assigns the new values, so the executed
 * copy records what was changed.
 */

export type ParameterValue = number | string | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };
export type Overrides = Record<string, ParameterValue>;

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata?: { tags?: string[]; [key: string]: unknown };
  [key: string]: unknown;
}

export interface NotebookDocument {
  cells: NotebookCell[];
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `name=value` arguments to values: JSON where the value is JSON (`0.01`, `[35,2,35]`, `null`,
 * `"a b"`, `true`), otherwise the text itself (`fontPath=../x.h`).
 */
export function parseOverrides(args: readonly string[]): Overrides {
  const overrides: Overrides = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new Error(`"${arg}" is not a parameter override; write name=value, e.g. epochs=200.`);
    const name = arg.slice(0, eq).trim();
    if (!IDENTIFIER.test(name)) throw new Error(`"${name}" (in "${arg}") is not a parameter name.`);
    if (name in overrides) throw new Error(`parameter ${name} is given twice.`);
    const text = arg.slice(eq + 1).trim();
    if (text === '') throw new Error(`parameter ${name} has no value; write ${name}=value.`);
    overrides[name] = parseValue(text);
  }
  return overrides;
}

function parseValue(text: string): ParameterValue {
  try {
    return JSON.parse(text) as ParameterValue;
  } catch {
    if (/^[[{]/.test(text)) throw new Error(`"${text}" looks like a list or object but is not valid JSON.`);
    return text;
  }
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

function parametersCellIndex(notebook: NotebookDocument, file = 'notebook'): number {
  const index = notebook.cells.findIndex((c) => c.cell_type === 'code' && (c.metadata?.tags ?? []).includes('parameters'));
  if (index < 0) throw new Error(`${file} has no code cell tagged "parameters".`);
  const firstCode = notebook.cells.findIndex((c) => c.cell_type === 'code');
  if (index !== firstCode) throw new Error(`${file}: the parameters cell must be the first code cell.`);
  return index;
}

/** Names declared at the top level of a parameters cell, and which of them are `const`. */
export function declaredParameters(source: string): { names: string[]; constants: string[] } {
  const names: string[] = [];
  const constants: string[] = [];
  for (const match of source.matchAll(/^(let|var|const)\s+([A-Za-z_$][\w$]*)/gm)) {
    names.push(match[2]);
    if (match[1] === 'const') constants.push(match[2]);
  }
  return { names, constants };
}

/**
 * A copy of the notebook with the overrides injected after its parameters cell. Unknown names are
 * an error listing the notebook's parameters; so is an empty override set's absence of a cell.
 */
export function injectParameters(notebook: NotebookDocument, overrides: Overrides, file = 'notebook'): NotebookDocument {
  const copy = JSON.parse(JSON.stringify(notebook)) as NotebookDocument;
  const index = parametersCellIndex(copy, file);
  const { names, constants } = declaredParameters(cellSource(copy.cells[index]));
  const given = Object.keys(overrides);
  const unknown = given.filter((n) => !names.includes(n));
  if (unknown.length) {
    throw new Error(`${file} has no parameter ${unknown.join(', ')}; its parameters are: ${names.join(', ')}.`);
  }
  const fixed = given.filter((n) => constants.includes(n));
  if (fixed.length) throw new Error(`${file}: parameter ${fixed.join(', ')} is declared with const and cannot be overridden.`);
  // Drop an earlier injection so that re-injecting does not stack cells.
  copy.cells = copy.cells.filter((c) => !(c.metadata?.tags ?? []).includes('injected-parameters'));
  if (given.length === 0) return copy;
  // A block, not bare assignments: tslab would echo the value of a cell's last expression.
  const lines = ['// Parameters injected by `npm run reproduce` (they replace the values above)', '{'];
  for (const name of given) lines.push(`  ${name} = ${JSON.stringify(overrides[name])};`);
  lines.push('}');
  const cell: NotebookCell = {
    cell_type: 'code',
    execution_count: null,
    metadata: { tags: ['injected-parameters'] },
    outputs: [],
    source: lines.join('\n'),
  };
  copy.cells.splice(index + 1, 0, cell);
  return copy;
}
