import { checkIndex } from '../dataset.js';
import { Rng, hashKeys } from '../random.js';
import type { DescribedDataset, Sample, Split } from '../types.js';
import { loadMnistArrays, type MnistArrays } from './mnist.js';

/** Class names of `mnist-seg`, by mask value: background, then digit `d` as `d + 1`. */
export const MNIST_SEG_CLASSES = ['background', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Options of {@link loadMnistSeg}. */
export interface MnistSegOptions {
  /** Which split (default `'train'`); digits come from the same split of `mnist`. */
  split?: Split;
  /** Number of canvases (default 1000 for train, 200 for test). */
  count?: number;
  /** Canvas side in pixels (default 64, at least 28). */
  size?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Digits per canvas, inclusive range (default `[2, 4]`). */
  digitsPerImage?: readonly [number, number];
}

const SPLIT_KEY: Record<Split, number> = { train: 0x7472, test: 0x7465 };
const THRESHOLD = 0.5;
// Tries to place a digit so its ink box does not overlap earlier ones; crowded canvases fall back to overlap.
const PLACEMENT_TRIES = 20;

interface Box {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** Ink bounding box (pixels > THRESHOLD) of digit image `k`, relative to its 28×28 frame. */
function inkBox(images: Float32Array, k: number): Box {
  let top = 28,
    left = 28,
    bottom = -1,
    right = -1;
  for (let i = 0; i < 28; i++) {
    for (let j = 0; j < 28; j++) {
      if (images[k * 784 + i * 28 + j]! > THRESHOLD) {
        top = Math.min(top, i);
        bottom = Math.max(bottom, i);
        left = Math.min(left, j);
        right = Math.max(right, j);
      }
    }
  }
  return bottom < 0 ? { top: 0, left: 0, bottom: -1, right: -1 } : { top, left, bottom, right };
}

function overlaps(a: Box, b: Box): boolean {
  return a.left <= b.right && b.left <= a.right && a.top <= b.bottom && b.top <= a.bottom;
}

/** Renders canvas `index` from the given digit arrays; deterministic in `(seed, split, index)`. */
export function renderMnistSegScene(digits: MnistArrays, index: number, options: MnistSegOptions = {}): Sample {
  const size = options.size ?? 64;
  const [minDigits, maxDigits] = options.digitsPerImage ?? [2, 4];
  const rng = new Rng(options.seed ?? 0, SPLIT_KEY[options.split ?? 'train'], index);
  const x = new Float32Array(size * size);
  const y = new Int32Array(size * size);
  const placed: Box[] = [];
  const count = minDigits + rng.int(maxDigits - minDigits + 1);
  for (let d = 0; d < count; d++) {
    const k = rng.int(digits.labels.length);
    const label = digits.labels[k]!;
    const ink = inkBox(digits.images, k);
    let top = 0;
    let left = 0;
    for (let t = 0; t < PLACEMENT_TRIES; t++) {
      top = rng.int(size - 28 + 1);
      left = rng.int(size - 28 + 1);
      const box = { top: top + ink.top, left: left + ink.left, bottom: top + ink.bottom, right: left + ink.right };
      if (!placed.some((p) => overlaps(p, box))) break;
    }
    placed.push({ top: top + ink.top, left: left + ink.left, bottom: top + ink.bottom, right: left + ink.right });
    for (let i = 0; i < 28; i++) {
      for (let j = 0; j < 28; j++) {
        const v = digits.images[k * 784 + i * 28 + j]!;
        const p = (top + i) * size + left + j;
        // Max-composite, like ink on paper; the mask follows the later digit where it is solid.
        if (v > x[p]!) x[p] = v;
        if (v > THRESHOLD) y[p] = label + 1;
      }
    }
  }
  return { x, xShape: [1, size, size], y, yShape: [size, size] };
}

/**
 * Multi-digit segmentation: 2–4 MNIST digits (from the same split of the built-in
 * `mnist` dataset, see `loadMnist`) pasted at random positions on a black
 * `size × size` canvas (default 64), max-composited. The mask holds `digit + 1` where
 * that digit's intensity is > 0.5 and 0 elsewhere (a later digit wins where solid ink
 * overlaps); positions are re-drawn up to 20 times to keep ink boxes apart. Canvases are
 * rendered on demand from `new Rng(seed, splitKey, index)`.
 */
export async function loadMnistSeg(options: MnistSegOptions = {}): Promise<DescribedDataset> {
  const split = options.split ?? 'train';
  const count = options.count ?? (split === 'train' ? 1000 : 200);
  const size = options.size ?? 64;
  const [minDigits, maxDigits] = options.digitsPerImage ?? [2, 4];
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`mnist-seg: count must be a non-negative integer, got ${count}`);
  if (!(Number.isInteger(size) && size >= 28)) throw new RangeError(`mnist-seg: size must be an integer >= 28, got ${size}`);
  if (!(Number.isInteger(minDigits) && Number.isInteger(maxDigits) && minDigits >= 0 && maxDigits >= minDigits)) {
    throw new RangeError(`mnist-seg: bad digitsPerImage [${minDigits}, ${maxDigits}]`);
  }
  hashKeys([options.seed ?? 0]); // validates the seed eagerly
  const digits = await loadMnistArrays(split);
  return {
    name: 'mnist-seg',
    split,
    task: 'segmentation',
    inputShape: [1, size, size],
    inputDType: 'float32',
    targetShape: [size, size],
    numClasses: MNIST_SEG_CLASSES.length,
    classNames: MNIST_SEG_CLASSES,
    length: count,
    get(i: number): Sample {
      checkIndex(i, count, 'mnist-seg');
      return renderMnistSegScene(digits, i, { ...options, split });
    },
  };
}
