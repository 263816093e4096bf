import { collate } from './dataset.js';
import type { Batch, Sample } from './types.js';

// Detection targets: a sample's `y` holds `K` rows `[x1, y1, x2, y2, label]` (`yShape`
// `[K, 5]`, see `Sample`); a batch pads them to its largest `K` with rows of BOX_PADDING.

/** Values per box row: `x1, y1, x2, y2, label`. */
export const BOX_ROW = 5;

/** Fill value of padding rows in a batched detection target (label -1 marks "no box"). */
export const BOX_PADDING = -1;

/** Boxes and labels of one image, unpadded. */
export interface BoxesAndLabels {
  /** `K * 4` values, `[x1, y1, x2, y2]` per box, in pixels. */
  boxes: Float32Array;
  /** `K` class ids. */
  labels: Int32Array;
}

/**
 * Packs boxes (`K * 4` values `[x1, y1, x2, y2]`) and `K` labels into a detection target
 * `y` with `yShape` `[K, 5]`.
 */
export function boxTarget(boxes: ArrayLike<number>, labels: ArrayLike<number>): { y: Float32Array; yShape: [number, number] } {
  const k = labels.length;
  if (boxes.length !== 4 * k) throw new RangeError(`boxTarget: ${boxes.length} box values for ${k} labels; expected 4 per label`);
  const y = new Float32Array(k * BOX_ROW);
  for (let b = 0; b < k; b++) {
    for (let c = 0; c < 4; c++) y[b * BOX_ROW + c] = boxes[b * 4 + c]!;
    y[b * BOX_ROW + 4] = labels[b]!;
  }
  return { y, yShape: [k, BOX_ROW] };
}

/**
 * Throws unless `sample.y` is a detection target: a `Float32Array` with `yShape` `[K, 5]`.
 * `what` prefixes the message.
 */
export function checkBoxTarget(sample: Sample, what: string): asserts sample is Sample & { y: Float32Array } {
  const { y, yShape } = sample;
  if (!(y instanceof Float32Array) || yShape.length !== 2 || yShape[1] !== BOX_ROW || y.length !== yShape[0]! * BOX_ROW) {
    throw new TypeError(
      `${what}: expects a detection target, a Float32Array of rows [x1, y1, x2, y2, label] with yShape [K, 5]; got ${y.constructor.name} of ${y.length} values, yShape [${yShape}]`,
    );
  }
}

/**
 * The `collate` of detection batches: images are stacked as usual, and each sample's
 * `[K, 5]` target is padded to the batch's largest `K` with rows of {@link BOX_PADDING},
 * giving `yShape` `[N, Kmax, 5]` (`Kmax` may be 0). `DataLoader` uses it by default for a
 * dataset whose `task` is `'detection'`. Use {@link unpadBoxes} to read one image back.
 */
export function collateDetection(samples: readonly Sample[]): Batch {
  samples.forEach((s, n) => checkBoxTarget(s, `collateDetection: sample ${n}`));
  return collate(samples, { padTargets: BOX_PADDING });
}

/**
 * The boxes and labels of image `n` of a padded detection batch target (`yShape`
 * `[N, Kmax, 5]`), dropping padding rows (label < 0). A single sample's target
 * (`yShape` `[K, 5]`) is accepted with `n = 0`.
 */
export function unpadBoxes(y: ArrayLike<number>, yShape: readonly number[], n = 0): BoxesAndLabels {
  const batched = yShape.length === 3;
  const [count, rows, width] = batched ? (yShape as [number, number, number]) : [1, yShape[0] ?? -1, yShape[1]];
  if (!(yShape.length === 2 || batched) || width !== BOX_ROW || y.length !== count * rows * BOX_ROW) {
    throw new RangeError(`unpadBoxes: expects a detection target of shape [N, K, 5] or [K, 5] holding as many values, got [${yShape}] with ${y.length} values`);
  }
  if (!Number.isInteger(n) || n < 0 || n >= count) throw new RangeError(`unpadBoxes: image ${n} out of range [0, ${count})`);
  const base = n * rows * BOX_ROW;
  let kept = 0;
  for (let r = 0; r < rows; r++) if (y[base + r * BOX_ROW + 4]! >= 0) kept++;
  const boxes = new Float32Array(kept * 4);
  const labels = new Int32Array(kept);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const row = base + r * BOX_ROW;
    if (!(y[row + 4]! >= 0)) continue;
    for (let c = 0; c < 4; c++) boxes[k * 4 + c] = y[row + c]!;
    labels[k++] = y[row + 4]!;
  }
  return { boxes, labels };
}
