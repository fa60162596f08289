/**
 * Glyph fonts in the course's C-header format:
 *
 *     int const Font3[32][7] = {
 *        {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},   // 0x60, `
 *        ...
 *     };
 *
 * Each row of 7 numbers is one glyph, top row first; in each number bit 4 (0x10) is the leftmost of
 * the 5 pixels and bits above the low 5 are ignored, as the course does.
 */
import * as fs from 'node:fs';

export const GLYPH_ROWS = 7;
export const GLYPH_COLUMNS = 5;
export const GLYPH_PIXELS = GLYPH_ROWS * GLYPH_COLUMNS;

export interface Glyph {
  /** Character code: the first comment's code plus the row's position (comments can be wrong). */
  code: number;
  /** The character as the trailing comment names it (`a`, `space`, `DEL`), else the character itself. */
  label: string;
  /** The 7 row values as written, masked to the low 5 bits. */
  rows: number[];
  /** 35 pixels, 0 or 1, row-major, top row first, leftmost pixel first. */
  bits: number[];
  /** 1-based line of the glyph in its file. */
  line: number;
}

export interface FontArray {
  name: string;
  glyphs: Glyph[];
  /** Oddities that are not errors, e.g. a comment whose code disagrees with the row's position. */
  warnings: string[];
}

/** A font chosen for training: one array of one file. */
export interface Font extends FontArray {
  file: string;
}

/** Bad input: the message starts with `file:line:` so an editor can jump to it. */
export class FontFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'FontFormatError';
  }
}

type Token = { kind: 'punct' | 'word' | 'comment'; text: string; line: number };

/**
 * One token or gap of C source: a newline, blanks, a `//` comment, a block comment (or an unclosed
 * one, to the end), a preprocessor line (no glyphs there), punctuation, a word, or a stray character.
 */
const TOKEN = /(\n)|[ \t\r\f\v]+|\/\/([^\n]*)|(\/\*[\s\S]*?(?:\*\/|$))|#[^\n]*|([{}[\]=,;])|([^\s{}[\]=,;/#]+|[\s\S])/gy;

/**
 * Splits C source into words, punctuation and line comments. A `//` comment ends at its line's end
 * even when it ends in a backslash (`// 0x5c, \\`): the course's files rely on that, though a C
 * compiler would splice the next line in.
 */
function tokenize(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(source); m; m = TOKEN.exec(source)) {
    const [, newline, comment, block, punct, word] = m;
    if (newline) line++;
    else if (comment !== undefined) tokens.push({ kind: 'comment', text: comment.trim(), line });
    else if (block) {
      if (!block.endsWith('*/')) throw new FontFormatError(file, line, 'unclosed block comment /*');
      line += block.split('\n').length - 1;
    } else if (punct) tokens.push({ kind: 'punct', text: punct, line });
    else if (word) tokens.push({ kind: 'word', text: word, line });
  }
  return tokens;
}

/** C integer literals: hex, binary, octal (a leading 0) or decimal, with any u/l suffix. */
function parseNumber(token: Token, file: string): number {
  const m = /^(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0([0-7]+)|([0-9]+))[uUlL]*$/.exec(token.text);
  if (!m) throw new FontFormatError(file, token.line, `"${token.text}" is not a number (expected e.g. 0x1f or 31)`);
  const [, hex, binary, octal, decimal] = m;
  return hex ? parseInt(hex, 16) : binary ? parseInt(binary, 2) : octal ? parseInt(octal, 8) : parseInt(decimal, 10);
}

/** `0x61, a` -> code 0x61, label "a"; `0x5c, \\` -> label "\"; anything else -> null. */
function parseLabelComment(text: string): { code: number; label: string } | null {
  const m = /^(0[xX][0-9a-fA-F]+|\d+)\s*,?\s*(.*)$/.exec(text);
  if (!m) return null;
  const label = m[2].trim();
  return { code: Number(m[1]), label: label === '\\\\' ? '\\' : label };
}

