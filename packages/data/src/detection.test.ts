import { describe, expect, it } from 'vitest';
import { collate, describeDataset } from './dataset.js';
import { BOX_PADDING, boxTarget, collateDetection, unpadBoxes } from './detection.js';
import { DataLoader } from './loader.js';
import { horizontalFlip } from './transforms.js';
import type { Dataset, Sample } from './types.js';

/** A 1x2x2 image of value `v` with the given box rows. */
function scene(v: number, rows: number[][]): Sample {
  return { x: new Float32Array(4).fill(v), xShape: [1, 2, 2], y: Float32Array.from(rows.flat()), yShape: [rows.length, 5] };
}

const PAD = [-1, -1, -1, -1, -1];

describe('detection targets', () => {
  it('boxTarget packs boxes and labels into [K, 5] rows', () => {
    const t = boxTarget([1, 2, 3, 4, 0, 0, 2, 1], [2, 0]);
    expect(t.yShape).toEqual([2, 5]);
    expect(Array.from(t.y)).toEqual([1, 2, 3, 4, 2, 0, 0, 2, 1, 0]);
    expect(boxTarget([], []).yShape).toEqual([0, 5]);
    expect(() => boxTarget([1, 2, 3], [0])).toThrow(/3 box values for 1 labels/);
  });

  it('collateDetection pads each image to the batch’s largest box count with -1 rows', () => {
    const samples = [
      scene(0.1, [[0, 0, 1, 1, 2]]),
      scene(0.2, []),
      scene(0.3, [
        [0, 0, 2, 2, 0],
        [1, 0, 2, 1, 1],
        [0, 1, 1, 2, 1],
      ]),
    ];
    const b = collateDetection(samples);
    expect(b.xShape).toEqual([3, 1, 2, 2]);
    expect(b.yShape).toEqual([3, 3, 5]);
    expect(b.y).toBeInstanceOf(Float32Array);
    expect(Array.from(b.y)).toEqual([[0, 0, 1, 1, 2], PAD, PAD, PAD, PAD, PAD, [0, 0, 2, 2, 0], [1, 0, 2, 1, 1], [0, 1, 1, 2, 1]].flat());
    expect(Array.from(b.x)).toEqual([0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3].map(Math.fround));
    expect(BOX_PADDING).toBe(-1);
    // A batch without any box still has the [N, 0, 5] layout.
    const none = collateDetection([scene(0, []), scene(0, [])]);
    expect([none.yShape, none.y.length]).toEqual([[2, 0, 5], 0]);
  });

  it('unpadBoxes reads one image back, dropping padding rows', () => {
    const b = collateDetection([
      scene(0, [[0, 0, 1, 1, 2]]),
      scene(0, []),
      scene(0, [
        [0, 0, 2, 2, 0],
        [1.5, 0, 2, 1, 1],
      ]),
    ]);
    expect(unpadBoxes(b.y, b.yShape, 0)).toEqual({ boxes: Float32Array.of(0, 0, 1, 1), labels: Int32Array.of(2) });
    expect(unpadBoxes(b.y, b.yShape, 1)).toEqual({ boxes: new Float32Array(0), labels: new Int32Array(0) });
    expect(unpadBoxes(b.y, b.yShape, 2)).toEqual({ boxes: Float32Array.of(0, 0, 2, 2, 1.5, 0, 2, 1), labels: Int32Array.of(0, 1) });
    // One sample's [K, 5] target works as image 0.
    const s = scene(0, [[3, 4, 5, 6, 1]]);
    expect(unpadBoxes(s.y, s.yShape)).toEqual({ boxes: Float32Array.of(3, 4, 5, 6), labels: Int32Array.of(1) });
    expect(() => unpadBoxes(b.y, b.yShape, 3)).toThrow(/image 3 out of range \[0, 3\)/);
    expect(() => unpadBoxes(new Float32Array(8), [2, 4])).toThrow(/\[N, K, 5\] or \[K, 5\]/);
    expect(() => unpadBoxes(new Float32Array(9), [1, 2, 5])).toThrow(/got \[1,2,5\] with 9 values/);
  });

  it('rejects non-detection targets and mismatched images', () => {
    expect(() => collateDetection([{ x: new Float32Array(4), xShape: [1, 2, 2], y: Int32Array.of(1), yShape: [] }])).toThrow(
      /collateDetection: sample 0: expects a detection target.*Int32Array of 1 values, yShape \[\]/,
    );
    const other: Sample = { ...scene(0, []), x: new Float32Array(9), xShape: [1, 3, 3] };
    expect(() => collateDetection([scene(0, []), other])).toThrow(/sample 1 has x \[1,3,3\] \/ y \[0,5\].*first axis/);
  });

  it('collate pads only with padTargets, and then only the first target axis may differ', () => {
    const a: Sample = { x: Float32Array.of(1), xShape: [1], y: Int32Array.of(1, 2, 3, 4), yShape: [2, 2] };
    const b: Sample = { x: Float32Array.of(2), xShape: [1], y: Int32Array.of(5, 6), yShape: [1, 2] };
    expect(() => collate([a, b])).toThrow(/sample 1 has x \[1\] \/ y \[1,2\], but sample 0 has x \[1\] \/ y \[2,2\]$/);
    const padded = collate([b, a], { padTargets: 9 });
    expect(padded.yShape).toEqual([2, 2, 2]);
    expect(Array.from(padded.y)).toEqual([5, 6, 9, 9, 1, 2, 3, 4]);
    expect(padded.y).toBeInstanceOf(Int32Array);
    const c: Sample = { ...b, y: Int32Array.of(1, 2, 3), yShape: [1, 3] };
    expect(() => collate([a, c], { padTargets: 0 })).toThrow(/targets may differ only in their first axis/);
    expect(() => collate([{ ...a, y: Int32Array.of(0), yShape: [] }], { padTargets: 0 })).toThrow(/at least one axis/);
  });
});

