/**
 * Tests of lib/font.ts: the course's C-header fonts, the project's own font, formatting variants
 * the parser must accept, and malformed input it must reject with a `file:line: reason` error.
 *
 * Compiled to build/test/font.test.js; run with `node --test build/test/font.test.js`.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scratchDir } from './helpers';

import {
  FontFormatError,
  bitsOfRows,
  glyphBits,
  loadFont,
  parseFontHeader,
  type Font,
  type FontArray,
  type Glyph,
} from '../lib/font';

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/** The folder holding package.json: build/test -> ../.. (walks up in case the layout changes). */
function findProjectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(__dirname, '../..');
    dir = parent;
  }
}

const projectRoot = findProjectRoot();
const courseDir = path.resolve(projectRoot, '../shared/datasets/course-font');
const courseFontH = path.join(courseDir, 'font.h');
const courseThreeSets = path.join(courseDir, 'fonts-3sets.h');
const projectFontH = path.join(projectRoot, 'data', 'font.h');

const courseFontSkip = fs.existsSync(courseFontH) ? false : `course font absent: ${courseFontH} not found (…/shared absent)`;
const courseThreeSkip = fs.existsSync(courseThreeSets) ? false : `course font absent: ${courseThreeSets} not found (…/shared absent)`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** 0x0e -> [0,1,1,1,0]: the 5 pixels of one row, leftmost (bit 0x10) first, written out by hand below. */
const B: Record<string, number[]> = {
  '00': [0, 0, 0, 0, 0],
  '01': [0, 0, 0, 0, 1],
  '02': [0, 0, 0, 1, 0],
  '04': [0, 0, 1, 0, 0],
  '07': [0, 0, 1, 1, 1],
  '08': [0, 1, 0, 0, 0],
  '0a': [0, 1, 0, 1, 0],
  '0d': [0, 1, 1, 0, 1],
  '0e': [0, 1, 1, 1, 0],
  '0f': [0, 1, 1, 1, 1],
  '10': [1, 0, 0, 0, 0],
  '11': [1, 0, 0, 0, 1],
  '12': [1, 0, 0, 1, 0],
  '13': [1, 0, 0, 1, 1],
  '1c': [1, 1, 1, 0, 0],
  '1f': [1, 1, 1, 1, 1],
};
const bitsOf = (...hex: string[]): number[] => hex.flatMap((h) => {
  const bits = B[h];
  if (!bits) throw new Error(`test helper: no hand-written bits for ${h}`);
  return bits;
});

/** What a glyph means, without its line number (which formatting legitimately moves). */
type GlyphContent = Pick<Glyph, 'code' | 'label' | 'rows' | 'bits'>;
const content = (g: Glyph): GlyphContent => ({ code: g.code, label: g.label, rows: g.rows, bits: g.bits });

function contents(arrays: Record<string, FontArray>): Record<string, GlyphContent[]> {
  const out: Record<string, GlyphContent[]> = {};
  for (const [name, array] of Object.entries(arrays)) out[name] = array.glyphs.map(content);
  return out;
}

function glyphByCode(array: FontArray, code: number): Glyph {
  const g = array.glyphs.find((x) => x.code === code);
  assert.ok(g, `${array.name} has no glyph 0x${code.toString(16)}`);
  return g;
}

