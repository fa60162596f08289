/**
 * A small PNG encoder and decoder: 8-bit RGB/RGBA, non-interlaced. Enough to write crisp glyph
 * mosaics without an image library, and to read our own files back in tests.
 */
import * as zlib from 'node:zlib';
import { writeFileAtomic } from './files';

export interface RgbaImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major, top row first. */
  rgba: Uint8Array;
}

/** PNG row filters: 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth. */
export type PngFilter = 0 | 1 | 2 | 3 | 4;

export interface EncodePngOptions {
  /**
   * 'auto' (default) drops the alpha channel when every pixel is opaque, which makes files a quarter
   * smaller; true/false force RGBA/RGB (false discards alpha).
   */
  alpha?: boolean | 'auto';
  /** One filter for every row, or 'adaptive' (default): per row, libpng's minimum-sum heuristic. */
  filter?: PngFilter | 'adaptive';
}

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOUR_TYPE_RGB = 2;
const COLOUR_TYPE_RGBA = 6;

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG (and zlib) define it; `previous` continues a running CRC over split input. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(asciiBytes(type), 4);
  out.set(data, 8);
  // The CRC covers the type and the data, not the length.
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function paeth(left: number, up: number, upLeft: number): number {
  const p = left + up - upLeft;
  const pa = Math.abs(p - left);
  const pb = Math.abs(p - up);
  const pc = Math.abs(p - upLeft);
  if (pa <= pb && pa <= pc) return left;
  return pb <= pc ? up : upLeft;
}

/** Writes filter byte + filtered row into `out` at `offset`. */
function filterRow(
  filter: PngFilter, row: Uint8Array, previous: Uint8Array, bpp: number, out: Uint8Array, offset: number,
): void {
  out[offset] = filter;
  for (let i = 0; i < row.length; i++) {
    const left = i >= bpp ? row[i - bpp] : 0;
    const up = previous[i];
    const upLeft = i >= bpp ? previous[i - bpp] : 0;
    let predicted: number;
    switch (filter) {
      case 0: predicted = 0; break;
      case 1: predicted = left; break;
      case 2: predicted = up; break;
      case 3: predicted = (left + up) >>> 1; break;
      case 4: predicted = paeth(left, up, upLeft); break;
    }
    out[offset + 1 + i] = (row[i] - predicted) & 0xff;
  }
}

/** Sum of the filtered bytes read as signed values: small sums tend to deflate best. */
function filteredCost(filtered: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = offset + 1; i <= offset + length; i++) {
    const b = filtered[i];
    sum += b < 128 ? b : 256 - b;
  }
  return sum;
}

