import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  Activation, Autoencoder, binarize, compareWithPageDecoder, decodeLatentPoints, decoderConfidence, DECODER_JS, decoderNetwork,
  findNewLetters, glyphBits, glyphChar, glyphHoverText, initEngine, interpolateLatent, isLetterLike, latentBox,
  latentExplorerHtml, latentGrid, latentMapFigure, letterLikeCriteria, loadFont, nearestGlyph, pageDecoder,
  pixelDistance, randomLatentPoints, strokeCount, trainAutoencoder,
} from './lib';
import { projectRoot } from './helpers';

const font = loadFont(path.join(projectRoot, 'data', 'font.h'));
const glyphs = glyphBits(font);
const chars = font.glyphs.map(glyphChar);

describe('points of the plane', () => {
  test('latentBox holds every code with the margin on each side; a flat direction still gets a size', () => {
    const box = latentBox([[0, 0], [10, 2], [4, -2]], 0.1);
    assert.deepEqual(box, { xMin: -1, xMax: 11, yMin: -2.4, yMax: 2.4 });
    assert.deepEqual(latentBox([[1, 5]], 0), { xMin: 1, xMax: 1, yMin: 5, yMax: 5 });
    assert.deepEqual(latentBox([[1, 5]], 0.5), { xMin: 0.5, xMax: 1.5, yMin: 4.5, yMax: 5.5 });
    assert.throws(() => latentBox([[1, 2, 3]]), /3 dimension\(s\); the latent plane needs 2-D codes/);
    assert.throws(() => latentBox([]), /no codes/);
  });

  test('latentGrid runs row by row from the top left, like a mosaic of the plane', () => {
    const grid = latentGrid({ xMin: 0, xMax: 2, yMin: -1, yMax: 1 }, 3);
    assert.equal(grid.length, 9);
    assert.deepEqual(grid[0], [0, 1]);
    assert.deepEqual(grid[2], [2, 1]);
    assert.deepEqual(grid[4], [1, 0]);
    assert.deepEqual(grid[8], [2, -1]);
    assert.throws(() => latentGrid({ xMin: 0, xMax: 1, yMin: 0, yMax: 1 }, 1), /at least 2/);
  });

  test('interpolateLatent includes both ends and spaces the steps evenly', () => {
    const line = interpolateLatent([0, 0], [3, -6], 4);
    assert.deepEqual(line, [[0, 0], [1, -2], [2, -4], [3, -6]]);
    assert.throws(() => interpolateLatent([0, 0], [1, 1], 1), /at least 2/);
  });

  test('randomLatentPoints stay in the box and repeat with the seed', () => {
    const box = { xMin: -2, xMax: 3, yMin: 10, yMax: 11 };
    const points = randomLatentPoints(box, 200, 7);
    assert.ok(points.every(([x, y]) => x >= -2 && x <= 3 && y >= 10 && y <= 11));
    assert.deepEqual(randomLatentPoints(box, 200, 7), points);
    assert.notDeepEqual(randomLatentPoints(box, 200, 8), points);
  });
});

