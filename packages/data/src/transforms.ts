import { BOX_ROW } from './detection.js';
import type { Rng } from './random.js';
import { resampleChw, type ResampleMode } from './resample.js';
import type { Sample } from './types.js';

/**
 * A per-sample transform. It receives the sample's own random stream (the `DataLoader`
 * seeds one per (seed, epoch, dataset index)), so augmentation is reproducible and
 * independent of batch size, shuffling and resume point. Transforms never mutate their
 * input: dataset samples may be views into shared storage.
 */
export type Transform = (sample: Sample, rng: Rng) => Sample;

/** Applies transforms left to right, sharing one random stream (draws happen in that order). */
export function compose(...transforms: Transform[]): Transform {
  return (sample, rng) => transforms.reduce((s, t) => t(s, rng), sample);
}

interface ImageView {
  x: Float32Array;
  c: number;
  h: number;
  w: number;
  /** The mask, when `y` is an `[H, W]` per-pixel mask of the same size as the image. */
  mask: Int32Array | Float32Array | undefined;
  /** The box rows, when `y` is a detection target (`Float32Array`, `[K, 5]`). */
  boxes: Float32Array | undefined;
}

/**
 * Validates a CHW float image and finds what moves with it: a segmentation mask (a 2-D `y`
 * of the image's H×W) or detection boxes (a `Float32Array` `y` of shape `[K, 5]`). Any other
 * 2-D `y` is an error rather than silently left behind, because a geometric transform
 * applied to the image only would corrupt the labels; so is a float `[H, 5]` target of a
 * 5-pixel-wide image, which could be either.
 */
function imageView(sample: Sample, name: string): ImageView {
  if (!(sample.x instanceof Float32Array) || sample.xShape.length !== 3) {
    throw new TypeError(`${name}: expects a float32 image with xShape [C, H, W], got ${sample.x.constructor.name} [${sample.xShape}]`);
  }
  const [c, h, w] = sample.xShape as [number, number, number];
  const { y, yShape } = sample;
  let mask: ImageView['mask'];
  let boxes: ImageView['boxes'];
  if (yShape.length === 2) {
    const isMask = yShape[0] === h && yShape[1] === w;
    const isBoxes = y instanceof Float32Array && yShape[1] === BOX_ROW;
    if (isMask && isBoxes) {
      throw new RangeError(`${name}: target [${yShape}] of a ${h}x${w} image could be a mask or ${h} boxes; make a mask an Int32Array`);
    }
    if (isBoxes) boxes = y;
    else if (isMask) mask = y;
    else throw new RangeError(`${name}: mask shape [${yShape}] does not match image size [${h}, ${w}] (nor is it a Float32Array of boxes [K, 5])`);
  }
  return { x: sample.x, c, h, w, mask, boxes };
}

function perChannel(v: number | readonly number[], c: number, what: string): number[] {
  if (typeof v === 'number') return new Array<number>(c).fill(v);
  if (v.length !== c) throw new RangeError(`normalize: ${what} has ${v.length} values for ${c} channels`);
  return v.slice();
}

/**
 * Per-channel standardisation `x' = (x - mean[c]) / std[c]` (torchvision's `Normalize`).
 * A single number applies to every channel. Masks and labels are left unchanged.
 *
 * @example normalize(0.1307, 0.3081) // MNIST's usual statistics
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  return (sample) => {
    const { x, c, h, w } = imageView(sample, 'normalize');
    const m = perChannel(mean, c, 'mean');
    const s = perChannel(std, c, 'std');
    if (s.some((v) => !(v > 0) && !(v < 0))) throw new RangeError(`normalize: std must be non-zero, got [${s}]`);
    const out = new Float32Array(x.length);
    const plane = h * w;
    for (let k = 0; k < c; k++) {
      const mk = m[k]!;
      const inv = 1 / s[k]!;
      for (let p = k * plane; p < (k + 1) * plane; p++) out[p] = (x[p]! - mk) * inv;
    }
    return { ...sample, x: out, xShape: sample.xShape.slice() };
  };
}

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Zero-padding added on every side before cropping (default 0). */
  padding?: number;
  /** Image value used for padding (default 0). */
  fill?: number;
  /** Mask value used for padding (default 0, the background class). */
  maskFill?: number;
}