describe('DataLoader with detection datasets', () => {
  const counts = [2, 0, 3, 1, 1];
  const plain: Dataset<Sample> = {
    length: counts.length,
    get: (i) =>
      scene(
        i,
        Array.from({ length: counts[i]! }, (_, k) => [k * 0.25, 0, k * 0.25 + 0.5, 1, i % 3]),
      ),
  };
  const described = describeDataset(plain, {
    name: 'toy',
    split: 'train',
    task: 'detection',
    inputShape: [1, 2, 2],
    inputDType: 'float32',
    targetShape: [-1, 5],
    numClasses: 3,
  });

  it('pads boxes by default when the dataset says task detection, and flips them with the image', () => {
    const loader = new DataLoader(described, { batchSize: 3, transform: horizontalFlip(1), prefetch: false });
    const b0 = loader.batch(0, 0);
    expect(b0.yShape).toEqual([3, 3, 5]);
    expect(b0.indices).toEqual([0, 1, 2]);
    // Sample 0's boxes [0, 0, .5, 1] and [.25, 0, .75, 1] flipped in a 2-wide image.
    expect(unpadBoxes(b0.y, b0.yShape, 0)).toEqual({ boxes: Float32Array.of(1.5, 0, 2, 1, 1.25, 0, 1.75, 1), labels: Int32Array.of(0, 0) });
    expect(unpadBoxes(b0.y, b0.yShape, 1).labels.length).toBe(0);
    expect(unpadBoxes(b0.y, b0.yShape, 2).labels).toEqual(Int32Array.of(2, 2, 2));
    expect(loader.batch(0, 1).yShape).toEqual([2, 1, 5]);
  });

  it('takes a collate option, and without a task falls back to strict stacking', async () => {
    expect(() => new DataLoader(plain, { batchSize: 2 }).batch(0, 0)).toThrow(/sample 1 has x \[1,2,2\] \/ y \[0,5\]/);
    const seen: number[] = [];
    const loader = new DataLoader(plain, {
      batchSize: 2,
      collate: (samples) => {
        seen.push(samples.length);
        return collateDetection(samples);
      },
    });
    const shapes: number[][] = [];
    for await (const b of loader.epoch(0)) shapes.push(b.yShape);
    expect(shapes).toEqual([
      [2, 2, 5],
      [2, 3, 5],
      [1, 1, 5],
    ]);
    expect(seen).toEqual([2, 2, 1]);
  });
});