describe('measures of a decoded glyph', () => {
  test('strokeCount counts 8-connected pieces: i and j have two (dot and body), every other glyph of the font one', () => {
    const counts = Object.fromEntries(glyphs.map((g, i) => [chars[i], strokeCount(g)]));
    assert.equal(counts.i, 2);
    assert.equal(counts.j, 2);
    assert.deepEqual(Object.entries(counts).filter(([, n]) => n !== 1).map(([c]) => c).sort(), ['i', 'j']);
    const blank = new Array(35).fill(0);
    assert.equal(strokeCount(blank), 0);
    const diagonal = blank.slice(); diagonal[0] = 1; diagonal[6] = 1; diagonal[12] = 1;
    assert.equal(strokeCount(diagonal), 1, 'corner-touching pixels are one stroke');
    const apart = blank.slice(); apart[0] = 1; apart[2] = 1;
    assert.equal(strokeCount(apart), 2);
    assert.equal(strokeCount(blank.map(() => 0.7)), 1, 'probabilities are thresholded at 0.5');
  });

  test('decoderConfidence is 1 for clear pixels, 0 for undecided ones', () => {
    assert.equal(decoderConfidence([0, 1, 1, 0]), 1);
    assert.equal(decoderConfidence([0.5, 0.5]), 0);
    assert.ok(Math.abs(decoderConfidence([0.9, 0.2]) - 0.7) < 1e-12);
    assert.equal(decoderConfidence([NaN, 1]), 0.5, 'NaN counts as undecided');
  });

  test('nearestGlyph finds each glyph itself, and the closest one for a changed copy', () => {
    glyphs.forEach((g, i) => assert.deepEqual(nearestGlyph(g, glyphs), { index: i, distance: 0 }));
    const changed = glyphs[5].slice();
    changed[0] = 1 - changed[0];
    assert.deepEqual(nearestGlyph(changed, glyphs), { index: 5, distance: 1 });
    assert.throws(() => nearestGlyph(changed, []), /no glyphs/);
  });

  test('letter-like criteria come from the training glyphs, which all pass them', () => {
    const criteria = letterLikeCriteria(glyphs, 0.9);
    assert.equal(criteria.maxStrokes, 2);
    assert.equal(criteria.minConfidence, 0.9);
    assert.ok(criteria.minInk >= 1 && criteria.minInk <= criteria.maxInk && criteria.maxInk <= 35);
    for (const g of glyphs) {
      const ink = binarize(g).reduce((a, b) => a + b, 0);
      assert.ok(isLetterLike({ confidence: decoderConfidence(g), strokes: strokeCount(g), ink }, criteria));
    }
    assert.ok(!isLetterLike({ confidence: 0.5, strokes: 1, ink: 10 }, criteria), 'too unsure');
    assert.ok(!isLetterLike({ confidence: 1, strokes: 3, ink: 10 }, criteria), 'too broken up');
    assert.ok(!isLetterLike({ confidence: 1, strokes: 1, ink: 0 }, criteria), 'no ink');
  });

  test('glyphHoverText draws the glyph in 7 lines under its title', () => {
    const text = glyphHoverText(glyphs[chars.indexOf('l')], 'l <1>');
    const lines = text.split('<br>');
    assert.equal(lines.length, 8);
    assert.equal(lines[0], '<b>l &lt;1&gt;</b>');
    assert.equal(lines[1], '·█···');
    assert.equal(lines[7], '··██·');
  });
});