/**
 * Pads by `padding` on every side, then crops a uniformly random `size` window (the
 * CIFAR "pad 4, crop 32" augmentation). A segmentation mask gets the same window.
 * Detection boxes are shifted into the window and clipped to it; a box left less than one
 * pixel wide or high is dropped (torchvision v2's `ClampBoundingBoxes` then
 * `SanitizeBoundingBoxes`). Draws: top offset, then left offset.
 *
 * @param size - Output `[height, width]`, or one number for a square.
 */
export function randomCrop(size: number | readonly [number, number], options: RandomCropOptions | number = {}): Transform {
  const opts = typeof options === 'number' ? { padding: options } : options;
  const pad = opts.padding ?? 0;
  const fill = opts.fill ?? 0;
  const maskFill = opts.maskFill ?? 0;
  const [oh, ow] = typeof size === 'number' ? [size, size] : size;
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0)) throw new RangeError(`randomCrop: bad size ${String(size)}`);
  if (!(Number.isInteger(pad) && pad >= 0)) throw new RangeError(`randomCrop: padding must be a non-negative integer, got ${pad}`);
  return (sample, rng) => {
    const { x, c, h, w, mask, boxes } = imageView(sample, 'randomCrop');
    const ph = h + 2 * pad;
    const pw = w + 2 * pad;
    if (oh > ph || ow > pw) throw new RangeError(`randomCrop: crop ${oh}x${ow} is larger than the padded image ${ph}x${pw}`);
    const top = rng.int(ph - oh + 1) - pad;
    const left = rng.int(pw - ow + 1) - pad;
    // Crop from the virtual padded image: source (top + i, left + j), filled outside.
    const crop = <A extends Float32Array | Int32Array>(src: A, out: A, planes: number, value: number): A => {
      for (let k = 0; k < planes; k++) {
        for (let i = 0; i < oh; i++) {
          const si = top + i;
          for (let j = 0; j < ow; j++) {
            const sj = left + j;
            out[(k * oh + i) * ow + j] = si >= 0 && si < h && sj >= 0 && sj < w ? src[(k * h + si) * w + sj]! : value;
          }
        }
      }
      return out;
    };
    const xOut = crop(x, new Float32Array(c * oh * ow), c, fill);
    if (boxes) {
      const moved = mapBoxes(boxes, ([x1, y1, x2, y2]) => {
        const box = [clamp(x1 - left, 0, ow), clamp(y1 - top, 0, oh), clamp(x2 - left, 0, ow), clamp(y2 - top, 0, oh)] as const;
        return box[2] - box[0] >= 1 && box[3] - box[1] >= 1 ? box : undefined;
      });
      return { x: xOut, xShape: [c, oh, ow], ...moved };
    }
    if (!mask) return { ...sample, x: xOut, xShape: [c, oh, ow] };
    const mOut = crop(mask, mask instanceof Int32Array ? new Int32Array(oh * ow) : new Float32Array(oh * ow), 1, maskFill);
    return { x: xOut, xShape: [c, oh, ow], y: mOut, yShape: [oh, ow] };
  };
}

/**
 * Mirrors left–right with probability `p` (default 0.5), image and mask or boxes together
 * (a box `[x1, y1, x2, y2]` becomes `[W - x2, y1, W - x1, y2]`, as in torchvision).
 * Draws exactly one number per sample, flipped or not.
 */
export function horizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`horizontalFlip: p must be in [0, 1], got ${p}`);
  return (sample, rng) => {
    const { x, w, mask, boxes } = imageView(sample, 'horizontalFlip');
    if (!(rng.float() < p)) return sample;
    const flip = <A extends Float32Array | Int32Array>(src: A, out: A): A => {
      for (let row = 0; row < src.length; row += w) {
        for (let j = 0; j < w; j++) out[row + j] = src[row + w - 1 - j]!;
      }
      return out;
    };
    const xOut = flip(x, new Float32Array(x.length));
    if (boxes) return { x: xOut, xShape: sample.xShape.slice(), ...mapBoxes(boxes, ([x1, y1, x2, y2]) => [w - x2, y1, w - x1, y2]) };
    if (!mask) return { ...sample, x: xOut, xShape: sample.xShape.slice() };
    const mOut = flip(mask, mask instanceof Int32Array ? new Int32Array(mask.length) : new Float32Array(mask.length));
    return { x: xOut, xShape: sample.xShape.slice(), y: mOut, yShape: sample.yShape.slice() };
  };
}

