/**
 * PNG encoding/decoding, glyph mosaics, and the HTML that carries Plotly figures into notebooks.
 * Run: npx tsc -p . && node --test build/test/plots.test.js
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import { packedScripts, scratchDir } from './helpers';

import { GLYPH_COLUMNS, GLYPH_PIXELS, GLYPH_ROWS } from '../lib/font';
import { writeFileAtomic } from '../lib/files';
import { decodePng, encodePng, type PngFilter } from '../lib/png';
import {
  MOSAIC_COLOURS, clearShownFigures, displayPng, ensurePlotly, glyphMosaicCaption, glyphMosaicLayout,
  LINE_CHART_MAX_POINTS, glyphMosaicPng, heatmap, lineChart, lineSeriesPoints, plotHtml, plotNumber, plotlyBundleFromEnv, plotlyLoaderHtml, plotlySource, scatterChart,
  scriptSafeJson, showPlot, shownFigures, type GlyphImageRow, type Rgb,
} from '../lib/figures';

/** Deterministic bytes, so a failure reproduces. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

function chunkTypes(png: Uint8Array): string[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const types: string[] = [];
  for (let at = 8; at < png.length; at += 12 + view.getUint32(at)) {
    types.push(String.fromCharCode(...png.subarray(at + 4, at + 8)));
  }
  return types;
}

function pixel(image: { width: number; rgba: Uint8Array }, x: number, y: number): [number, number, number, number] {
  const at = (y * image.width + x) * 4;
  return [image.rgba[at], image.rgba[at + 1], image.rgba[at + 2], image.rgba[at + 3]];
}

const zlibCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;

describe('PNG', () => {
  test('starts with the signature and an IHDR holding the size', () => {
    const png = encodePng(3, 2, new Uint8Array(3 * 2 * 4).fill(255));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    assert.equal(view.getUint32(8), 13);
    assert.equal(Buffer.from(png.subarray(12, 16)).toString('ascii'), 'IHDR');
    assert.equal(view.getUint32(16), 3);
    assert.equal(view.getUint32(20), 2);
    assert.equal(png[24], 8, 'bit depth');
    assert.deepEqual(chunkTypes(png), ['IHDR', 'IDAT', 'IEND']);
  });

  test('chunk CRCs are right (checked with zlib)', { skip: zlibCrc32 ? false : 'zlib.crc32 needs Node >= 20.15' }, () => {
    const png = encodePng(5, 4, pseudoRandomBytes(5 * 4 * 4, 1));
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    for (let at = 8; at < png.length; at += 12 + view.getUint32(at)) {
      const covered = png.subarray(at + 4, at + 8 + view.getUint32(at));
      const stored = view.getUint32(at + 8 + view.getUint32(at));
      assert.equal(zlibCrc32!(covered), stored);
    }
    // IEND has no data, so its CRC is the well-known constant.
    assert.equal(view.getUint32(png.length - 4), 0xae426082);
  });

  test('a 1x1 red pixel deflates to exactly one unfiltered RGB scanline', () => {
    const png = encodePng(1, 1, Uint8Array.of(255, 0, 0, 255), { filter: 0 });
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    const idatAt = 8 + 12 + 13;
    assert.equal(Buffer.from(png.subarray(idatAt + 4, idatAt + 8)).toString('ascii'), 'IDAT');
    const idat = png.subarray(idatAt + 8, idatAt + 8 + view.getUint32(idatAt));
    assert.deepEqual([...zlib.inflateSync(idat)], [0, 255, 0, 0]);
    assert.equal(png[25], 2, 'opaque images are written as RGB');
  });

  for (const filter of [0, 1, 2, 3, 4, 'adaptive'] as const) {
    test(`round trip with filter ${filter}: RGBA with varying alpha`, () => {
      const width = 17;
      const height = 9;
      const rgba = pseudoRandomBytes(width * height * 4, 42);
      const png = encodePng(width, height, rgba, { filter: filter as PngFilter | 'adaptive' });
      assert.equal(png[25], 6, 'colour type RGBA');
      const decoded = decodePng(png);
      assert.equal(decoded.width, width);
      assert.equal(decoded.height, height);
      assert.deepEqual(decoded.rgba, rgba);
    });
  }

  test('round trip of an opaque image through RGB, and forced RGBA', () => {
    const width = 6;
    const height = 5;
    const rgba = pseudoRandomBytes(width * height * 4, 3);
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
    assert.deepEqual(decodePng(encodePng(width, height, rgba)).rgba, rgba);
    const forced = encodePng(width, height, rgba, { alpha: true });
    assert.equal(forced[25], 6);
    assert.deepEqual(decodePng(forced).rgba, rgba);
  });

  test('an image of grey pixels is stored with one grey channel (with alpha when translucent), and reads back the same', () => {
    const width = 7;
    const height = 4;
    const levels = pseudoRandomBytes(width * height, 5);
    const rgba = new Uint8Array(width * height * 4);
    levels.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
    const grey = encodePng(width, height, rgba);
    assert.equal(grey[25], 0, 'colour type 0: grey');
    assert.deepEqual(decodePng(grey).rgba, rgba);
    assert.ok(grey.length < encodePng(width, height, rgba, { grey: false }).length, 'smaller than the same pixels in colour');
    assert.equal(encodePng(width, height, rgba, { grey: false })[25], 2);
    rgba[3] = 128;
    const translucent = encodePng(width, height, rgba);
    assert.equal(translucent[25], 4, 'colour type 4: grey and alpha');
    assert.deepEqual(decodePng(translucent).rgba, rgba);
    rgba[4] ^= 1; // one pixel no longer grey
    assert.equal(encodePng(width, height, rgba)[25], 6);
  });

  test('rejects wrong sizes and corrupted files', () => {
    assert.throws(() => encodePng(2, 2, new Uint8Array(15)), RangeError);
    assert.throws(() => encodePng(0, 2, new Uint8Array(0)), RangeError);
    const png = encodePng(2, 2, new Uint8Array(16).fill(200));
    const corrupted = png.slice();
    corrupted[30] ^= 1;
    assert.throws(() => decodePng(corrupted), /CRC/);
    assert.throws(() => decodePng(png.subarray(1)), /signature/);
  });

  test('writeFileAtomic writes a PNG\'s bytes and leaves no temporary file', () => {
    const directory = scratchDir('png-test-');
    try {
      const target = path.join(directory, 'nested', 'image.png');
      const png = encodePng(2, 1, Uint8Array.of(0, 0, 0, 255, 255, 255, 255, 255));
      writeFileAtomic(target, png);
      assert.deepEqual(new Uint8Array(fs.readFileSync(target)), png);
      assert.deepEqual(fs.readdirSync(path.dirname(target)), ['image.png']);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** A glyph-shaped bit vector with a recognisable pattern: a frame with one hole. */
