import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { resampleChw, type ResampleMode } from '../resample.js';
import { DataFileError, describeFsError } from './files.js';

/** An 8-bit RGBA image, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  /** `width * height * 4` bytes: R, G, B, A per pixel. */
  data: Uint8Array;
}

/** Which decoder a file needs, by its leading bytes (not its extension, which may lie). */
function sniff(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Decodes PNG (via pngjs; 16-bit channels are rescaled to 8, palettes and greys expanded)
 * or baseline/progressive JPEG (via jpeg-js) to RGBA. `file` labels errors.
 */
export function decodeImage(bytes: Uint8Array, file: string): RgbaImage {
  const kind = sniff(bytes);
  try {
    if (kind === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (kind === 'jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new DataFileError('image', file, `cannot decode ${kind === 'png' ? 'PNG' : 'JPEG'} (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  throw new DataFileError('image', file, 'is neither PNG nor JPEG (unrecognised leading bytes)');
}

/** Reads and decodes an image file synchronously (used by lazy datasets inside `get`). */
export function readImageSync(file: string): RgbaImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DataFileError('image', file, describeFsError(e), { cause: e });
  }
  return decodeImage(bytes, file);
}

/** Options of {@link imageToChw}. */
export interface ImageConvertOptions {
  /** Output channels: 1 (luma), 3 (RGB, default) or 4 (RGBA). */
  channels?: 1 | 3 | 4;
  /** Output `[height, width]` (default: unchanged). */
  size?: readonly [number, number];
  /** Resampling when resizing (default `'bilinear'`). */
  resize?: ResampleMode;
}

/**
 * RGBA bytes to a CHW float image in [0, 1]. Grey is ITU-R 601 luma
 * `(0.299 R + 0.587 G + 0.114 B) / 255` (PIL's `convert('L')` without rounding); RGB drops
 * alpha without compositing (like PIL's `convert('RGB')`). Resizing uses half-pixel
 * centres (`align_corners=False`) without antialiasing: bilinear, or nearest taking
 * source pixel `floor((i + 0.5) · in / out)`.
 */
export function imageToChw(image: RgbaImage, options: ImageConvertOptions = {}): { x: Float32Array; shape: [number, number, number] } {
  const c = options.channels ?? 3;
  const { width: w, height: h, data } = image;
  const [oh, ow] = options.size ?? [h, w];
  // Channel conversion first, at the source resolution.
  const src = new Float32Array(c * h * w);
  const plane = h * w;
  for (let p = 0; p < plane; p++) {
    const r = data[4 * p]!,
      g = data[4 * p + 1]!,
      b = data[4 * p + 2]!;
    if (c === 1) src[p] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else {
      src[p] = r / 255;
      src[plane + p] = g / 255;
      src[2 * plane + p] = b / 255;
      if (c === 4) src[3 * plane + p] = data[4 * p + 3]! / 255;
    }
  }
  if (oh === h && ow === w) return { x: src, shape: [c, h, w] };
  const out = resampleChw(src, c, h, w, oh, ow, options.resize ?? 'bilinear', new Float32Array(c * oh * ow));
  return { x: out, shape: [c, oh, ow] };
}