function defaultLabel(code: number): string {
  if (code === 0x20) return 'space';
  if (code === 0x7f) return 'DEL';
  if (code < 0x20 || code > 0x7e) return `0x${code.toString(16).padStart(2, '0')}`;
  return String.fromCharCode(code);
}

export function bitsOfRows(rows: readonly number[]): number[] {
  const bits: number[] = [];
  for (const row of rows) for (let col = 0; col < GLYPH_COLUMNS; col++) bits.push((row >> (GLYPH_COLUMNS - 1 - col)) & 1);
  return bits;
}

/**
 * Parses every `NAME[rows][7] = { {..7 values..}, ... };` array of a C header, by name, in file order.
 * Throws a FontFormatError naming the file and line for malformed input.
 */
export function parseFontHeader(source: string, file = '<font header>'): Record<string, FontArray> {
  const tokens = tokenize(source, file);
  // A Map, not an object: names like `toString` or `__proto__` must not collide with Object.prototype.
  const arrays = new Map<string, FontArray>();
  let i = 0;
  const peek = (k = 0): Token | undefined => tokens[i + k];
  const isPunct = (t: Token | undefined, text: string): boolean => t !== undefined && t.kind === 'punct' && t.text === text;
  const lastLine = tokens.length ? tokens[tokens.length - 1].line : 1;

  while (i < tokens.length) {
    // Look for  NAME [ dim? ] [ dim? ] =  ; everything else up to ';' is skipped.
    const t = tokens[i];
    if (t.kind === 'word' && isPunct(peek(1), '[')) {
      const name = t.text;
      const dims: (number | null)[] = [];
      let k = i + 1;
      while (isPunct(tokens[k], '[')) {
        const inner = tokens[k + 1];
        if (isPunct(inner, ']')) { dims.push(null); k += 2; continue; }
        if (!inner || !isPunct(tokens[k + 2], ']')) throw new FontFormatError(file, t.line, `malformed size in declaration of ${name}`);
        dims.push(parseNumber(inner, file));
        k += 3;
      }
      if (isPunct(tokens[k], '=') && isPunct(tokens[k + 1], '{')) {
        if (dims.length !== 2) {
          throw new FontFormatError(file, t.line, `${name} has ${dims.length} dimension(s); a font is NAME[glyphs][7]`);
        }
        if (dims[1] !== null && dims[1] !== GLYPH_ROWS) {
          throw new FontFormatError(file, t.line, `${name} declares ${dims[1]} rows per glyph; a 5x7 glyph has 7`);
        }
        if (arrays.has(name)) throw new FontFormatError(file, t.line, `a second array named ${name}`);
        i = k + 1;
        arrays.set(name, parseInitializer(name, dims[0]));
        continue;
      }
    }
    i++;
  }

  if (arrays.size === 0) {
    throw new FontFormatError(file, null, 'no font array found (expected e.g. `int const Font3[32][7] = { {0x04, ...}, ... };`)');
  }
  return Object.fromEntries(arrays);

  function parseInitializer(name: string, declaredGlyphs: number | null): FontArray {
    const open = tokens[i];
    i++; // past '{'
    const rowsRead: { line: number; values: number[]; comment: { code: number; label: string } | null }[] = [];
    for (;;) {
      const t = peek();
      if (!t) throw new FontFormatError(file, open.line, `the brace opened here for ${name} is never closed (file ends at line ${lastLine})`);
      if (t.kind === 'comment') { i++; continue; }
      if (isPunct(t, ',')) { i++; continue; }
      if (isPunct(t, '}')) { i++; break; }
      if (isPunct(t, ';')) throw new FontFormatError(file, t.line, `';' inside ${name}: the brace opened at line ${open.line} is not closed`);
      if (!isPunct(t, '{')) throw new FontFormatError(file, t.line, `expected '{' starting a glyph row in ${name}, found "${t.text}"`);
      const rowOpen = t;
      i++;
      const values: number[] = [];
      for (;;) {
        const v = peek();
        if (!v) throw new FontFormatError(file, rowOpen.line, `the glyph row opened here is never closed`);
        if (v.kind === 'comment') { i++; continue; }
        if (isPunct(v, '}')) { i++; break; }
        if (isPunct(v, ',')) { i++; continue; }
        if (v.kind === 'punct') {
          throw new FontFormatError(file, rowOpen.line, `the glyph row opened here is not closed: found '${v.text}' at line ${v.line} before its '}'`);
        }
        values.push(parseNumber(v, file));
        i++;
      }
      if (values.length !== GLYPH_ROWS) {
        throw new FontFormatError(file, rowOpen.line, `a glyph row has ${values.length} value(s); each glyph has exactly ${GLYPH_ROWS}`);
      }
      const endLine = tokens[i - 1].line;
      // The label is the comment on the line where the row ends (after an optional comma).
      let comment: { code: number; label: string } | null = null;
      let k = i;
      if (isPunct(tokens[k], ',') && tokens[k].line === endLine) k++;
      if (tokens[k]?.kind === 'comment' && tokens[k].line === endLine) comment = parseLabelComment(tokens[k].text);
      rowsRead.push({ line: rowOpen.line, values, comment });
    }
    if (declaredGlyphs !== null && declaredGlyphs !== rowsRead.length) {
      throw new FontFormatError(file, open.line, `${name} is declared with ${declaredGlyphs} glyphs but has ${rowsRead.length} rows`);
    }
    if (rowsRead.length === 0) throw new FontFormatError(file, open.line, `${name} has no glyph rows`);

    // Codes count up from the first labelled row's code (0 when no row is labelled), so an unlabelled
    // first row still gets the code just before its labelled neighbour.
    const firstLabelled = rowsRead.findIndex((r) => r.comment !== null);
    const firstCode = firstLabelled < 0 ? 0 : rowsRead[firstLabelled].comment!.code - firstLabelled;
    const glyphs: Glyph[] = [];
    const warnings: string[] = [];
    rowsRead.forEach(({ line, values, comment }, index) => {
      const code = firstCode + index;
      if (comment && comment.code !== code) {
        warnings.push(`${file}:${line}: the comment says 0x${comment.code.toString(16)} but the row's position in ${name} makes it 0x${code.toString(16)}; the position is used`);
      }
      const rows = values.map((value) => value & 0x1f);
      glyphs.push({ code, label: comment?.label || defaultLabel(code), rows, bits: bitsOfRows(rows), line });
    });
    return { name, glyphs, warnings };
  }
}

/**
 * Reads a header file and picks one array: `arrayName`, or the only array the file has.
 * Errors name the file and, for a wrong `arrayName`, the arrays that exist.
 */
export function loadFont(path: string, arrayName?: string | null): Font {
  let source: string;
  try {
    source = fs.readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `font file not found: ${path}` : `cannot read font file ${path}: ${(err as Error).message}`);
  }
  const arrays = parseFontHeader(source, path);
  const names = Object.keys(arrays);
  let chosen: string;
  if (arrayName) {
    if (!Object.hasOwn(arrays, arrayName)) throw new Error(`${path} has no array named "${arrayName}"; it has ${names.join(', ')}`);
    chosen = arrayName;
  } else if (names.length === 1) {
    chosen = names[0];
  } else {
    throw new Error(`${path} has ${names.length} arrays (${names.join(', ')}): choose one with fontName`);
  }
  return { file: path, ...arrays[chosen] };
}

/** The glyphs' pixels as rows of 35 zeros and ones, the autoencoder's input. */
export function glyphBits(font: Pick<FontArray, 'glyphs'>): number[][] {
  return font.glyphs.map((g) => g.bits.slice());
}