function frameBits(): number[] {
  const bits = new Array<number>(GLYPH_PIXELS).fill(0);
  for (let y = 0; y < GLYPH_ROWS; y++) {
    for (let x = 0; x < GLYPH_COLUMNS; x++) {
      if (y === 0 || y === GLYPH_ROWS - 1 || x === 0 || x === GLYPH_COLUMNS - 1) bits[y * GLYPH_COLUMNS + x] = 1;
    }
  }
  bits[0] = 0;
  return bits;
}

function blankGlyphs(count: number): number[][] {
  return Array.from({ length: count }, () => new Array<number>(GLYPH_PIXELS).fill(0));
}

/** Asserts that the scale x scale block of glyph pixel (px, py) has one colour. */
function assertBlock(
  image: { width: number; rgba: Uint8Array }, origin: { x: number; y: number }, scale: number,
  px: number, py: number, colour: Rgb, message: string,
): void {
  for (let dy = 0; dy < scale; dy++) {
    for (let dx = 0; dx < scale; dx++) {
      const actual = pixel(image, origin.x + px * scale + dx, origin.y + py * scale + dy);
      assert.deepEqual(actual, [...colour, 255], `${message} at glyph pixel (${px}, ${py}) + (${dx}, ${dy})`);
    }
  }
}

