/**
 * The pieces notebook 05 adds to the library: decoded grids and samples for any decoder, distances to
 * the nearest glyph, grid smoothness, the hover map, glyphs as a data set, mosaics of 28x28 images,
 * and the peer runner (against a stand-in script).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Autoencoder } from '../lib/autoencoder';
import { initEngine } from '../lib/engine';
import { GLYPH_PIXELS } from '../lib/font';
import {
  autoencoderDecoder, decodeAndDescribe, decodeGridOverBox, decodeQuantileGrid, glyphDataset, gridNeighbourChange,
  priorSamples, splitImages, spreadIndices, summarizeNearestGlyphs, vaeDecoder,
} from '../lib/generative';
import { describeDecoded, latentGrid } from '../lib/latent';
import { normalQuantileGrid } from '../lib/normal';
import { peerUnavailable, runPeer } from '../lib/peer';
import { glyphMosaicImage, glyphMosaicLayout, glyphMosaicPng, imageMapFigure } from '../lib/figures';
import { imageMapHtml, spriteCell } from '../lib/pages';
import { decodePng } from '../lib/png';
import { silentProgress } from '../lib/progress';
import { Vae } from '../lib/vae';
import { scratchDir } from './helpers';

before(async () => {
  await initEngine('wasm');
});

const box = { xMin: -2, xMax: 2, yMin: -1, yMax: 3 };
/** A decoder that shows its input: image = [z1, z2]. */
const echo = (codes: number[][]) => codes.map((c) => [...c]);