describe('a trained model\'s plane', () => {
  let model: Autoencoder;
  let codes: number[][];

  before(async () => {
    await initEngine('wasm');
    model = new Autoencoder({ layers: [35, 20, 10, 2, 10, 20, 35], seed: 0 });
    const history = await trainAutoencoder(model, glyphs, { epochs: 3000, learningRate: 0.005, progress: null });
    assert.equal(history.stopReason, 'criterion', history.message);
    codes = model.encodeArray(glyphs);
  });
  after(() => model.dispose());

  test('the page\'s JavaScript decoder draws exactly the library\'s glyphs on sampled points', () => {
    const box = latentBox(codes, 0.5);
    const points = [...randomLatentPoints(box, 3000, 11), ...latentGrid(box, 40), ...codes];
    const agreement = compareWithPageDecoder(model, points);
    assert.equal(agreement.points, points.length);
    assert.equal(agreement.differingPixels, 0);
    assert.equal(agreement.identicalGlyphs, points.length);
    assert.ok(agreement.maxProbabilityGap < 1e-4, `float32 and float64 outputs agree closely (${agreement.maxProbabilityGap})`);

    // The same, done by hand with the very source text the page embeds, run in a fresh vm context.
    const decode = vm.runInNewContext(`${DECODER_JS}; decodeLatent`, {}) as (net: unknown, z: number[]) => number[];
    const net = JSON.parse(JSON.stringify(decoderNetwork(model)));
    const library = model.decodeArray(points.slice(0, 500));
    points.slice(0, 500).forEach((z, i) => assert.deepEqual(binarize(decode(net, z)), binarize(library[i]), `point ${z}`));
    // pageDecoder is that same decoder: the same numbers on the same points.
    const viaLibrary = pageDecoder();
    points.slice(0, 200).forEach((z) => assert.deepEqual(Array.from(viaLibrary(net, z)), Array.from(decode(net, z)), `point ${z}`));
  });

  test('the page\'s decoder computes each activation, worked out by hand on a one-input network', () => {
    const decode = pageDecoder();
    // z = [2]: pre-activations 2 * [1, -1, 0.5] + [0, 0.5, -2] = [2, -1.5, -1], then a second layer mixing them.
    const layer = (activation: Activation) => ({ weights: [[1, -1, 0.5]], biases: [0, 0.5, -2], activation });
    const pre = [2, -1.5, -1];
    const expected: Record<Activation, number[]> = {
      tanh: pre.map(Math.tanh), sigmoid: pre.map((v) => 1 / (1 + Math.exp(-v))), relu: [2, 0, 0], linear: pre,
    };
    for (const activation of ['tanh', 'sigmoid', 'relu', 'linear'] as Activation[]) {
      const out = decode({ latentSize: 1, outputSize: 3, layers: [layer(activation)] }, [2]);
      out.forEach((v, i) => assert.ok(Math.abs(v - expected[activation][i]) < 1e-15, `${activation}: ${out} vs ${expected[activation]}`));
    }
    // Two layers: [2, 0, 0] (relu) into weights [[1], [5], [-3]] and bias 0.25: 2.25, linear.
    const two = decode({ latentSize: 1, outputSize: 1, layers: [layer('relu'), { weights: [[1], [5], [-3]], biases: [0.25], activation: 'linear' }] }, [2]);
    assert.deepEqual(Array.from(two), [2.25]);
  });

  test('decoderNetwork is the decoder half, with its activations', () => {
    const net = decoderNetwork(model);
    assert.equal(net.latentSize, 2);
    assert.equal(net.outputSize, 35);
    assert.deepEqual(net.layers.map((l) => [l.weights.length, l.biases.length, l.activation]), [[2, 10, 'tanh'], [10, 20, 'tanh'], [20, 35, 'sigmoid']]);
  });

  test('findNewLetters returns letter-like glyphs at least K pixels from every training glyph and from each other', () => {
    const criteria = letterLikeCriteria(glyphs, 0.85);
    for (const minDistance of [3, 4]) {
      const search = findNewLetters(model, glyphs, { resolution: 50, minDistance, count: 5, criteria });
      assert.equal(search.searched, 2500);
      assert.ok(search.farFromTraining >= search.letterLike && search.letterLike >= search.distinctDrawings);
      assert.ok(search.letters.length >= 1 && search.letters.length <= 5, `found ${search.letters.length} at K=${minDistance}`);
      for (const letter of search.letters) {
        assert.ok(glyphs.every((g) => pixelDistance(letter.pixels, g) >= minDistance));
        assert.equal(letter.nearest.distance, Math.min(...glyphs.map((g) => pixelDistance(letter.pixels, g))));
        assert.ok(isLetterLike(letter, criteria));
        // Decoding the point again draws the same glyph: the table's points reproduce the letters.
        assert.deepEqual(decodeLatentPoints(model, [letter.point], glyphs)[0].pixels, letter.pixels);
      }
      search.letters.forEach((a, i) => search.letters.slice(i + 1).forEach((b) => assert.ok(pixelDistance(a.pixels, b.pixels) >= minDistance)));
      const confidences = search.letters.map((l) => l.confidence);
      assert.deepEqual(confidences, [...confidences].sort((a, b) => b - a), 'most confident first');
    }
    const before = tf.memory().numTensors;
    findNewLetters(model, glyphs, { resolution: 20, criteria });
    assert.equal(tf.memory().numTensors, before, 'the search frees its tensors');
  });

  test('latentMapFigure labels every point and draws its glyph on hover', () => {
    const figure = latentMapFigure([
      { name: 'glyphs', codes, labels: chars, images: glyphs },
      { name: 'marks', codes: [[0, 0]], labels: ['#1'], symbol: 'diamond' },
    ], { paths: [{ name: 'line', points: [[0, 0], [1, 1]] }] });
    assert.equal(figure.data.length, 3);
    assert.equal((figure.data[0].text as string[]).length, 32);
    assert.equal(figure.data[0].hovertemplate, '%{hovertext}<extra></extra>');
    assert.match((figure.data[0].hovertext as string[])[1], /^<b>a<\/b><br>[█·]{5}<br>/);
    assert.equal((figure.data[1].marker as { symbol: string }).symbol, 'diamond');
    assert.equal(figure.data[2].mode, 'lines+markers');
    assert.throws(() => latentMapFigure([{ name: 'x', codes: [[1, 2, 3]], labels: ['a'] }]), /latent plane needs 2-D codes/);
  });

  test('the explorer page is self-contained and its script runs: it decodes, names the nearest glyph and draws', () => {
    const box = latentBox(codes);
    const html = latentExplorerHtml({ model, glyphs, labels: chars, codes, box, minDistance: 3, marks: [{ point: [0, 0], label: '#1' }], caption: 'Move <here>' });
    assert.ok(!/<script[^>]+src=/.test(html), 'no external scripts: works offline');
    assert.ok(html.includes(DECODER_JS), 'the decoder text checked above is the one in the page');
    assert.ok(html.includes('Move &lt;here&gt;'));
    assert.match(html, /a variant \(2 pixels\)/);
    const id = /<div id="(ae-explorer-[0-9a-f]+)"/.exec(html)?.[1] as string;
    const script = /<script type="text\/javascript">([\s\S]*)<\/script>/.exec(html)?.[1] as string;
    assert.ok(id && script);

    // A minimal DOM: canvases whose 2-D contexts count the calls made on them.
    const calls = { fillRect: 0, fillText: 0, drawImage: 0 };
    const context = new Proxy({} as Record<string, unknown>, {
      get: (target, key: string) => key in target ? target[key] : (...args: unknown[]) => {
        if (key in calls) calls[key as keyof typeof calls]++;
        return args.length ? undefined : undefined;
      },
      set: (target, key: string, value) => { target[key] = value; return true; },
    });
    const listeners: Record<string, (event: { clientX: number; clientY: number }) => void> = {};
    const canvas = (): Record<string, unknown> => ({
      style: {}, getContext: () => context, getBoundingClientRect: () => ({ left: 100, top: 50 }),
      addEventListener: (type: string, listener: (event: { clientX: number; clientY: number }) => void) => { listeners[type] = listener; },
    });
    const parts: Record<string, Record<string, unknown>> = {
      'canvas.ae-plane': canvas(), 'canvas.ae-decoded': canvas(), 'canvas.ae-nearest': canvas(), '.ae-info': { textContent: '' },
    };
    const attributes: Record<string, string> = {};
    const root = { querySelector: (selector: string) => parts[selector] ?? null, setAttribute: (k: string, v: string) => { attributes[k] = v; } };
    const sandbox = {
      window: { devicePixelRatio: 2 },
      document: { getElementById: (wanted: string) => (wanted === id ? root : null), createElement: () => canvas() },
      setTimeout: () => undefined,
      Date,
      Math,
      String,
    };
    vm.runInNewContext(script, sandbox);
    assert.equal(attributes['data-ready'], 'true', 'the widget started');
    // It starts at the first mark, (0, 0): the nearest glyph it names is the library's nearest glyph there.
    const [expected] = decodeLatentPoints(model, [[0, 0]], glyphs);
    assert.equal(attributes['data-nearest'], chars[expected.nearest.index]);
    assert.equal(attributes['data-distance'], String(expected.nearest.distance));
    assert.match(String(parts['.ae-info'].textContent), /^z = \(0\.00, 0\.00\)\s+·\s+nearest training glyph: ".*", \d+ pixels? away \(.*\)\s+·\s+decoder confidence \d\.\d\d$/);
    assert.ok(calls.fillRect >= 64 * 64 + 35, 'background, decoded glyph and nearest glyph were drawn');
    assert.ok(calls.fillText >= 32, 'every glyph is labelled on the plane');

    // The pointer over a glyph's code: the page names that glyph (the model reconstructs each within 1 pixel).
    assert.ok(listeners.pointermove && listeners.pointerdown, 'the plane follows the pointer');
    for (const letter of ['k', 'o', 'z']) {
      const [x, y] = codes[chars.indexOf(letter)];
      const size = 440;
      listeners.pointermove({ clientX: 100 + ((x - box.xMin) / (box.xMax - box.xMin)) * size, clientY: 50 + ((box.yMax - y) / (box.yMax - box.yMin)) * size });
      assert.equal(attributes['data-nearest'], letter);
      assert.ok(Number(attributes['data-distance']) <= 1);
    }
  });
});
