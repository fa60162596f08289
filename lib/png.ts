/**
 * PNG files of RGBA pixels, through pngjs: crisp glyph mosaics for the notebooks, the image map's
 * sprite of grey images, and our own files read back in tests. Files are written with lib/files'
 * writeFileAtomic, so a reader never sees half an image.
 */
import { PNG } from 'pngjs';

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
   * smaller; true/false force RGBA/RGB (false lays translucent pixels over white).
   */
  alpha?: boolean | 'auto';
  /** One filter for every row, or 'adaptive' (default): per row, the one of smallest filtered sum. */
  filter?: PngFilter | 'adaptive';
  /**
   * 'auto' (default) stores one grey byte per pixel instead of three colour bytes when every pixel's
   * red, green and blue are equal (no loss); true forces grey (the mean of the three), false colour.
   */
  grey?: boolean | 'auto';
}

const COLOUR_TYPE_GREY = 0;
const COLOUR_TYPE_RGB = 2;
const COLOUR_TYPE_GREY_ALPHA = 4;
const COLOUR_TYPE_RGBA = 6;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isOpaque(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

function isGrey(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  return true;
}

/** Encodes `rgba` (width * height * 4 bytes) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array, options: EncodePngOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size must be positive integers, got ${width}x${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  }
  const alpha = options.alpha ?? 'auto';
  const withAlpha = alpha === 'auto' ? !isOpaque(rgba) : alpha;
  const grey = options.grey === true ? true : options.grey !== false && isGrey(rgba);
  const filter = options.filter ?? 'adaptive';
  const image = new PNG({ width, height });
  image.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const bytes = PNG.sync.write(image, {
    // pngjs makes grey the mean of the three channels: exact when they are equal.
    colorType: grey ? (withAlpha ? COLOUR_TYPE_GREY_ALPHA : COLOUR_TYPE_GREY) : (withAlpha ? COLOUR_TYPE_RGBA : COLOUR_TYPE_RGB),
    inputColorType: COLOUR_TYPE_RGBA,
    filterType: filter === 'adaptive' ? -1 : filter,
    deflateLevel: 9,
    // zlib's default strategy: pngjs's own default (run-length only) makes mosaics twice as large.
    deflateStrategy: 0,
  });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes a PNG file to RGBA; a damaged file is an error saying what is wrong. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  // pngjs would report a bad signature only as "unrecognised content".
  if (!PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) throw new Error('not a PNG file: bad signature');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let image: PNG;
  try {
    image = PNG.sync.read(buffer);
  } catch (err) {
    // pngjs stops at a bad CRC and then reports only the unread rest of the file: name the real cause.
    let readsWithoutCrc = false;
    try { PNG.sync.read(buffer, { checkCRC: false }); readsWithoutCrc = true; } catch { /* damaged beyond the CRCs */ }
    throw new Error(`not a readable PNG file: ${readsWithoutCrc ? 'a chunk\'s CRC does not match its data' : (err as Error).message}`);
  }
  const { width, height, data } = image;
  return { width, height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