describe('decoded grids, samples and distances', () => {
  test('splitImages and spreadIndices', () => {
    assert.deepEqual(splitImages(Float32Array.from([1, 2, 3, 4, 5, 6]), 3), [[1, 2, 3], [4, 5, 6]]);
    assert.throws(() => splitImages([1, 2, 3], 2), /do not make whole images of 2 pixels/);
    assert.deepEqual(spreadIndices(10, 5), [0, 2, 4, 6, 8]);
    assert.deepEqual(spreadIndices(3, 10), [0, 1, 2], 'all of them when asked for more');
    const spread = spreadIndices(1996, 300);
    assert.equal(new Set(spread).size, 300);
    assert.ok(spread.every((i, k) => k === 0 || i > spread[k - 1]) && spread[299] < 1996);
  });

  test('a grid over a box and a grid at quantiles hand their points to the decoder in mosaic order', () => {
    const grid = decodeGridOverBox(echo, box, 3);
    assert.deepEqual(grid.points, latentGrid(box, 3));
    assert.deepEqual(grid.images, grid.points);
    assert.deepEqual(grid.points[0], [-2, 3], 'top left: smallest z1, largest z2');
    assert.deepEqual(grid.points[8], [2, -1]);
    const quantiles = decodeQuantileGrid(echo, 4);
    assert.deepEqual(quantiles.points, normalQuantileGrid(4));
    assert.equal(quantiles.n, 4);
  });

  test('prior samples are seeded and standard normal', () => {
    assert.deepEqual(priorSamples(5, 2, 3), priorSamples(5, 2, 3));
    assert.notDeepEqual(priorSamples(5, 2, 3), priorSamples(5, 2, 4));
    const z = priorSamples(20000, 2, 1).flat();
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.03, `mean ${mean}, variance ${variance}`);
    assert.throws(() => priorSamples(0, 2, 1), /count is 0/);
  });

  test('neighbour change: none on a constant grid, known counts on a striped one', () => {
    const flat = Array.from({ length: 9 }, () => [0.2, 0.8]);
    assert.deepEqual(gridNeighbourChange(flat, 3), { meanAbsChange: 0, meanFlips: 0, pairs: 12 });
    // Columns alternate between [0, 0] and [1, 1]: each of the 6 left-right pairs flips 2 pixels, up-down pairs none.
    const striped = Array.from({ length: 9 }, (_, i) => (i % 3 === 1 ? [1, 1] : [0, 0]));
    const change = gridNeighbourChange(striped, 3);
    assert.equal(change.meanFlips, (6 * 2) / 12);
    assert.equal(change.meanAbsChange, 6 / 12);
    assert.throws(() => gridNeighbourChange(flat, 4), /9 images for a 4 x 4 grid/);
  });

  test('distances to the nearest glyph are summarised', () => {
    const glyphs = [new Array(GLYPH_PIXELS).fill(0), new Array(GLYPH_PIXELS).fill(1)];
    // 0, 1, 5 and 17 pixels on: distances 0, 1, 5 and 17 (nearest: blank) and a near-full one at 2 from full.
    const withInk = (n: number) => Array.from({ length: GLYPH_PIXELS }, (_, p) => (p < n ? 0.9 : 0.1));
    const images = [withInk(0), withInk(1), withInk(5), withInk(17), withInk(33)];
    const decoded = describeDecoded(images.map(() => [0, 0]), images, glyphs);
    assert.deepEqual(decoded.map((d) => d.nearest.distance), [0, 1, 5, 17, 2]);
    const summary = summarizeNearestGlyphs(decoded, { reproduceMax: 1, newMin: 3, letterLike: (d) => d.ink >= 5 });
    assert.equal(summary.count, 5);
    assert.equal(summary.reproductions, 2);
    assert.equal(summary.newGlyphs, 2);
    assert.equal(summary.newLetterLike, 2);
    assert.equal(summary.meanDistance, 5);
    assert.equal(summary.medianDistance, 2);
    assert.equal(summary.maxDistance, 17);
    assert.ok(Math.abs(summary.meanConfidence - 0.8) < 1e-12);
    assert.equal(summarizeNearestGlyphs(decoded).newLetterLike, null);
  });

  test('glyphs as a data set; both kinds of model as decoders, without leaking tensors', () => {
    const glyphs = Array.from({ length: 4 }, (_, g) => Array.from({ length: GLYPH_PIXELS }, (_, p) => ((p + g) % 3 === 0 ? 1 : 0)));
    const data = glyphDataset(glyphs, 'four');
    assert.equal(data.count, 4);
    assert.equal(data.rows * data.cols, GLYPH_PIXELS);
    assert.deepEqual(Array.from(data.labels), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(data.images.subarray(GLYPH_PIXELS, 2 * GLYPH_PIXELS)), glyphs[1]);
    assert.throws(() => glyphDataset([[1, 0]]), /glyph 0 has 2 pixels/);

    const before = tf.memory().numTensors;
    const vae = new Vae({ inputSize: GLYPH_PIXELS, hidden: [6], seed: 1 });
    const model = new Autoencoder({ layers: [GLYPH_PIXELS, 6, 2, 6, GLYPH_PIXELS], seed: 1 });
    const points = [[0, 0], [1, -1], [2, 3]];
    for (const decode of [vaeDecoder(vae), autoencoderDecoder(model)]) {
      const images = decode(points);
      assert.equal(images.length, 3);
      assert.ok(images.every((im) => im.length === GLYPH_PIXELS && im.every((p) => p > 0 && p < 1)));
      assert.deepEqual(decode([]), []);
      const described = decodeAndDescribe(decode, points, glyphs);
      assert.equal(described.length, 3);
      assert.ok(described.every((d) => d.nearest.index >= 0 && d.nearest.index < 4));
    }
    const vaeImages = vaeDecoder(vae)(points);
    assert.deepEqual(vaeImages[1], Array.from(vae.decode([[1, -1]])), 'the same numbers as Vae.decode');
    vae.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('mosaics of images other than 5x7 glyphs', () => {
  test('28x28 images: layout, pixels and size checks', () => {
    const scale = 2;
    const layout = glyphMosaicLayout(3, 2, { imageRows: 28, imageColumns: 28, scale, gap: 1, margin: 1, columns: 3 });
    assert.equal(layout.width, 2 * 1 + 3 * 56 + 2 * 1);
    assert.equal(layout.height, 2 * 1 + 2 * 56 + 1);
    const image = Array.from({ length: 784 }, (_, p) => (Math.floor(p / 28) === 5 ? 1 : 0)); // row 5 inked
    const { width, rgba } = glyphMosaicImage([{ images: [image, image, image] }, { images: [image] }], { imageRows: 28, imageColumns: 28, scale, gap: 1, margin: 1, columns: 3 });
    const at = (x: number, y: number) => Array.from(rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 3));
    const origin = layout.cellOrigin(1, 0);
    assert.deepEqual(at(origin.x + 10 * scale, origin.y + 5 * scale), [0, 0, 0], 'ink of row 5');
    assert.deepEqual(at(origin.x + 10 * scale, origin.y + 6 * scale), [255, 255, 255], 'paper of row 6');
    const png = decodePng(glyphMosaicPng([{ images: [image] }], { imageRows: 28, imageColumns: 28 }));
    assert.equal(png.width, 2 * 4 + 28 * 8);
    // Non-square images too, and the error names the expected size.
    assert.equal(glyphMosaicLayout(1, 1, { imageRows: 2, imageColumns: 3, scale: 1, gap: 0, margin: 0 }).width, 3);
    assert.throws(() => glyphMosaicPng([{ images: [image] }]), /need 35 values \(7 x 5\)/);
    assert.throws(() => glyphMosaicPng([{ images: [[1, 0]] }], { imageRows: 28, imageColumns: 28 }), /need 784 values \(28 x 28\)/);
    assert.throws(() => glyphMosaicLayout(1, 1, { imageRows: 0 }), /imageRows must be an integer >= 1/);
  });
});

describe('the latent map with the hovered image', () => {
  const spec = {
    codes: [[0, 0], [1, 1], [2, -1], [-1, 0.5]], labels: [0, 1, 1, 0], classNames: ['zero', 'one', 'two'],
    images: [[0, 1, 0.5, 0], [1, 1, 1, 1], [0, 0, 0, 0], [0.25, 0, 0, 0]], rows: 2, cols: 2, ids: [10, 11, 12, 13], idPrefix: 'test image ',
  };

  test('one trace per class present, customdata pointing at the images', () => {
    const figure = imageMapFigure(spec);
    assert.deepEqual(figure.data.map((t) => t.name), ['zero', 'one'], 'a class without points gets no trace');
    assert.deepEqual(figure.data[1].x, [1, 2]);
    assert.deepEqual(figure.data[1].customdata, [[1, 11], [2, 12]]);
    assert.match(String(figure.data[0].hovertemplate), /test image %\{customdata\[1\]\}/);
    assert.throws(() => imageMapFigure({ ...spec, labels: [0] }), /4 codes, 1 labels/);
  });

  test('the images travel as one grey PNG sprite; the page holds the figure, the panel and the hook', () => {
    const html = imageMapHtml({ ...spec, name: 'map', caption: 'Look <here>.' });
    const data = JSON.parse(/startImageMap\(".*?", ".*?", (\{.*\})\);/.exec(html)![1]) as { sprite: string; perRow: number; count: number };
    const sprite = decodePng(Buffer.from(data.sprite, 'base64'));
    const grey = spec.images.map((_, i) => {
      const { x, y } = spriteCell(i, data.perRow, 2, 2);
      return [0, 1, 2, 3].map((p) => sprite.rgba[((y + (p >> 1)) * sprite.width + x + (p & 1)) * 4]);
    });
    assert.equal(data.count, 4);
    assert.deepEqual(grey, [[0, 255, 128, 0], [255, 255, 255, 255], [0, 0, 0, 0], [64, 0, 0, 0]]);
    assert.match(html, /class="ts-plotly" data-figure-name="map"/);
    assert.match(html, /class="ae-map-panel"/);
    assert.match(html, /plotly_hover/);
    assert.ok(html.includes('Look &lt;here&gt;.'), 'the caption is escaped');
  });
});

describe('the peer runner, against a stand-in script', () => {
  const dir = scratchDir('ae-peer-');
  const mnistDir = path.join(dir, 'mnist');
  fs.mkdirSync(path.join(mnistDir, 'src', 'digits'), { recursive: true });
  fs.writeFileSync(path.join(mnistDir, 'src', 'digits', '0.json'), '{"data": []}');
  const fake = path.join(dir, 'fake_peer.py');
  fs.writeFileSync(fake, [
    'import json, sys',
    'args = sys.argv[1:]',
    'epochs = int(args[args.index("--epochs") + 1])',
    'if "--fail" in args or epochs > 50: sys.stderr.write("boom\\n"); sys.exit(3)',
    'print("some banner")',
    'for e in range(1, epochs + 1):',
    '    print(json.dumps({"peer": "pytorch fake", "threads": int(args[args.index("--threads") + 1]), "epoch": e, "train_neg_elbo": 200.0 - e,',
    '                      "test_neg_elbo": 190.0 - e, "test_rec": 185.0 - e, "test_kl": 5.0, "epoch_s": 0.5, "train_n": 8004, "test_n": 1996}), flush=True)',
    'print(json.dumps({"summary": True, "total_train_s": 0.5 * epochs}))',
  ].join('\n'));
  const python = 'python3';

  test('reasons for not running are one sentence each', () => {
    assert.match(peerUnavailable({ script: path.join(dir, 'absent.py'), mnistDir }) ?? '', /the peer script .*absent\.py is absent/);
    assert.match(peerUnavailable({ script: fake, mnistDir: dir }) ?? '', /the mnist package is not at/);
    assert.match(peerUnavailable({ script: fake, mnistDir, python: path.join(dir, 'no-python') }) ?? '', /cannot import torch/);
  });

  test('reads the epochs and the summary as they come', async () => {
    const progress = silentProgress();
    const run = await runPeer({ script: fake, python, mnistDir, epochs: 3, hidden: 512, batchSize: 128, learningRate: 1e-3, seed: 0, threads: 2, progress });
    assert.equal(run.peer, 'pytorch fake');
    assert.equal(run.threads, 2);
    assert.deepEqual(run.epochs.map((e) => e.testNegElbo), [189, 188, 187]);
    assert.deepEqual(run.epochs[0], { epoch: 1, trainNegElbo: 199, testNegElbo: 189, testReconstruction: 184, testKl: 5, seconds: 0.5 });
    assert.equal(run.trainSeconds, 1.5);
    assert.equal(run.trainCount, 8004);
    assert.ok(run.wallSeconds > 0);
    assert.match(progress.lines[progress.lines.length - 1], /3 epochs, test −ELBO 187 nats\/image, 1\.5 s of training/);
  });

  test('a failing peer is an error naming its exit and last words', async () => {
    await assert.rejects(runPeer({ script: fake, python, mnistDir, epochs: 60, hidden: 512, batchSize: 128, learningRate: 1e-3, seed: 0, progress: null }),
      /the peer exited with 3 after 0 of 60 epochs: boom/);
  });
});

describe('the VAE output bias from the data', () => {
  test('the last bias becomes the log-odds of the clipped mean pixel, and nothing else changes', () => {
    const data = glyphDataset([
      Array.from({ length: GLYPH_PIXELS }, (_, p) => (p === 0 ? 1 : p === 1 ? 0.5 : 0)),
      Array.from({ length: GLYPH_PIXELS }, (_, p) => (p === 0 ? 1 : p === 1 ? 0 : 0)),
    ]);
    // Means over the two: 1, 0.25, 0, 0, ... (clipped to [0.01, 0.99]).
    const before = tf.memory().numTensors;
    const vae = new Vae({ inputSize: GLYPH_PIXELS, hidden: [4], seed: 2 });
    const othersBefore = vae.variables().slice(0, -1).map((v) => Array.from(v.dataSync()));
    const mean = vae.setOutputBiasToDataMean(data, 0.01);
    assert.ok(Math.abs(mean[0] - 0.99) < 1e-6 && Math.abs(mean[1] - 0.25) < 1e-6 && Math.abs(mean[2] - 0.01) < 1e-6);
    const bias = vae.decoderBiases[vae.decoderBiases.length - 1].dataSync();
    assert.ok(Math.abs(bias[0] - Math.log(99)) < 1e-5, `pixel 0: ${bias[0]}`);
    assert.ok(Math.abs(bias[1] - Math.log(1 / 3)) < 1e-5, `pixel 1: ${bias[1]}`);
    assert.ok(Math.abs(bias[2] + Math.log(99)) < 1e-5, `pixel 2: ${bias[2]}`);
    assert.deepEqual(vae.variables().slice(0, -1).map((v) => Array.from(v.dataSync())), othersBefore, 'every other variable is untouched');
    assert.throws(() => vae.setOutputBiasToDataMean(data, 0), /clip is 0/);
    const wrongSize = { ...data, rows: 1, cols: 3, images: new Float32Array(6) };
    assert.throws(() => vae.setOutputBiasToDataMean(wrongSize), /has 1x3 images, the VAE takes 35 pixels/);
    vae.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });
});