describe('glyph mosaics', () => {
  test('size for 32 glyphs in 2 lines wrapped at 8 columns', () => {
    const rows: GlyphImageRow[] = [{ images: blankGlyphs(32) }, { images: blankGlyphs(32) }];
    const image = decodePng(glyphMosaicPng(rows, { columns: 8, scale: 8 }));
    // gap 4 (scale / 2), margin 4, band gap 12; glyph cells are 40 x 56.
    assert.equal(image.width, 2 * 4 + 8 * 40 + 7 * 4);
    assert.equal(image.height, 2 * 4 + 4 * (2 * 56 + 4) + 3 * 12);
  });

  test('size for a partial last band, other scales and explicit gaps', () => {
    const layout = glyphMosaicLayout(10, 3, { columns: 4, scale: 3, gap: 1, bandGap: 5, margin: 2 });
    assert.equal(layout.columns, 4);
    assert.equal(layout.bands, 3);
    assert.equal(layout.width, 2 * 2 + 4 * 15 + 3 * 1);
    assert.equal(layout.height, 2 * 2 + 3 * (3 * 21 + 2 * 1) + 2 * 5);
    const image = decodePng(glyphMosaicPng([{ images: blankGlyphs(10) }, { images: blankGlyphs(7) }, { images: blankGlyphs(1) }],
      { columns: 4, scale: 3, gap: 1, bandGap: 5, margin: 2 }));
    assert.equal(image.width, layout.width);
    assert.equal(image.height, layout.height);
  });

  test('columns default to 16 and never exceed the glyph count', () => {
    assert.equal(glyphMosaicLayout(32, 1).columns, 16);
    assert.equal(glyphMosaicLayout(32, 1).bands, 2);
    const few = glyphMosaicLayout(3, 1, { columns: 8, scale: 8 });
    assert.equal(few.columns, 3);
    assert.equal(few.width, 2 * 4 + 3 * 40 + 2 * 4);
  });

  test('an original sits right above its reconstruction, and bands wrap', () => {
    const layout = glyphMosaicLayout(32, 2, { columns: 8 });
    assert.deepEqual(layout.cellOrigin(0, 0), { x: 4, y: 4 });
    assert.deepEqual(layout.cellOrigin(1, 0), { x: 4, y: 4 + 56 + 4 });
    assert.deepEqual(layout.cellOrigin(0, 9), { x: 4 + 44, y: 4 + 116 + 12 });
    assert.equal(layout.cellOrigin(1, 13).x, layout.cellOrigin(0, 13).x);
  });

  test('on-pixels render black, off-pixels white, grey levels in between, gaps in the background colour', () => {
    const bits = frameBits();
    const grey = new Array<number>(GLYPH_PIXELS).fill(0.25);
    const scale = 4;
    const image = decodePng(glyphMosaicPng([{ images: [bits, grey] }], { scale }));
    const layout = glyphMosaicLayout(2, 1, { scale });
    for (let py = 0; py < GLYPH_ROWS; py++) {
      for (let px = 0; px < GLYPH_COLUMNS; px++) {
        const on = bits[py * GLYPH_COLUMNS + px] === 1;
        assertBlock(image, layout.cellOrigin(0, 0), scale, px, py, on ? [0, 0, 0] : [255, 255, 255], on ? 'on-pixel' : 'off-pixel');
        assertBlock(image, layout.cellOrigin(0, 1), scale, px, py, [191, 191, 191], 'grey 0.25');
      }
    }
    const background = [...MOSAIC_COLOURS.background, 255];
    assert.deepEqual(pixel(image, 0, 0), background, 'margin');
    assert.deepEqual(pixel(image, layout.cellOrigin(0, 1).x - 1, 10), background, 'gap between glyphs');
  });

  test('highlighting colours exactly the wrongly thresholded pixels', () => {
    const targets = [frameBits(), frameBits().map((b) => 1 - b)];
    // Outputs near the targets, with a few deliberate mistakes on each side of the threshold.
    const outputs = targets.map((t) => t.map((b): number => (b ? 0.8 : 0.1)));
    outputs[0][1] = 0.49; // target on: missing
    outputs[0][0] = 0.5; // target off: extra (0.5 counts as ink)
    outputs[0][12] = 0.51; // target off: extra
    outputs[1][0] = Number.NaN; // target on: NaN is no ink, so missing
    outputs[1][6] = 0.0; // target on: missing
    const scale = 3;
    const rows: GlyphImageRow[] = [
      { label: 'originals', images: targets },
      { label: 'reconstructions', images: outputs, targets },
    ];
    const image = decodePng(glyphMosaicPng(rows, { scale, columns: 1 }));
    const layout = glyphMosaicLayout(2, 2, { scale, columns: 1 });

    let expectedMissing = 0;
    let expectedExtra = 0;
    for (let g = 0; g < 2; g++) {
      for (let p = 0; p < GLYPH_PIXELS; p++) {
        const value = outputs[g][p];
        const wantInk = targets[g][p] === 1;
        const isInk = value >= 0.5;
        let colour: Rgb;
        if (wantInk && !isInk) { colour = MOSAIC_COLOURS.missing; expectedMissing++; }
        else if (!wantInk && isInk) { colour = MOSAIC_COLOURS.extra; expectedExtra++; }
        else { const level = Math.round(255 * (1 - value)); colour = [level, level, level]; }
        const px = p % GLYPH_COLUMNS;
        const py = Math.floor(p / GLYPH_COLUMNS);
        assertBlock(image, layout.cellOrigin(1, g), scale, px, py, colour, `reconstruction ${g}`);
        const original = targets[g][p] ? 0 : 255;
        assertBlock(image, layout.cellOrigin(0, g), scale, px, py, [original, original, original], `original ${g}`);
      }
    }
    assert.equal(expectedMissing, 3);
    assert.equal(expectedExtra, 2);

    // No highlight colour anywhere else in the image.
    let red = 0;
    let blue = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const [r, g, b] = pixel(image, x, y);
        if (r === MOSAIC_COLOURS.missing[0] && g === MOSAIC_COLOURS.missing[1] && b === MOSAIC_COLOURS.missing[2]) red++;
        if (r === MOSAIC_COLOURS.extra[0] && g === MOSAIC_COLOURS.extra[1] && b === MOSAIC_COLOURS.extra[2]) blue++;
      }
    }
    assert.equal(red, expectedMissing * scale * scale);
    assert.equal(blue, expectedExtra * scale * scale);

    assert.match(glyphMosaicCaption(rows), /originals \/ reconstructions.*Red: ink missing; blue: extra ink/);
  });

  test('rejects images of the wrong size and mismatched targets', () => {
    assert.throws(() => glyphMosaicPng([{ images: [[1, 0, 1]] }]), RangeError);
    assert.throws(() => glyphMosaicPng([{ images: blankGlyphs(2), targets: blankGlyphs(1) }]), RangeError);
    assert.throws(() => glyphMosaicPng([]), RangeError);
    assert.throws(() => glyphMosaicLayout(4, 1, { columns: 0 }), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------

function scriptBodies(html: string): string[] {
  return [...html.matchAll(/<script type="text\/javascript">\n([\s\S]*?)\n<\/script>/g)].map((m) => m[1]);
}

/** Plotly's own UMD header with a trivial factory: enough to see which branch the loader takes. */
/** plotly.js's banner in `text`, one per copy of the bundle: e.g. "plotly.js (cartesian - minified) v2.35.3". */
function plotlyCopies(text: string): string[] {
  return [...text.matchAll(/\* plotly\.js (?:\([^)]*\) )?v\d+\.\d+\.\d+/g)].map((m) => m[0]);
}

/** plotly.js minified: its UMD header without spaces, not the unminified build's named wrapper. */
function isMinified(text: string): boolean {
  return text.includes('?module.exports=') && !text.includes('webpackUniversalModuleDefinition');
}

const FAKE_UMD_PLOTLY = `(function webpackUniversalModuleDefinition(root, factory) {
	if(typeof exports === 'object' && typeof module === 'object')
		module.exports = factory();
	else if(typeof define === 'function' && define.amd)
		define([], factory);
	else if(typeof exports === 'object')
		exports["Plotly"] = factory();
	else
		root["Plotly"] = factory();
})(self, function() { return { version: 'fake', banner: "</script><p>" }; });`;

describe('Plotly loader', () => {
  test('contains plotly.js once, gzip-packed, inside the define-hiding wrapper', () => {
    const source = plotlySource();
    const html = plotlyLoaderHtml();
    assert.ok(source.length > 1_000_000);
    assert.ok(html.length < source.length / 2, `the loader (${html.length} bytes) is under half the bundle (${source.length})`);
    const [unpacked, ...more] = packedScripts(html);
    assert.equal(more.length, 0, 'one packed script');
    assert.ok(unpacked.includes(source), 'the whole bundle is packed verbatim');
    assert.equal(plotlyCopies(unpacked).length, 1, 'one copy of the bundle');
    assert.deepEqual(plotlyCopies(html), ['* plotly.js (cartesian - minified) v2.35.3'], 'its banner readable in the output');
    assert.ok(isMinified(unpacked), 'an official minified build');
    assert.match(html, /^<script type="text\/javascript">/);
    assert.match(html, /<\/script>$/);
    assert.equal(html.match(/<\/script/gi)?.length, 1, 'nothing in the loader closes the script early');
    assert.ok(unpacked.indexOf('var names = ["define", "module", "exports"]') < unpacked.indexOf(source));
    assert.doesNotThrow(() => new vm.Script(scriptBodies(html)[0]), 'the loader parses');
    assert.doesNotThrow(() => new vm.Script(unpacked), 'the wrapped bundle parses');
    assert.ok(unpacked.lastIndexOf('} finally {') > unpacked.indexOf(source) + source.length - 1, 'restored after the bundle');
  });

  test('AE_PLOTLY_BUNDLE picks the partial bundle by default and the full one on request', () => {
    assert.equal(plotlyBundleFromEnv({}), 'cartesian');
    assert.equal(plotlyBundleFromEnv({ AE_PLOTLY_BUNDLE: 'full' }), 'full');
    assert.throws(() => plotlyBundleFromEnv({ AE_PLOTLY_BUNDLE: 'mini' }), /AE_PLOTLY_BUNDLE="mini": expected "cartesian" \(the default\) or "full"/);
    assert.deepEqual(plotlyCopies(plotlySource('cartesian')), ['* plotly.js (cartesian - minified) v2.35.3']);
    let full: string | undefined;
    try { full = plotlySource('full'); } catch (err) {
      assert.match((err as Error).message, /needs the package plotly\.js-dist-min, which is not installed: run `npm install --no-save plotly\.js-dist-min@2\.35\.3`/);
    }
    if (full !== undefined) {
      assert.deepEqual(plotlyCopies(full), ['* plotly.js v2.35.3'], 'the full build, whose banner names no partial bundle');
      assert.ok(isMinified(full) && full.length > 2 * plotlySource('cartesian').length);
    }
  });

  test('under RequireJS, Plotly becomes a global once unpacked, and define/module/exports come back', async () => {
    const html = plotlyLoaderHtml(FAKE_UMD_PLOTLY);
    const [body] = scriptBodies(html);
    assert.ok(body, 'one script');
    assert.ok(!packedScripts(html)[0].includes('</script>'), 'a </script> in the source is escaped');
    const defineCalls: unknown[] = [];
    const define = Object.assign((...args: unknown[]) => { defineCalls.push(args); }, { amd: {} });
    const exportsObject = {};
    let added = 0;
    // What a page gives the loader: atob, Blob, Response and DecompressionStream, and a document whose
    // script elements run as they are added.
    const context: Record<string, unknown> = {
      define, exports: exportsObject, atob, Blob, Response, DecompressionStream: (globalThis as Record<string, unknown>).DecompressionStream, console,
      document: { head: { appendChild: (script: { text: string }) => { added++; vm.runInContext(script.text, context); } }, createElement: () => ({ text: '' }) },
    };
    context.window = context;
    context.self = context;
    vm.createContext(context);
    const runLoader = async (): Promise<void> => {
      vm.runInContext(body, context);
      for (let i = 0; i < 200 && context.Plotly === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await runLoader();
    assert.equal(added, 1, 'the unpacked bundle ran as one script element');
    assert.deepEqual(defineCalls, [], 'RequireJS never saw Plotly');
    assert.equal((context.Plotly as { version: string }).version, 'fake');
    assert.equal((context.Plotly as { banner: string }).banner, '</script><p>', 'the escape does not change the string');
    assert.equal(context.define, define);
    assert.equal(context.exports, exportsObject);
    assert.ok(!('module' in context), 'an absent global stays absent');

    // A second run (another copy of the loader output) keeps the first Plotly and adds nothing.
    const first = context.Plotly;
    await runLoader();
    assert.equal(context.Plotly, first);
    assert.equal(added, 1);
  });
});

describe('plot HTML', () => {
  const hostile = '</script><script>alert(1)</script> <!-- \u2028 \u2029';

  function figureJsonOf(html: string): { data: Array<Record<string, unknown>>; layout: Record<string, unknown>; config: Record<string, unknown> } {
    const match = /\n {2}var figure = (.*);\n/.exec(html);
    assert.ok(match, 'figure literal present');
    return JSON.parse(match[1]);
  }

  test('embeds data safely: no early </script>, no raw line separators, same data back', () => {
    const figure = {
      data: [{ type: 'scatter', x: Float32Array.of(1, 2), y: [3, 4], text: [hostile, 'b'] }],
      layout: { title: { text: hostile } },
    };
    const html = plotHtml(figure, 'plot-1', 'Look at <this> & that');
    assert.equal(html.match(/<\/script/gi)?.length, 1);
    assert.equal(html.match(/<script/gi)?.length, 1);
    assert.ok(!html.includes('<!--'));
    assert.ok(!/[\u2028\u2029]/.test(html));
    const parsed = figureJsonOf(html);
    assert.deepEqual(parsed.data, [{ type: 'scatter', x: [1, 2], y: [3, 4], text: [hostile, 'b'] }]);
    assert.deepEqual(parsed.layout, { title: { text: hostile } });
    assert.ok(html.includes('Look at &lt;this&gt; &amp; that'), 'caption is HTML-escaped');
    assert.ok(html.includes('<div id="plot-1"'));
    // The script itself must be valid JavaScript.
    assert.doesNotThrow(() => new vm.Script(scriptBodies(html)[0]));
  });

  test('config defaults to responsive without the logo, and the caller can override', () => {
    const parsed = figureJsonOf(plotHtml({ data: [], config: { displaylogo: true, scrollZoom: true } }, 'p'));
    assert.deepEqual(parsed.config, { responsive: true, displaylogo: true, scrollZoom: true });
    assert.deepEqual(figureJsonOf(plotHtml({ data: [] }, 'q')).config, { responsive: true, displaylogo: false });
  });

  test('the script draws once Plotly arrives, and says so in the div if it never does', async () => {
    const html = plotHtml({ data: [{ y: [1] }] }, 'p1', undefined, 300);
    const body = scriptBodies(html)[0];
    const drawn: unknown[] = [];
    const div = { textContent: 'waiting', firstElementChild: { textContent: 'waiting' } };
    const timers: Array<() => void> = [];
    let now = 0;
    const context: Record<string, unknown> = {
      document: { getElementById: (id: string) => (id === 'p1' ? div : null) },
      setTimeout: (f: () => void) => { timers.push(f); },
      Date: { now: () => now },
    };
    context.window = context;
    vm.runInNewContext(body, context);
    assert.equal(timers.length, 1, 'polls while Plotly is missing');
    now = 11_000;
    timers.shift()!();
    assert.match(div.firstElementChild.textContent, /plotly\.js has not loaded/);
    context.Plotly = { newPlot: (...args: unknown[]) => { drawn.push(args); } };
    now = 12_000;
    timers.shift()!();
    assert.equal(drawn.length, 1);
    assert.equal((drawn[0] as unknown[])[0], div);
    assert.equal(div.textContent, '');
    assert.equal(timers.length, 0, 'stops polling after drawing');
    assert.ok(html.includes('height: 300px'));
  });

  test('scriptSafeJson escapes < and line separators but stays JSON', () => {
    const value = { s: hostile, n: [1, Number.NaN], t: Uint8Array.of(7) };
    const json = scriptSafeJson(value);
    assert.ok(!json.includes('<'));
    assert.deepEqual(JSON.parse(json), { s: hostile, n: [1, null], t: [7] });
  });
});

describe('showing outside and inside tslab', () => {
  test('outside tslab: figures are recorded by name, re-showing a name replaces it; PNGs come back', () => {
    clearShownFigures();
    const y = [1, 2, 3];
    showPlot(lineChart({ series: [{ name: 'loss', y }] }), { name: 'loss' });
    showPlot(lineChart({ series: [{ name: 'other', y: [5] }] }));
    y[0] = 99;
    showPlot(lineChart({ series: [{ name: 'loss v2', y: [0] }] }), { name: 'loss' });
    const shown = shownFigures();
    assert.deepEqual(shown.map((f) => f.name), ['loss', 'figure-2']);
    assert.equal((shown[0].figure.data[0] as { name: string }).name, 'loss v2');
    assert.deepEqual((shown[1].figure.data[0] as { y: number[] }).y, [5]);
    ensurePlotly(); // does nothing, and must not throw
    const png = encodePng(1, 1, Uint8Array.of(1, 2, 3, 255));
    assert.equal(displayPng(png, 'caption'), png);
  });

  test('inside tslab: ensurePlotly shows the loader each time it runs, showPlot only when it never ran', () => {
    const outputs: Array<[string, string | Uint8Array]> = [];
    const fakeTslab = {
      display: {
        html: (s: string) => { outputs.push(['html', s]); },
        png: (b: Uint8Array) => { outputs.push(['png', b]); },
        text: (s: string) => { outputs.push(['text', s]); },
      },
    };
    const globals = globalThis as Record<string, unknown>;
    const saved = globals.__tslab__;
    globals.__tslab__ = { require: (id: string) => (id === 'tslab' ? fakeTslab : require(id)) };
    const kinds = () => outputs.map(([kind, value]) => (kind === 'html' && plotlyCopies(value as string).length ? 'loader' : kind));
    try {
      // A notebook that never calls ensurePlotly: the first figure brings plotly.js along.
      showPlot(scatterChart({ series: [{ name: 'z', x: [0], y: [0], text: ['a'] }] }), { caption: 'clusters' });
      showPlot(heatmap({ z: [[1, 2], [3, 4]] }));
      assert.deepEqual(kinds(), ['loader', 'html', 'html']);
      const ids = outputs.slice(1).map(([, html]) => /<div id="([^"]+)"/.exec(html as string)?.[1]);
      assert.notEqual(ids[0], ids[1], 'each plot gets its own div id');
      assert.ok((outputs[1][1] as string).includes('clusters'));

      // The setup cell, run again: its output holds plotly.js again (it replaced the old one), and
      // the figure cells after it, run again, hold only their own div and script.
      outputs.length = 0;
      ensurePlotly();
      showPlot(heatmap({ z: [[1]] }));
      assert.deepEqual(kinds(), ['loader', 'html']);
      assert.ok((outputs[1][1] as string).length < 10_000, 'a figure output is small');
      assert.throws(() => ensurePlotly({ bundle: 'nope' as 'full' }), /bundle "nope": expected "cartesian" or "full"/);

      outputs.length = 0;
      const png = encodePng(1, 1, Uint8Array.of(1, 2, 3, 255));
      assert.equal(displayPng(png, 'what to see'), undefined, 'nothing for the cell to print');
      assert.deepEqual(outputs.map(([kind]) => kind), ['png', 'html']);
      assert.equal(outputs[0][1], png);
    } finally {
      globals.__tslab__ = saved;
    }
  });
});

describe('figure builders', () => {
  test('lineChart numbers x from 1 by default and can use a log y axis', () => {
    const figure = lineChart({ series: [{ name: 'train', y: Float64Array.of(3, 2, 1) }], title: 'Loss', xTitle: 'epoch', yTitle: 'loss', logY: true });
    assert.deepEqual(figure.data[0], { type: 'scatter', mode: 'lines', name: 'train', x: [1, 2, 3], y: [3, 2, 1] });
    assert.equal((figure.layout!.yaxis as { type: string }).type, 'log');
    assert.deepEqual(figure.layout!.title, { text: 'Loss' });
    assert.deepEqual((figure.layout!.xaxis as { title: unknown }).title, { text: 'epoch' });
  });

  test('scatterChart labels points and puts hover text on them', () => {
    const figure = scatterChart({
      series: [{ name: 'latent', x: [0, 1], y: [1, 0], text: ['a', 'b'], hover: ['a (0x61)', 'b (0x62)'] }],
      equalAspect: true,
    });
    const trace = figure.data[0] as Record<string, unknown>;
    assert.equal(trace.mode, 'markers+text');
    assert.deepEqual(trace.text, ['a', 'b']);
    assert.deepEqual(trace.hovertext, ['a (0x61)', 'b (0x62)']);
    assert.equal((figure.layout!.yaxis as { scaleanchor: string }).scaleanchor, 'x');
    const unlabelled = scatterChart({ series: [{ name: 's', x: [0], y: [0], text: ['a'] }], showText: false });
    assert.equal((unlabelled.data[0] as { mode: string }).mode, 'markers');
  });

  test('heatmap copies rows and can put the first row on top', () => {
    const figure = heatmap({ z: [Float32Array.of(0, 1), [1, 0]], x: ['a', 'b'], firstRowOnTop: true, zmin: 0, zmax: 1 });
    assert.deepEqual(figure.data[0], { type: 'heatmap', z: [[0, 1], [1, 0]], x: ['a', 'b'], colorscale: 'Viridis', zmin: 0, zmax: 1 });
    assert.equal((figure.layout!.yaxis as { autorange: string }).autorange, 'reversed');
  });
});

describe('payload sizes', () => {
  /** A loss curve like a long training's: noisy, falling, its minimum somewhere in the middle. */
  function lossCurve(length: number, seed: number): Float32Array {
    const noise = pseudoRandomBytes(length, seed);
    return Float32Array.from({ length }, (_, i) => 0.7 * Math.exp(-i / 2000) + 0.01 * (noise[i] / 255) + (i === 6543 ? -0.005 : 0));
  }

  test('a series up to the limit is drawn point by point; a longer one keeps its ends, lowest and highest values', () => {
    const short = lossCurve(LINE_CHART_MAX_POINTS, 1);
    assert.deepEqual(lineSeriesPoints(short), Array.from(short.keys()));
    const long = lossCurve(10_000, 2);
    const kept = lineSeriesPoints(long);
    assert.ok(kept.length <= LINE_CHART_MAX_POINTS && kept.length > LINE_CHART_MAX_POINTS / 2, `${kept.length} points`);
    assert.ok(kept.every((i, k) => k === 0 || i > kept[k - 1]), 'in order, no repeats');
    assert.equal(kept[0], 0);
    assert.equal(kept[kept.length - 1], long.length - 1);
    const values = Array.from(long);
    const keptValues = kept.map((i) => long[i]);
    assert.equal(Math.min(...keptValues), Math.min(...values), 'the minimum is kept');
    assert.equal(Math.max(...keptValues), Math.max(...values), 'the maximum is kept');
    assert.ok(kept.includes(6543), 'the best epoch is kept');
    // Every stretch of 100 epochs still has its own lowest value drawn (no part of the curve is skipped).
    for (let start = 0; start < long.length; start += 100) {
      assert.ok(kept.some((i) => i >= start && i < start + 100), `a point in epochs ${start + 1}-${start + 100}`);
    }
  });

  test('a gap (a non-finite value) still shows after thinning, and the x values follow the kept points', () => {
    const y = Array.from(lossCurve(5000, 3));
    y[2500] = Number.NaN;
    const kept = lineSeriesPoints(y, 100);
    assert.ok(kept.length <= 100);
    assert.ok(kept.some((i) => Number.isNaN(y[i])), 'the gap is kept');
    const x = y.map((_, i) => 10 * i);
    const trace = lineChart({ series: [{ name: 'loss', x, y }], maxPoints: 100 }).data[0] as { x: number[]; y: number[] };
    assert.deepEqual(trace.x, kept.map((i) => 10 * i));
    assert.deepEqual(trace.y, kept.map((i) => y[i]));
    assert.throws(() => lineChart({ series: [{ name: 'loss', x: [1, 2], y: [1, 2, 3] }] }), /series "loss": 2 x values for 3 y values/);
    assert.throws(() => lineSeriesPoints(y, 3), /maxPoints must be an integer >= 4, got 3/);
  });

  test('a figure output carries fractional numbers to 6 significant digits and integers as they are', () => {
    assert.equal(plotNumber(0.692709743976593), 0.69271);
    assert.equal(plotNumber(-1.23456789e-7), -1.23457e-7);
    assert.equal(plotNumber(1234567), 1234567);
    const html = plotHtml({ data: [{ type: 'scatter', x: [1, 10_000], y: Float32Array.of(0.1, 1 / 3) }] }, 'p');
    const figure = JSON.parse(/\n {2}var figure = (.*);\n/.exec(html)![1]);
    assert.deepEqual(figure.data[0].x, [1, 10_000]);
    assert.deepEqual(figure.data[0].y, [0.1, 0.333333]);
  });

  test('nine 10 000-epoch loss curves make a figure output under 150 kB', () => {
    const series = Array.from({ length: 9 }, (_, k) => ({ name: `35-25-20-10-2-10-20-25-35 seed ${k}`, y: lossCurve(10_000, 10 + k) }));
    const html = plotHtml(lineChart({ series, logY: true }), 'loss-report');
    assert.ok(html.length < 150_000, `${html.length} characters`);
  });
});
