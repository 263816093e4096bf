import type { Rng } from './random.js';
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
}

/**
 * Validates a CHW float image and finds a matching segmentation mask. A 2-D `y` that does
 * not match the image's H×W is an error rather than silently left behind, because a
 * geometric transform applied to the image only would corrupt the labels.
 */
function imageView(sample: Sample, name: string): ImageView {
  if (!(sample.x instanceof Float32Array) || sample.xShape.length !== 3) {
    throw new TypeError(`${name}: expects a float32 image with xShape [C, H, W], got ${sample.x.constructor.name} [${sample.xShape}]`);
  }
  const [c, h, w] = sample.xShape as [number, number, number];
  let mask: ImageView['mask'];
  if (sample.yShape.length === 2) {
    if (sample.yShape[0] !== h || sample.yShape[1] !== w) {
      throw new RangeError(`${name}: mask shape [${sample.yShape}] does not match image size [${h}, ${w}]`);
    }
    mask = sample.y;
  }
  return { x: sample.x, c, h, w, mask };
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
 * Draws: top offset, then left offset.
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
    const { x, c, h, w, mask } = imageView(sample, 'randomCrop');
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
    if (!mask) return { ...sample, x: xOut, xShape: [c, oh, ow] };
    const mOut = crop(mask, mask instanceof Int32Array ? new Int32Array(oh * ow) : new Float32Array(oh * ow), 1, maskFill);
    return { x: xOut, xShape: [c, oh, ow], y: mOut, yShape: [oh, ow] };
  };
}

/**
 * Mirrors left–right with probability `p` (default 0.5), image and mask together.
 * Draws exactly one number per sample, flipped or not.
 */
export function horizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`horizontalFlip: p must be in [0, 1], got ${p}`);
  return (sample, rng) => {
    const { x, w, mask } = imageView(sample, 'horizontalFlip');
    if (!(rng.float() < p)) return sample;
    const flip = <A extends Float32Array | Int32Array>(src: A, out: A): A => {
      for (let row = 0; row < src.length; row += w) {
        for (let j = 0; j < w; j++) out[row + j] = src[row + w - 1 - j]!;
      }
      return out;
    };
    const xOut = flip(x, new Float32Array(x.length));
    if (!mask) return { ...sample, x: xOut, xShape: sample.xShape.slice() };
    const mOut = flip(mask, mask instanceof Int32Array ? new Int32Array(mask.length) : new Float32Array(mask.length));
    return { x: xOut, xShape: sample.xShape.slice(), y: mOut, yShape: sample.yShape.slice() };
  };
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