/** Encodes `rgba` (width * height * 4 bytes) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array, options: EncodePngOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${width}x${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  }
  const alphaOption = options.alpha ?? 'auto';
  let withAlpha: boolean;
  if (alphaOption === 'auto') {
    withAlpha = false;
    for (let i = 3; i < rgba.length; i += 4) {
      if (rgba[i] !== 255) { withAlpha = true; break; }
    }
  } else {
    withAlpha = alphaOption;
  }
  const bpp = withAlpha ? 4 : 3;
  const rowBytes = width * bpp;

  const filtered = new Uint8Array(height * (rowBytes + 1));
  const candidates = new Uint8Array(rowBytes + 1);
  let previous = new Uint8Array(rowBytes);
  let row = new Uint8Array(rowBytes);
  const filterOption = options.filter ?? 'adaptive';
  for (let y = 0; y < height; y++) {
    if (withAlpha) {
      row.set(rgba.subarray(y * width * 4, (y + 1) * width * 4));
    } else {
      for (let x = 0; x < width; x++) {
        const source = (y * width + x) * 4;
        row[x * 3] = rgba[source];
        row[x * 3 + 1] = rgba[source + 1];
        row[x * 3 + 2] = rgba[source + 2];
      }
    }
    const offset = y * (rowBytes + 1);
    if (filterOption === 'adaptive') {
      let best: PngFilter = 0;
      let bestCost = Infinity;
      for (const filter of [0, 1, 2, 3, 4] as const) {
        filterRow(filter, row, previous, bpp, candidates, 0);
        const cost = filteredCost(candidates, 0, rowBytes);
        if (cost < bestCost) { bestCost = cost; best = filter; }
      }
      filterRow(best, row, previous, bpp, filtered, offset);
    } else {
      filterRow(filterOption, row, previous, bpp, filtered, offset);
    }
    [previous, row] = [row, previous];
  }

  const header = new Uint8Array(13);
  const headerView = new DataView(header.buffer);
  headerView.setUint32(0, width);
  headerView.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = withAlpha ? COLOUR_TYPE_RGBA : COLOUR_TYPE_RGB;
  // bytes 10-12: compression 0 (deflate), filter method 0, interlace 0 (none)

  const parts = [
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', new Uint8Array(zlib.deflateSync(filtered, { level: 9 }))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

/** Decodes an 8-bit RGB or RGBA non-interlaced PNG (what encodePng writes) to RGBA. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  for (let i = 0; i < PNG_SIGNATURE.length; i++) {
    if (bytes[i] !== PNG_SIGNATURE[i]) throw new Error('not a PNG file: bad signature');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let colourType = -1;
  const compressed: Uint8Array[] = [];
  let sawEnd = false;
  let at = PNG_SIGNATURE.length;
  while (at < bytes.length && !sawEnd) {
    if (at + 12 > bytes.length) throw new Error(`truncated PNG chunk at byte ${at}`);
    const length = view.getUint32(at);
    if (at + 12 + length > bytes.length) throw new Error(`truncated PNG chunk at byte ${at}`);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    const storedCrc = view.getUint32(at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== storedCrc) throw new Error(`bad CRC in PNG chunk ${type}`);
    switch (type) {
      case 'IHDR': {
        const header = new DataView(data.buffer, data.byteOffset, data.byteLength);
        width = header.getUint32(0);
        height = header.getUint32(4);
        const bitDepth = data[8];
        colourType = data[9];
        if (bitDepth !== 8 || (colourType !== COLOUR_TYPE_RGB && colourType !== COLOUR_TYPE_RGBA)) {
          throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colourType} (only 8-bit RGB/RGBA)`);
        }
        if (data[12] !== 0) throw new Error('unsupported PNG: interlaced');
        break;
      }
      case 'IDAT': compressed.push(data); break;
      case 'IEND': sawEnd = true; break;
      default: break; // ancillary chunks carry nothing we need
    }
    at += 12 + length;
  }
  if (colourType < 0) throw new Error('PNG has no IHDR chunk');
  if (!sawEnd) throw new Error('PNG has no IEND chunk');

  const bpp = colourType === COLOUR_TYPE_RGBA ? 4 : 3;
  const rowBytes = width * bpp;
  const raw = new Uint8Array(zlib.inflateSync(Buffer.concat(compressed)));
  if (raw.length < height * (rowBytes + 1)) throw new Error('PNG image data is shorter than its size says');

  const rgba = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(rowBytes);
  let row = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const offset = y * (rowBytes + 1);
    const filter = raw[offset];
    for (let i = 0; i < rowBytes; i++) {
      const value = raw[offset + 1 + i];
      const left = i >= bpp ? row[i - bpp] : 0;
      const up = previous[i];
      const upLeft = i >= bpp ? previous[i - bpp] : 0;
      switch (filter) {
        case 0: row[i] = value; break;
        case 1: row[i] = value + left; break;
        case 2: row[i] = value + up; break;
        case 3: row[i] = value + ((left + up) >>> 1); break;
        case 4: row[i] = value + paeth(left, up, upLeft); break;
        default: throw new Error(`bad PNG filter type ${filter} in row ${y}`);
      }
    }
    for (let x = 0; x < width; x++) {
      const target = (y * width + x) * 4;
      rgba[target] = row[x * bpp];
      rgba[target + 1] = row[x * bpp + 1];
      rgba[target + 2] = row[x * bpp + 2];
      rgba[target + 3] = bpp === 4 ? row[x * bpp + 3] : 255;
    }
    [previous, row] = [row, previous];
  }
  return { width, height, rgba };
}

/**
 * Writes through a temporary file in the same directory and renames it into place, so a reader
 * (or an interrupted kernel) never sees half an image.
 */
export function savePng(filePath: string, bytes: Uint8Array): void {
  writeFileAtomic(filePath, bytes);
}