/** Asserts that parsing `source` as `file` throws a FontFormatError at exactly `line`, with a reason matching `reason`. */
function assertFontError(source: string, file: string, line: number | null, reason: RegExp): FontFormatError {
  let caught: unknown;
  try {
    parseFontHeader(source, file);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${file} to be rejected, but it parsed`);
  assert.ok(caught instanceof FontFormatError, `expected a FontFormatError, got ${String(caught)}`);
  assert.equal(caught.name, 'FontFormatError');
  assert.equal(caught.file, file);
  assert.equal(caught.line, line, `wrong line in: ${caught.message}`);
  const prefix = line === null ? `${file}: ` : `${file}:${line}: `;
  assert.ok(caught.message.startsWith(prefix), `message should start with "${prefix}": ${caught.message}`);
  assert.equal(caught.message, prefix + caught.reason);
  assert.match(caught.reason, reason);
  return caught;
}

let tmpDir: string | null = null;
function tmpFile(name: string, text: string): string {
  if (tmpDir === null) tmpDir = scratchDir('font-test-');
  const p = path.join(tmpDir, name);
  fs.writeFileSync(p, text);
  return p;
}
process.on('exit', () => {
  if (tmpDir !== null) fs.rmSync(tmpDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Bit order and helpers
// ---------------------------------------------------------------------------------------------

describe('bit order', () => {
  test('bit 0x10 is the leftmost pixel, bit 0x01 the rightmost, top row first', () => {
    assert.deepEqual(bitsOfRows([0x10]), [1, 0, 0, 0, 0]);
    assert.deepEqual(bitsOfRows([0x01]), [0, 0, 0, 0, 1]);
    assert.deepEqual(bitsOfRows([0x04]), [0, 0, 1, 0, 0]);
    assert.deepEqual(bitsOfRows([0x18, 0x03]), [1, 1, 0, 0, 0, 0, 0, 0, 1, 1]);
    assert.deepEqual(
      bitsOfRows([0x10, 0x08, 0x04, 0x02, 0x01, 0x00, 0x1f]),
      [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
    );
  });

  test('bits above the low 5 are ignored (0xff gives 5 ones, 0x20 gives none)', () => {
    assert.deepEqual(bitsOfRows([0xff]), [1, 1, 1, 1, 1]);
    assert.deepEqual(bitsOfRows([0x20]), [0, 0, 0, 0, 0]);
    assert.deepEqual(bitsOfRows([0x31]), [1, 0, 0, 0, 1]);

    const [g] = parseFontHeader('int const F[1][7] = {\n  {0xff, 0x20, 0x31, 0xe0, 0x3f, 0x100, 0x0e}\n};\n', 'mask.h').F.glyphs;
    assert.deepEqual(g.rows, [0x1f, 0x00, 0x11, 0x00, 0x1f, 0x00, 0x0e], 'rows are masked to the low 5 bits');
    assert.deepEqual(g.bits, bitsOf('1f', '00', '11', '00', '1f', '00', '0e'));
    assert.deepEqual(g.bits.slice(0, 5), [1, 1, 1, 1, 1], '0xff gives 5 ones');
  });

  test('glyphBits returns one 35-pixel copy per glyph', () => {
    const array = parseFontHeader(
      'int const F[2][7] = {\n  {0x10, 0, 0, 0, 0, 0, 0x01},  // 0x41, A\n  {0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f}  // 0x42, B\n};\n',
      'gb.h',
    ).F;
    const bits = glyphBits(array);
    assert.equal(bits.length, 2);
    assert.deepEqual(bits[0], [1, ...Array(33).fill(0), 1]);
    assert.deepEqual(bits[1], Array(35).fill(1));
    bits[0][0] = 7;
    assert.equal(array.glyphs[0].bits[0], 1, 'glyphBits must copy, not alias, the glyph bits');
  });
});

// ---------------------------------------------------------------------------------------------
// 1. The course's files
// ---------------------------------------------------------------------------------------------

const FONT3_LABELS = ['`', ...'abcdefghijklmnopqrstuvwxyz', '{', '|', '}', '~', 'DEL'];
const FONT1_LABELS = ['space', ...'!"#$%&\'()*+,-./0123456789:;<=>?'];
const FONT2_LABELS = [...'@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_'];

function assertFont3(array: FontArray, where: string): void {
  assert.equal(array.name, 'Font3');
  assert.equal(array.glyphs.length, 32, `${where}: 32 glyphs`);
  assert.deepEqual(array.glyphs.map((g) => g.code), Array.from({ length: 32 }, (_, k) => 0x60 + k), `${where}: codes 0x60..0x7f in order`);
  assert.deepEqual(array.glyphs.map((g) => g.label), FONT3_LABELS, `${where}: labels from the comments`);
  for (const g of array.glyphs) {
    assert.equal(g.rows.length, 7, `${where}: 0x${g.code.toString(16)} has 7 rows`);
    assert.equal(g.bits.length, 35, `${where}: 0x${g.code.toString(16)} has 35 bits`);
    assert.ok(g.bits.every((b) => b === 0 || b === 1));
    assert.deepEqual(g.bits, bitsOfRows(g.rows));
  }
  assert.deepEqual(array.warnings, [], `${where}: no warnings`);

  // Values read by hand from the file.
  const backtick = glyphByCode(array, 0x60);
  assert.deepEqual(backtick.rows, [0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00]);
  assert.deepEqual(backtick.bits, bitsOf('04', '04', '02', '00', '00', '00', '00'));

  const a = glyphByCode(array, 0x61);
  assert.equal(a.label, 'a');
  assert.deepEqual(a.rows, [0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d]);
  assert.deepEqual(a.bits.slice(0, 15), [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(a.bits, bitsOf('00', '0e', '01', '0d', '13', '13', '0d'));

  const b = glyphByCode(array, 0x62);
  assert.deepEqual(b.rows, [0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c]);
  assert.deepEqual(b.bits, bitsOf('10', '10', '10', '1c', '12', '12', '1c'));

  const bar = glyphByCode(array, 0x7c);
  assert.equal(bar.label, '|');
  assert.deepEqual(bar.rows, [0x04, 0x04, 0x04, 0x00, 0x04, 0x04, 0x04]);

  const tilde = glyphByCode(array, 0x7e);
  assert.deepEqual(tilde.rows, [0x08, 0x15, 0x02, 0x00, 0x00, 0x00, 0x00]);

  const del = glyphByCode(array, 0x7f);
  assert.equal(del.label, 'DEL');
  assert.deepEqual(del.rows, Array(7).fill(0x1f));
  assert.deepEqual(del.bits, Array(35).fill(1));
}

describe('course font.h', () => {
  test('exactly one array, Font3: 32 glyphs 0x60..0x7f with the comments\' labels and the file\'s values', { skip: courseFontSkip }, () => {
    const arrays = parseFontHeader(fs.readFileSync(courseFontH, 'utf8'), courseFontH);
    assert.deepEqual(Object.keys(arrays), ['Font3']);
    assertFont3(arrays.Font3, 'font.h');
    // Line numbers: the array opens on line 5, so 0x60 is on line 6 and 0x7f on line 37.
    assert.equal(glyphByCode(arrays.Font3, 0x60).line, 6);
    assert.equal(glyphByCode(arrays.Font3, 0x61).line, 7);
    assert.equal(glyphByCode(arrays.Font3, 0x7f).line, 37);
  });

  test('loadFont picks the only array without a name', { skip: courseFontSkip }, () => {
    const font: Font = loadFont(courseFontH);
    assert.equal(font.file, courseFontH);
    assert.equal(font.name, 'Font3');
    assertFont3(font, 'loadFont(font.h)');
    assert.equal(loadFont(courseFontH, 'Font3').glyphs.length, 32);
  });
});

describe('course fonts-3sets.h', () => {
  const load = (): Record<string, FontArray> => parseFontHeader(fs.readFileSync(courseThreeSets, 'utf8'), courseThreeSets);

  test('three arrays Font1, Font2, Font3 of 32 glyphs, codes 0x20-0x3f, 0x40-0x5f, 0x60-0x7f', { skip: courseThreeSkip }, () => {
    const arrays = load();
    assert.deepEqual(Object.keys(arrays), ['Font1', 'Font2', 'Font3']);
    const starts: Record<string, number> = { Font1: 0x20, Font2: 0x40, Font3: 0x60 };
    for (const [name, start] of Object.entries(starts)) {
      const array = arrays[name];
      assert.equal(array.name, name);
      assert.equal(array.glyphs.length, 32, `${name}: 32 glyphs`);
      assert.deepEqual(array.glyphs.map((g) => g.code), Array.from({ length: 32 }, (_, k) => start + k), `${name} codes`);
      for (const g of array.glyphs) assert.equal(g.bits.length, 35);
    }
    assert.deepEqual(arrays.Font1.glyphs.map((g) => g.label), FONT1_LABELS);
    assert.deepEqual(arrays.Font2.glyphs.map((g) => g.label), FONT2_LABELS);
    assertFont3(arrays.Font3, 'fonts-3sets.h Font3');
  });

  test('Font1 values read from the file', { skip: courseThreeSkip }, () => {
    const f1 = load().Font1;
    const space = glyphByCode(f1, 0x20);
    assert.equal(space.label, 'space');
    assert.deepEqual(space.bits, Array(35).fill(0));
    const excl = glyphByCode(f1, 0x21);
    assert.equal(excl.label, '!');
    assert.deepEqual(excl.rows, [0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04]);
    assert.deepEqual(excl.bits, bitsOf('04', '04', '04', '04', '04', '00', '04'));
    const comma = glyphByCode(f1, 0x2c);
    assert.equal(comma.label, ',', 'the label of `// 0x2c, ,` is the second comma');
    assert.deepEqual(comma.rows, [0x00, 0x00, 0x00, 0x00, 0x04, 0x04, 0x08]);
    const zero = glyphByCode(f1, 0x30);
    assert.deepEqual(zero.rows, [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e]);
    const question = glyphByCode(f1, 0x3f);
    assert.equal(question.label, '?');
    assert.deepEqual(question.rows, [0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04]);
    assert.equal(question.line, 36);
  });

  test('`// 0x5c, \\\\` ends in a backslash but does not swallow the next row', { skip: courseThreeSkip }, () => {
    const f2 = load().Font2;
    const backslash = glyphByCode(f2, 0x5c);
    assert.equal(backslash.label, '\\', 'the label of 0x5c is one backslash');
    assert.deepEqual(backslash.rows, [0x10, 0x10, 0x08, 0x04, 0x02, 0x01, 0x01]);
    assert.deepEqual(backslash.bits, bitsOf('10', '10', '08', '04', '02', '01', '01'));
    assert.equal(backslash.line, 68);

    const close = glyphByCode(f2, 0x5d);
    assert.equal(close.label, ']');
    assert.deepEqual(close.rows, [0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e]);
    assert.equal(close.line, 69, '0x5d is its own glyph on its own line');
    assert.notDeepEqual(close.rows, backslash.rows);

    const caret = glyphByCode(f2, 0x5e);
    assert.equal(caret.label, '^');
    assert.deepEqual(caret.rows, [0x04, 0x0a, 0x11, 0x00, 0x00, 0x00, 0x00]);
    assert.equal(glyphByCode(f2, 0x5f).label, '_');
  });

  test('the Font2 row commented 0x37 for G gets 0x47 from its position, with a warning', { skip: courseThreeSkip }, () => {
    const arrays = load();
    const f2 = arrays.Font2;
    const g = f2.glyphs[7];
    assert.equal(g.code, 0x47);
    assert.equal(g.label, 'G');
    assert.deepEqual(g.rows, [0x0e, 0x11, 0x10, 0x10, 0x13, 0x11, 0x0f]);
    assert.equal(g.line, 47);
    assert.ok(!f2.glyphs.some((x) => x.code === 0x37), 'no glyph of Font2 takes the wrong code 0x37');
    assert.equal(f2.warnings.length, 1, `exactly one warning: ${JSON.stringify(f2.warnings)}`);
    const [warning] = f2.warnings;
    assert.ok(warning.startsWith(`${courseThreeSets}:47: `), warning);
    assert.match(warning, /0x37/);
    assert.match(warning, /0x47/);
    assert.deepEqual(arrays.Font1.warnings, [], 'Font1 comments all agree (its own 0x37 is the digit 7)');
    assert.deepEqual(arrays.Font3.warnings, []);
  });

  test('loadFont needs fontName for this file and finds each array by name', { skip: courseThreeSkip }, () => {
    assert.throws(() => loadFont(courseThreeSets), (err: Error) => {
      assert.match(err.message, /fontName/);
      assert.ok(err.message.includes(courseThreeSets), err.message);
      assert.match(err.message, /Font1, Font2, Font3/);
      return true;
    });
    const f2 = loadFont(courseThreeSets, 'Font2');
    assert.equal(f2.name, 'Font2');
    assert.equal(f2.file, courseThreeSets);
    assert.equal(f2.glyphs[0].code, 0x40);
    assert.equal(f2.warnings.length, 1);
    assert.equal(loadFont(courseThreeSets, 'Font1').glyphs[0].label, 'space');
  });

  test('Font3 of fonts-3sets.h has the same glyphs as font.h', { skip: courseThreeSkip || courseFontSkip }, () => {
    const single = parseFontHeader(fs.readFileSync(courseFontH, 'utf8'), courseFontH).Font3;
    assert.deepEqual(load().Font3.glyphs.map(content), single.glyphs.map(content));
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The project's own font
// ---------------------------------------------------------------------------------------------

describe('project data/font.h', () => {
  const load = (): FontArray => {
    const arrays = parseFontHeader(fs.readFileSync(projectFontH, 'utf8'), projectFontH);
    assert.equal(Object.keys(arrays).length, 1, `one array, found ${Object.keys(arrays).join(', ')}`);
    return Object.values(arrays)[0];
  };

  test('one array of 32 glyphs, codes 0x60-0x7f, 35 bits each, no warnings', () => {
    const array = load();
    assert.equal(array.glyphs.length, 32);
    assert.deepEqual(array.glyphs.map((g) => g.code), Array.from({ length: 32 }, (_, k) => 0x60 + k));
    for (const g of array.glyphs) {
      assert.equal(g.bits.length, 35);
      assert.ok(g.bits.some((b) => b === 1), `0x${g.code.toString(16)} is not blank`);
    }
    assert.deepEqual(array.warnings, []);
    assert.equal(loadFont(projectFontH).glyphs.length, 32, 'loadFont picks the only array');
  });

  test('all 32 glyphs are pairwise distinct', () => {
    const glyphs = load().glyphs;
    for (let p = 0; p < glyphs.length; p++) {
      for (let q = p + 1; q < glyphs.length; q++) {
        assert.notDeepEqual(glyphs[p].bits, glyphs[q].bits, `0x${glyphs[p].code.toString(16)} and 0x${glyphs[q].code.toString(16)} are identical`);
      }
    }
    assert.equal(new Set(glyphs.map((g) => g.bits.join(''))).size, 32);
  });

  test('is not a copy of the course font (fewer than 8 identical glyphs)', { skip: courseFontSkip }, () => {
    const own = load();
    const course = parseFontHeader(fs.readFileSync(courseFontH, 'utf8'), courseFontH).Font3;
    const courseByCode = new Map(course.glyphs.map((g) => [g.code, g.bits.join('')]));
    const courseShapes = new Set(courseByCode.values());
    const sameCode = own.glyphs.filter((g) => courseByCode.get(g.code) === g.bits.join('')).length;
    const sameShape = own.glyphs.filter((g) => courseShapes.has(g.bits.join(''))).length;
    assert.ok(sameCode < 8, `${sameCode} of 32 glyphs are identical to the course's`);
    assert.ok(sameShape < 8, `${sameShape} of 32 glyphs appear somewhere in the course's font`);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Formatting variants
// ---------------------------------------------------------------------------------------------

const CANONICAL = [
  'int const Font3[3][7] = {',
  '   {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},   // 0x60, `',
  '   {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d},   // 0x61, a',
  '   {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c}   // 0x62, b',
  '};',
  '',
].join('\n');

const CANONICAL_GLYPHS: GlyphContent[] = [
  { code: 0x60, label: '`', rows: [0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00], bits: bitsOf('04', '04', '02', '00', '00', '00', '00') },
  { code: 0x61, label: 'a', rows: [0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d], bits: bitsOf('00', '0e', '01', '0d', '13', '13', '0d') },
  { code: 0x62, label: 'b', rows: [0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c], bits: bitsOf('10', '10', '10', '1c', '12', '12', '1c') },
];

describe('formatting variants parse to the canonical glyphs', () => {
  test('the canonical source itself', () => {
    const arrays = parseFontHeader(CANONICAL, 'canonical.h');
    assert.deepEqual(contents(arrays), { Font3: CANONICAL_GLYPHS });
    assert.deepEqual(arrays.Font3.glyphs.map((g) => g.line), [2, 3, 4]);
    assert.deepEqual(arrays.Font3.warnings, []);
  });

  /** Each variant must give exactly the canonical glyphs, no warnings, and (when given) these glyph lines. */
  const variants: { name: string; source: string; lines?: number[] }[] = [
    {
      name: 'tabs',
      source: 'int\tconst\tFont3[3][7]\t=\t{\n\t{0x04,\t0x04,\t0x02,\t0x00,\t0x00,\t0x00,\t0x00},\t// 0x60, `\n\t{0x00,\t0x0e,\t0x01,\t0x0d,\t0x13,\t0x13,\t0x0d},\t//\t0x61,\ta\n\t\t{0x10,0x10,0x10,0x1c,0x12,0x12,0x1c}\t\t// 0x62, b\n};\n',
      lines: [2, 3, 4],
    },
    {
      name: 'odd indentation and spacing',
      source: 'int const   Font3 [ 3 ] [ 7 ]={\n{ 0x04 ,0x04,   0x02 , 0x00,0x00 ,0x00, 0x00 } , // 0x60, `\n       {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d},// 0x61, a\n {0x10, 0x10,\n0x10, 0x1c, 0x12, 0x12, 0x1c}    // 0x62, b\n   } ;\n',
      lines: [2, 3, 4],
    },
    { name: 'uppercase hex digits', source: CANONICAL.replace(/0x([0-9a-f]{2})/g, (_m, h: string) => `0x${h.toUpperCase()}`) },
    { name: '0X prefix', source: CANONICAL.replace(/0x/g, '0X') },
    {
      name: 'decimal values',
      source: [
        'int const Font3[3][7] = {',
        '   {4, 4, 2, 0, 0, 0, 0},   // 0x60, `',
        '   {0, 14, 1, 13, 19, 19, 13},   // 0x61, a',
        '   {16, 16, 16, 28, 18, 18, 28}   // 0x62, b',
        '};',
      ].join('\n'),
      lines: [2, 3, 4],
    },
    {
      name: 'decimal codes in the label comments and a hex/decimal mix',
      source: [
        'int const Font3[3][7] = {',
        '   {0x04, 4, 0x02, 0, 0x00, 0, 0x00},   // 96, `',
        '   {0, 0x0e, 1, 0x0d, 19, 0x13, 13},   // 97, a',
        '   {16, 0x10, 16, 0x1c, 18, 0x12, 28}   // 98, b',
        '};',
      ].join('\n'),
    },
    {
      name: 'blank lines',
      source: '\n\n\nint const Font3[3][7] = {\n\n   {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},   // 0x60, `\n\n\n   {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d},   // 0x61, a\n   \n   {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c}   // 0x62, b\n\n};\n\n\n',
      lines: [6, 9, 11],
    },
    { name: 'missing final newline', source: CANONICAL.replace(/\n$/, ''), lines: [2, 3, 4] },
    { name: 'missing final newline after a last-line comment', source: CANONICAL.replace(/\n$/, ' // end of font'), lines: [2, 3, 4] },
    { name: 'missing final newline and no semicolon', source: CANONICAL.replace(/;\n$/, ''), lines: [2, 3, 4] },
    { name: 'CRLF line endings', source: CANONICAL.replace(/\n/g, '\r\n'), lines: [2, 3, 4] },
    { name: 'CRLF with blank lines and a preprocessor line', source: ('#include <stdint.h>\n\n' + CANONICAL).replace(/\n/g, '\r\n'), lines: [4, 5, 6] },
    { name: 'unsigned char declaration', source: CANONICAL.replace('int const', 'unsigned char'), lines: [2, 3, 4] },
    { name: 'static const unsigned char declaration', source: CANONICAL.replace('int const', 'static const unsigned char') },
    { name: 'const uint8_t declaration', source: CANONICAL.replace('int const', 'const uint8_t') },
    { name: 'const int declaration, no space before [', source: CANONICAL.replace('int const Font3[3][7] = {', 'const int Font3[3][7]={') },
    { name: 'empty first dimension []', source: CANONICAL.replace('[3][7]', '[][7]') },
    { name: 'empty second dimension [3][]', source: CANONICAL.replace('[3][7]', '[3][]') },
    { name: 'form feeds and vertical tabs as spaces', source: CANONICAL.replace(/, 0x/g, ',\f0x').replace(/\}/g, '\v}'), lines: [2, 3, 4] },
    { name: 'a block comment opened as /*/ (the slash is inside it)', source: CANONICAL.replace('{0x04, 0x04,', '{0x04, /*/ 0x99 */ 0x04,'), lines: [2, 3, 4] },
    { name: 'a line comment on the last line, no newline after it', source: `${CANONICAL}// end of font` },
    { name: 'a preprocessor line on the last line, no newline after it', source: `${CANONICAL}#endif` },
    { name: 'hex first dimension [0x03]', source: CANONICAL.replace('[3][7]', '[0x03][7]') },
    { name: 'trailing comma after the last row', source: CANONICAL.replace('0x1c}   // 0x62, b', '0x1c},   // 0x62, b') },
    { name: 'trailing comma after the last value of each row', source: CANONICAL.replace(/\}(,?)   \/\//g, ',}$1   //') },
    {
      name: 'single-line block comments (before, between rows, inside a row, after a row)',
      source: [
        '/* font for the tests */',
        'int const Font3[3][7] = { /* opening */',
        '   {0x04, 0x04, /* inside */ 0x02, 0x00, 0x00, 0x00, 0x00},   // 0x60, `',
        '   /* between rows */',
        '   {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d}, /* after */  // 0x61, a',
        '   {/*first*/0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c/*last*/}   // 0x62, b',
        '}; /* done */',
      ].join('\n'),
      lines: [3, 5, 6],
    },
    {
      name: 'multi-line block comments, one hiding a fake row, one inside a row',
      source: [
        '/*',
        ' * header comment',
        ' * int const Fake[1][7] = { {0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f} };',
        ' */',
        'int const Font3[3][7] = {',
        '   {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},   // 0x60, `',
        '   /* a commented-out row:',
        '   {0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f},   // 0x61, X',
        '   */',
        '   {0x00, 0x0e, 0x01, /* the row',
        '      goes on */ 0x0d, 0x13, 0x13, 0x0d},   // 0x61, a',
        '   {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c}   // 0x62, b',
        '};',
      ].join('\n'),
      lines: [6, 10, 12],
    },
    {
      name: 'a line comment between rows and inside a row',
      source: [
        'int const Font3[3][7] = {  // the array',
        '   // the backtick',
        '   {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},   // 0x60, `',
        '   {0x00, 0x0e, 0x01, // upper half',
        '    0x0d, 0x13, 0x13, 0x0d},   // 0x61, a',
        '   {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c}   // 0x62, b',
        '   // after the last row',
        '};',
      ].join('\n'),
      lines: [3, 4, 6],
    },
    {
      name: 'rows split over two lines',
      source: [
        'int const Font3[3][7] = {',
        '   {0x04, 0x04, 0x02,',
        '    0x00, 0x00, 0x00, 0x00},   // 0x60, `',
        '   {0x00, 0x0e, 0x01, 0x0d',
        '    , 0x13, 0x13, 0x0d},   // 0x61, a',
        '   {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c',
        '   }   // 0x62, b',
        '};',
      ].join('\n'),
      lines: [2, 4, 6],
    },
    {
      name: 'comments with no space',
      source: CANONICAL.replace('// 0x60, `', '//0x60,`').replace('// 0x61, a', '//0x61 a').replace('   // 0x62, b', '//0x62,b'),
      lines: [2, 3, 4],
    },
    {
      name: '#include and #define lines',
      source: [
        '#include <stdint.h>',
        '#define FONT_ROWS 7 // rows per glyph',
        '#define BAD {0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f},',
        '#pragma once',
        '#define DECLARE_FONT(name) int const name[32][7] = {',
        CANONICAL,
        '#define AFTER 1',
      ].join('\n'),
      lines: [7, 8, 9],
    },
    {
      name: 'a comment on its own line is not the label of the row above it',
      source: [
        'int const Font3[3][7] = {',
        '   {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},',
        '   // 0x61, a: the next row',
        '   {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d},   // 0x61, a',
        '   {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c}   // 0x62, b',
        '};',
      ].join('\n'),
      lines: [2, 4, 5],
    },
    {
      // Only the last row is labelled: the two before it take the codes just before 0x62.
      name: 'all rows on the declaration line, only the last one labelled',
      source: 'int const Font3[3][7] = {{0x04, 0x04, 0x02, 0, 0, 0, 0}, {0, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d}, {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c}  // 0x62, b\n};',
      lines: [1, 1, 1],
    },
    {
      name: 'another declaration before the font, with a lone slash (a division), is skipped',
      source: 'static const int unused = 6 / 2;\nconst char *title = "font";\n' + CANONICAL,
      lines: [4, 5, 6],
    },
  ];

  for (const variant of variants) {
    test(variant.name, () => {
      const arrays = parseFontHeader(variant.source, `${variant.name}.h`);
      assert.deepEqual(Object.keys(arrays), ['Font3']);
      assert.deepEqual(arrays.Font3.glyphs.map(content), CANONICAL_GLYPHS);
      assert.deepEqual(arrays.Font3.warnings, []);
      if (variant.lines) assert.deepEqual(arrays.Font3.glyphs.map((g) => g.line), variant.lines);
      for (const g of arrays.Font3.glyphs) assert.doesNotMatch(g.label, /\r/);
    });
  }

  test('C integer suffixes and octal literals are read as C reads them', () => {
    const source = 'int const Font3[3][7] = {\n {4u, 4U, 2L, 0ul, 0, 0, 0},  // 0x60, `\n {0, 016, 01, 015, 023, 023, 015},  // 0x61, a\n {0x10u, 0x10, 0b10000, 0x1cUL, 0x12, 0x12, 0x1c}  // 0x62, b\n};\n';
    assert.deepEqual(parseFontHeader(source, 'suffixes.h').Font3.glyphs.map(content), CANONICAL_GLYPHS);
  });

  test('two glyphs on one line, each labelled by what follows it', () => {
    const source = 'int const F[2][7] = {\n {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d}  // 0x61, a\n};\n';
    const glyphs = parseFontHeader(source, 'two.h').F.glyphs;
    // The only comment labels the row it follows (0x61); the first row takes the code before it.
    assert.deepEqual(glyphs.map((g) => [g.code, g.label, g.line]), [[0x60, '`', 2], [0x61, 'a', 2]]);
  });
});

describe('codes and labels', () => {
  test('an unlabelled first row takes the code before the first labelled row, without warnings', () => {
    const source = CANONICAL.replace('   // 0x60, `', '');
    const array = parseFontHeader(source, 'unlabelled-first.h').Font3;
    assert.deepEqual(array.glyphs.map(content), CANONICAL_GLYPHS, 'the label of 0x60 defaults to the character');
    assert.deepEqual(array.warnings, []);
  });

  test('rows without any label comment count up from 0 with hex labels', () => {
    const source = CANONICAL.replace(/ *\/\/.*$/gm, '');
    const array = parseFontHeader(source, 'no-labels.h').Font3;
    assert.deepEqual(array.glyphs.map((g) => [g.code, g.label]), [[0, '0x00'], [1, '0x01'], [2, '0x02']]);
    assert.deepEqual(array.glyphs.map((g) => g.rows), CANONICAL_GLYPHS.map((g) => g.rows));
    assert.deepEqual(array.warnings, []);
  });

  test('a comment with a code but no label gets the character, space and DEL get names', () => {
    const row = '{0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}';
    const low = parseFontHeader(`int const F[2][7] = {\n ${row},  // 0x20\n ${row}  // 0x21\n};\n`, 'x.h').F;
    assert.deepEqual(low.glyphs.map((g) => g.label), ['space', '!']);
    const high = parseFontHeader(`int const F[2][7] = {\n ${row},  // 0x7e\n ${row}  // 0x7f\n};\n`, 'x.h').F;
    assert.deepEqual(high.glyphs.map((g) => g.label), ['~', 'DEL']);
  });

  test('a decimal code in the comment is read as decimal, an uppercase 0X as hex', () => {
    const source = CANONICAL.replace('// 0x60, `', '// 96, `').replace('// 0x61, a', '// 0X61 a');
    const array = parseFontHeader(source, 'decimal.h').Font3;
    assert.deepEqual(array.glyphs.map(content), CANONICAL_GLYPHS);
    assert.deepEqual(array.warnings, []);
  });

  test('a row-end comment that does not start with a code is no label; the label is what follows the code, a comma aside', () => {
    const row = '{0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}';
    const source = `int const F[3][7] = {\n ${row},  // see 0x51, Q\n ${row},  // 0x42,B\n ${row}   // 0x43(C)\n};\n`;
    const array = parseFontHeader(source, 'comments.h').F;
    assert.deepEqual(array.glyphs.map((g) => [g.code, g.label]), [[0x41, 'A'], [0x42, 'B'], [0x43, '(C)']]);
    assert.deepEqual(array.warnings, []);
  });

  test('codes past 0x7e are named by their hex code', () => {
    const row = '{0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}';
    const array = parseFontHeader(`int const F[2][7] = {\n ${row},  // 0x7f\n ${row}\n};\n`, 'high.h').F;
    assert.deepEqual(array.glyphs.map((g) => [g.code, g.label]), [[0x7f, 'DEL'], [0x80, '0x80']]);
  });

  test('a comment that disagrees with the position warns with file:line and uses the position', () => {
    const source = CANONICAL.replace('// 0x61, a', '// 0x71, a');
    const array = parseFontHeader(source, 'wrong.h').Font3;
    assert.deepEqual(array.glyphs.map(content), CANONICAL_GLYPHS);
    assert.equal(array.warnings.length, 1);
    assert.ok(array.warnings[0].startsWith('wrong.h:3: '), array.warnings[0]);
    assert.match(array.warnings[0], /0x71.*0x61/);
  });

  test('a backslash-ended comment keeps the next row (source written inline)', () => {
    const source = 'int const F[2][7] = {\n  {0x10, 0x10, 0x08, 0x04, 0x02, 0x01, 0x01},   // 0x5c, \\\\\n  {0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e}    // 0x5d, ]\n};\n';
    const glyphs = parseFontHeader(source, 'bs.h').F.glyphs;
    assert.equal(glyphs.length, 2);
    assert.deepEqual(glyphs.map((g) => [g.code, g.label, g.line]), [[0x5c, '\\', 2], [0x5d, ']', 3]]);
    assert.deepEqual(glyphs[1].rows, [0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e]);
    // A single trailing backslash also ends at the line's end.
    const single = parseFontHeader(source.replace('\\\\\n', '\\\n'), 'bs1.h').F.glyphs;
    assert.deepEqual(single.map((g) => [g.code, g.label]), [[0x5c, '\\'], [0x5d, ']']]);
  });

  test('several arrays keep file order, and names like toString or constructor are ordinary', () => {
    const row = '{0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}';
    const source = ['toString', 'constructor', 'Zeta', 'alpha'].map((n) => `int const ${n}[1][7] = {\n ${row}\n};\n`).join('');
    const arrays = parseFontHeader(source, 'names.h');
    assert.deepEqual(Object.keys(arrays), ['toString', 'constructor', 'Zeta', 'alpha']);
    assert.equal(arrays.constructor.name, 'constructor');
    assert.deepEqual(arrays['toString'].glyphs[0].rows, [0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00]);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Malformed input
// ---------------------------------------------------------------------------------------------

describe('malformed input is rejected with file:line: reason', () => {
  const lines = CANONICAL.split('\n'); // lines[k] is line k+1
  const withLine = (lineNo: number, text: string): string => lines.map((l, k) => (k === lineNo - 1 ? text : l)).join('\n');
  const FILE = 'fonts/bad.h';

  test('a row with 6 values', () => {
    assertFontError(withLine(3, '   {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13},   // 0x61, a'), FILE, 3, /6 value\(s\).*exactly 7/);
  });

  test('a row with 8 values', () => {
    assertFontError(withLine(4, '   {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c, 0x00}   // 0x62, b'), FILE, 4, /8 value\(s\).*exactly 7/);
  });

  test('a row with 0 values', () => {
    assertFontError(withLine(2, '   {},   // 0x60, `'), FILE, 2, /0 value\(s\)/);
  });

  test('a row with 6 values split over two lines names the line where the row opens', () => {
    const source = 'int const F[2][7] = {\n {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},\n {0x00, 0x0e, 0x01,\n  0x0d, 0x13, 0x13},\n};\n';
    assertFontError(source, FILE, 3, /6 value\(s\)/);
  });

  test('a non-numeric token: 0xZZ', () => {
    assertFontError(withLine(3, '   {0x00, 0x0e, 0x01, 0xZZ, 0x13, 0x13, 0x0d},   // 0x61, a'), FILE, 3, /"0xZZ" is not a number/);
  });

  test('a no-break space between two values is a stray token named with its line, not the end of the file', () => {
    assertFontError(withLine(3, '   {0x00, 0x0e, 0x01,\u00a00x0f, 0x13, 0x13, 0x0d},   // 0x61, a'), FILE, 3, /"\u00a0" is not a number/);
  });

  test('a non-numeric token: abc, on a continuation line', () => {
    const source = CANONICAL.replace('0x10, 0x10, 0x10, 0x1c,', '0x10, 0x10, 0x10, 0x1c,\n abc,');
    assertFontError(source, FILE, 5, /"abc" is not a number/);
  });

  test('a non-numeric token: a negative or a fractional value', () => {
    assertFontError(withLine(2, '   {-4, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},'), FILE, 2, /"-4" is not a number/);
    assertFontError(withLine(2, '   {0x04, 0x04, 2.5, 0x00, 0x00, 0x00, 0x00},'), FILE, 2, /"2\.5" is not a number/);
  });

  test('an unclosed array brace: the file ends', () => {
    const source = CANONICAL.replace('};\n', '');
    assertFontError(source, FILE, 1, /never closed/);
    // With blank lines and comments after the last row the opening line is still named.
    assertFontError('\n\n' + CANONICAL.replace('};\n', '\n// end\n\n'), FILE, 3, /Font3 is never closed/);
  });

  test('an unclosed array brace: a semicolon comes first', () => {
    const source = CANONICAL.replace('0x1c}   // 0x62, b\n};', '0x1c}   // 0x62, b\n;');
    assertFontError(source, FILE, 5, /';' inside Font3.*line 1/);
  });

  test('an unclosed row brace names the row\'s line', () => {
    assertFontError(withLine(3, '   {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d,   // 0x61, a'), FILE, 3, /glyph row.*not closed/);
    assertFontError(withLine(2, '   {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00   // 0x60, `'), FILE, 2, /glyph row.*not closed.*line 3/);
  });

  test('an unclosed row brace: the file ends inside the row', () => {
    assertFontError('int const F[1][7] = {\n {0x04, 0x04, 0x02,\n  0x00, 0x00\n', FILE, 2, /glyph row.*never closed/);
  });

  test('no array at all: the message names the file, no line', () => {
    const err = assertFontError('// just a comment\n#include <stdio.h>\nint x = 3;\n', FILE, null, /no font array found/);
    assert.ok(err.message.startsWith(`${FILE}: no font array`), err.message);
    assertFontError('', 'empty.h', null, /no font array found/);
  });

  test('declared size [3][7] with 2 rows names the declaration line', () => {
    const source = '// two rows\nint const Font3[3][7] = {\n   {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00},\n   {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d}\n};\n';
    assertFontError(source, FILE, 2, /declared with 3 glyphs but has 2 rows/);
  });

  test('declared size [2][7] with 3 rows', () => {
    assertFontError(CANONICAL.replace('[3][7]', '[2][7]'), FILE, 1, /declared with 2 glyphs but has 3 rows/);
  });

  test('declared row size [2][6]', () => {
    const source = '\nint const Font3[2][6] = {\n   {0x04, 0x04, 0x02, 0x00, 0x00, 0x00},\n   {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13}\n};\n';
    assertFontError(source, FILE, 2, /6 rows per glyph.*7/);
  });

  test('one dimension instead of two', () => {
    assertFontError('\n\nint const Font3[21] = {\n 0x04, 0x04, 0x02\n};\n', FILE, 3, /1 dimension/);
  });

  test('a non-numeric size', () => {
    assertFontError('#define N 3\nint const Font3[N][7] = {\n};\n', FILE, 2, /"N" is not a number/);
  });

  test('an empty array', () => {
    assertFontError('\nint const Font3[][7] = {\n};\n', FILE, 2, /no glyph rows/);
  });

  test('a value outside any row', () => {
    assertFontError(CANONICAL.replace('   {0x00, 0x0e', '   0x00, {0x0e'), FILE, 3, /expected '\{'.*found "0x00"/);
  });

  test('an unclosed block comment names the line where it opens', () => {
    assertFontError(CANONICAL.replace('   {0x00, 0x0e', '   /* oops\n   {0x00, 0x0e'), FILE, 3, /unclosed block comment/);
  });

  test('two arrays with the same name', () => {
    assertFontError(CANONICAL + '\n' + CANONICAL, FILE, 7, /second array named Font3/);
  });

  test('the default file name when none is given', () => {
    assert.throws(() => parseFontHeader('nothing here'), (err: unknown) => {
      assert.ok(err instanceof FontFormatError);
      assert.equal(err.message, `<font header>: ${err.reason}`);
      return true;
    });
  });
});

// ---------------------------------------------------------------------------------------------
// loadFont
// ---------------------------------------------------------------------------------------------

describe('what the parser reads around a font', () => {
  const row = '{0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}';
  const font = `int const F[1][7] = {\n ${row}\n};\n`;

  test('a product, a comment holding a bracket, declarations without an initializer list, and comment lines between rows', () => {
    const before = [
      'int const scale = 2*3;',
      'int junk // [',
      ';',
      'extern int const Other[2][7];',
      'int const Aliased[2][7] = TABLE;',
    ].join('\n');
    const between = `int const G[2][7] = {   // the glyphs\n // first\n ${row},\n // second\n ${row}\n};\n`;
    const arrays = parseFontHeader(`${before}\n${font}${between}`, 'around.h');
    assert.deepEqual(Object.keys(arrays), ['F', 'G']);
    assert.deepEqual(arrays.F.glyphs[0].rows, [0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00]);
    assert.equal(arrays.G.glyphs.length, 2);
  });

  test('a line comment between the name and its sizes leaves no declaration the parser reads', () => {
    assertFontError(`int const F // the font\n[1][7] = {\n ${row}\n};\n`, 'split.h', null, /no font array found/);
  });

  test('a size with two numbers, and a file ending right after a row', () => {
    assertFontError(`int const F[1 2][7] = {\n ${row}\n};\n`, 'size.h', 1, /malformed size in declaration of F/);
    assertFontError(`int const F[1][7] = {\n ${row}`, 'open.h', 1, /the brace opened here for F is never closed/);
  });

  test('numbers: a digit string is decimal even with a 0 inside, anything else that is not a whole C literal is refused', () => {
    const withFirst = (v: string): string => `int const F[1][7] = {\n {${v}, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}\n};\n`;
    assert.equal(parseFontHeader(withFirst('100'), 'dec.h').F.glyphs[0].rows[0], 100 & 0x1f, '100 is decimal (4 in the low 5 bits), not octal');
    for (const bad of ['0x1fg', '000x1f', '0b12', '000b1', '017z']) {
      assertFontError(withFirst(bad), 'bad.h', 2, new RegExp(`"${bad}" is not a number`));
    }
  });
});

describe('loadFont', () => {
  const twoArrays =
    'int const Small[1][7] = {\n  {0x04, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}  // 0x60, `\n};\n' +
    'int const Other[2][7] = {\n  {0x00, 0x0e, 0x01, 0x0d, 0x13, 0x13, 0x0d},  // 0x61, a\n  {0x10, 0x10, 0x10, 0x1c, 0x12, 0x12, 0x1c}   // 0x62, b\n};\n';

  test('a missing path gives an error naming the path', () => {
    const missing = path.join(os.tmpdir(), 'font-test-does-not-exist', 'nope.h');
    assert.throws(() => loadFont(missing), (err: Error) => {
      assert.ok(!(err instanceof FontFormatError));
      assert.ok(err.message.includes(missing), err.message);
      assert.match(err.message, /not found/);
      return true;
    });
  });

  test('an unknown arrayName lists the existing names', () => {
    const file = tmpFile('two.h', twoArrays);
    assert.throws(() => loadFont(file, 'Font3'), (err: Error) => {
      assert.ok(err.message.includes(file), err.message);
      assert.match(err.message, /"Font3"/);
      assert.match(err.message, /Small, Other/);
      return true;
    });
  });

  test('arrayName that is an Object.prototype property is still unknown', () => {
    const file = tmpFile('two-proto.h', twoArrays);
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      assert.throws(() => loadFont(file, name), (err: Error) => {
        assert.match(err.message, /has no array named/);
        assert.match(err.message, /Small, Other/);
        return true;
      }, name);
    }
  });

  test('without a name on a multi-array file it asks for fontName', () => {
    const file = tmpFile('two-again.h', twoArrays);
    assert.throws(() => loadFont(file), (err: Error) => {
      assert.ok(err.message.includes(file), err.message);
      assert.match(err.message, /2 arrays/);
      assert.match(err.message, /Small, Other/);
      assert.match(err.message, /fontName/);
      return true;
    });
    assert.throws(() => loadFont(file, null), /fontName/);
    assert.throws(() => loadFont(file, ''), /fontName/);
  });

  test('picks the named array and records the file', () => {
    const file = tmpFile('pick.h', twoArrays);
    const other = loadFont(file, 'Other');
    assert.equal(other.file, file);
    assert.equal(other.name, 'Other');
    assert.deepEqual(other.glyphs.map(content), CANONICAL_GLYPHS.slice(1));
    assert.deepEqual(other.glyphs.map((g) => g.line), [5, 6]);
    const small = loadFont(file, 'Small');
    assert.deepEqual(small.glyphs.map(content), CANONICAL_GLYPHS.slice(0, 1));
  });

  test('a single-array file needs no name', () => {
    const file = tmpFile('single.h', CANONICAL);
    const font = loadFont(file);
    assert.equal(font.name, 'Font3');
    assert.equal(font.file, file);
    assert.deepEqual(font.glyphs.map(content), CANONICAL_GLYPHS);
    assert.deepEqual(font.warnings, []);
  });

  test('a malformed file gives a FontFormatError starting with its path and line', () => {
    const file = tmpFile('broken.h', CANONICAL.replace('0x13, 0x0d},', '0x13},'));
    assert.throws(() => loadFont(file), (err: unknown) => {
      assert.ok(err instanceof FontFormatError);
      assert.equal(err.file, file);
      assert.equal(err.line, 3);
      assert.ok(err.message.startsWith(`${file}:3: `), err.message);
      return true;
    });
  });
});