/** Options of {@link resize}. */
export interface ResizeOptions {
  /** Image resampling (default `'bilinear'`); masks always use `'nearest'`, so labels stay labels. */
  mode?: ResampleMode;
}

/**
 * Resizes to `size` (`[height, width]`, or one number for a square) with half-pixel
 * centres and no antialiasing (PyTorch's `F.interpolate(..., align_corners=False)`, as
 * torchvision's detection models resize). A mask is resized by nearest neighbour; boxes are
 * scaled by `width'/width` and `height'/height`, so they keep covering the same content.
 * Draws nothing.
 */
export function resize(size: number | readonly [number, number], options: ResizeOptions = {}): Transform {
  const [oh, ow] = typeof size === 'number' ? [size, size] : size;
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0)) throw new RangeError(`resize: size must be positive integers, got ${String(size)}`);
  const mode = options.mode ?? 'bilinear';
  if (mode !== 'bilinear' && mode !== 'nearest') throw new RangeError(`resize: mode must be 'bilinear' or 'nearest', got ${String(mode)}`);
  return (sample) => {
    const { x, c, h, w, mask, boxes } = imageView(sample, 'resize');
    const xOut = resampleChw(x, c, h, w, oh, ow, mode, new Float32Array(c * oh * ow));
    if (boxes) {
      const sx = ow / w;
      const sy = oh / h;
      return { x: xOut, xShape: [c, oh, ow], ...mapBoxes(boxes, ([x1, y1, x2, y2]) => [x1 * sx, y1 * sy, x2 * sx, y2 * sy]) };
    }
    if (!mask) return { ...sample, x: xOut, xShape: [c, oh, ow] };
    const mOut = resampleChw(mask, 1, h, w, oh, ow, 'nearest', mask instanceof Int32Array ? new Int32Array(oh * ow) : new Float32Array(oh * ow));
    return { x: xOut, xShape: [c, oh, ow], y: mOut, yShape: [oh, ow] };
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

type Box = readonly [number, number, number, number];

/** New box rows with each box mapped by `fn` (labels kept); a box mapped to `undefined` is dropped. */
function mapBoxes(rows: Float32Array, fn: (box: Box) => Box | undefined): { y: Float32Array; yShape: number[] } {
  const out: number[] = [];
  for (let r = 0; r < rows.length; r += BOX_ROW) {
    const box = fn([rows[r]!, rows[r + 1]!, rows[r + 2]!, rows[r + 3]!]);
    if (box) out.push(...box, rows[r + 4]!);
  }
  return { y: Float32Array.from(out), yShape: [out.length / BOX_ROW, BOX_ROW] };
}

/**
 * Replaces integer targets by one-hot float vectors (for losses that take probabilities,
 * e.g. MSE or label smoothing). Shapes: a class index `[]` becomes `[K]`; a mask `[H, W]`
 * becomes `[K, H, W]` (channel-first, like NCHW logits); a token sequence `[T]` becomes
 * `[T, K]`. Throws if a label is outside `[0, numClasses)`.
 */
export function oneHot(numClasses: number): Transform {
  if (!(Number.isInteger(numClasses) && numClasses > 0)) throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  return (sample) => {
    const { y, yShape } = sample;
    const n = y.length;
    const out = new Float32Array(n * numClasses);
    const channelFirst = yShape.length === 2;
    for (let p = 0; p < n; p++) {
      const label = y[p]!;
      if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
        throw new RangeError(`oneHot: label ${label} at position ${p} is outside [0, ${numClasses})`);
      }
      out[channelFirst ? label * n + p : p * numClasses + label] = 1;
    }
    let shape: number[];
    if (yShape.length === 0) shape = [numClasses];
    else if (channelFirst) shape = [numClasses, ...yShape];
    else shape = [...yShape, numClasses];
    return { ...sample, y: out, yShape: shape };
  };
}
