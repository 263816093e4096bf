import { describe, expect, it } from 'vitest';
import { unpadBoxes } from '../detection.js';
import { DataLoader } from '../loader.js';
import { compose, horizontalFlip, resize } from '../transforms.js';
import { pointInShape, type ShapeClass } from './shapes.js';
import { renderShapesDetScene, SHAPES_DET_AREA_RANGES, SHAPES_DET_CLASSES, shapesDetAreaRanges, shapesDetDataset } from './shapes-det.js';
import { createDataset } from './registry.js';

const boxArea = (b: readonly number[]): number => (b[2]! - b[0]!) * (b[3]! - b[1]!);

describe('shapes-det', () => {
  it('describes itself and renders 3x128x128 scenes with [K, 5] box targets', async () => {
    const ds = await createDataset('shapes-det');
    expect([ds.name, ds.split, ds.task, ds.length]).toEqual(['shapes-det', 'train', 'detection', 1000]);
    expect(shapesDetDataset({ split: 'test' }).length).toBe(200);
    expect(ds.inputShape).toEqual([3, 128, 128]);
    expect(ds.targetShape).toEqual([-1, 5]);
    expect(ds.numClasses).toBe(3);
    expect(ds.classNames).toEqual(['circle', 'square', 'triangle']);
    expect(SHAPES_DET_CLASSES).toEqual(ds.classNames);
    const s = ds.get(0);
    expect(s.xShape).toEqual([3, 128, 128]);
    expect(s.y).toBeInstanceOf(Float32Array);
    expect(s.yShape[1]).toBe(5);
    expect(s.y.length).toBe(s.yShape[0]! * 5);
    expect(Math.min(...s.x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...s.x)).toBeLessThanOrEqual(1);
  });

  it('is deterministic in (seed, split, index), with disjoint train and test streams', () => {
    const a = shapesDetDataset({ seed: 3, count: 10 }).get(7);
    expect(shapesDetDataset({ seed: 3, count: 10 }).get(7)).toEqual(a);
    expect(renderShapesDetScene(7, { seed: 3 }).sample).toEqual(a);
    expect(shapesDetDataset({ seed: 4, count: 10 }).get(7).x).not.toEqual(a.x);
    expect(shapesDetDataset({ seed: 3, count: 10 }).get(6).x).not.toEqual(a.x);
    // No test scene repeats a train scene (compare the box lists of the first 200 of each).
    const key = (y: Float32Array): string => Array.from(y).join(',');
    const train = new Set(Array.from({ length: 200 }, (_, i) => key(renderShapesDetScene(i, { size: 64 }).sample.y as Float32Array)));
    for (let i = 0; i < 200; i++) expect(train.has(key(renderShapesDetScene(i, { size: 64, split: 'test' }).sample.y as Float32Array))).toBe(false);
  });

  it('gives tight boxes of each object’s visible pixels, inside the image, re-rendered from the geometry', () => {
    for (let index = 0; index < 40; index++) {
      const size = index % 2 ? 128 : 96;
      const { sample, objects, instances } = renderShapesDetScene(index, { size, seed: 5, noise: 0 });
      // Re-render: paint every object's pixel-centre coverage in drawing order.
      const owner = new Int32Array(size * size).fill(-1);
      objects.forEach((o, k) => {
        for (let i = 0; i < size; i++)
          for (let j = 0; j < size; j++) if (pointInShape((o.label + 1) as ShapeClass, o.geometry, j + 0.5, i + 0.5)) owner[i * size + j] = k;
      });
      expect(owner).toEqual(instances);
      objects.forEach((o, k) => {
        const row = Array.from(sample.y.subarray(k * 5, k * 5 + 5));
        expect(row).toEqual([...o.box, o.label]);
        const [x1, y1, x2, y2] = o.box;
        expect(x1 >= 0 && y1 >= 0 && x2 <= size && y2 <= size && x2 > x1 && y2 > y1).toBe(true);
        // Tight: every visible pixel inside, and each edge row/column holds one.
        let visible = 0;
        const edges = [false, false, false, false];
        for (let i = 0; i < size; i++) {
          for (let j = 0; j < size; j++) {
            if (owner[i * size + j] !== k) continue;
            visible++;
            expect(j >= x1 && j < x2 && i >= y1 && i < y2).toBe(true);
            if (j === x1) edges[0] = true;
            if (i === y1) edges[1] = true;
            if (j === x2 - 1) edges[2] = true;
            if (i === y2 - 1) edges[3] = true;
          }
        }
        expect(edges).toEqual([true, true, true, true]);
        expect(visible).toBe(o.visible);
        // The documented occlusion rule: at least half of each object stays visible.
        expect(o.visible).toBeGreaterThanOrEqual(0.5 * o.area);
      });
      // Every painted pixel belongs to a labelled object and shows its colour (no noise here).
      const plane = size * size;
      const colourAt = (p: number): string => `${sample.x[p]},${sample.x[plane + p]},${sample.x[2 * plane + p]}`;
      const colours = new Map<number, Set<string>>();
      for (let p = 0; p < plane; p++) {
        if (!colours.has(owner[p]!)) colours.set(owner[p]!, new Set());
        colours.get(owner[p]!)!.add(colourAt(p));
      }
      for (const set of colours.values()) expect(set.size).toBe(1);
    }
  });

  it('balances small, medium and large boxes, with sizes from a few pixels to about half the image', () => {
    const ranges = SHAPES_DET_AREA_RANGES;
    expect(ranges).toEqual(shapesDetAreaRanges(128));
    expect(ranges.small[1]).toBeCloseTo((128 / 12) ** 2, 9);
    expect(ranges.large[0]).toBeCloseTo((128 / 5) ** 2, 9);
    const counts = { small: 0, medium: 0, large: 0 };
    const classes = [0, 0, 0];
    let objects = 0;
    let smallest = Infinity;
    let largestSide = 0;
    for (let i = 0; i < 500; i++) {
      const { objects: objs } = renderShapesDetScene(i, { seed: 11 });
      expect(objs.length).toBeGreaterThanOrEqual(1);
      expect(objs.length).toBeLessThanOrEqual(8);
      for (const o of objs) {
        const area = boxArea(o.box);
        const bucket = area < ranges.small[1] ? 'small' : area < ranges.large[0] ? 'medium' : 'large';
        counts[bucket]++;
        classes[o.label]!++;
        objects++;
        smallest = Math.min(smallest, area);
        largestSide = Math.max(largestSide, o.box[2] - o.box[0], o.box[3] - o.box[1]);
      }
    }
    expect(objects / 500).toBeGreaterThan(4); // 2-8 drawn, a few left out for occlusion
    for (const share of Object.values(counts)) {
      expect(share / objects).toBeGreaterThanOrEqual(0.25);
      expect(share / objects).toBeLessThanOrEqual(0.42);
    }
    for (const n of classes) expect(n / objects).toBeGreaterThan(0.28);
    expect(smallest).toBeLessThanOrEqual(16);
    expect(largestSide).toBeGreaterThanOrEqual(56);
    expect(largestSide).toBeLessThanOrEqual(128);
  });

  it('scales the buckets with the image size', () => {
    const r = shapesDetAreaRanges(256);
    expect(r.small[1]).toBeCloseTo(4 * SHAPES_DET_AREA_RANGES.small[1], 9);
    expect(r.medium).toEqual([r.small[1], r.large[0]]);
    expect(r.large[1]).toBe(Infinity);
    // The dataset carries its buckets, so AP by size uses them without the caller knowing the rule.
    expect(shapesDetDataset({ size: 256 }).areaRanges).toEqual(r);
  });

  it('validates options', () => {
    expect(() => shapesDetDataset({ size: 8 })).toThrow(/size/);
    expect(() => shapesDetDataset({ count: -1 })).toThrow(/count/);
    expect(() => shapesDetDataset({ diameter: [4, 80] })).toThrow(/diameter \[4, 80\] must satisfy 1 <= min <= max <= size \/ 2 \(64\)/);
    expect(() => shapesDetDataset({ minVisible: 0 })).toThrow(/minVisible/);
    expect(() => shapesDetDataset({ objectsPerImage: [3, 2] })).toThrow(/objectsPerImage/);
    expect(() => shapesDetDataset({ seed: 0.5 })).toThrow(/safe integer/);
    expect(() => shapesDetDataset().get(1000)).toThrow(/out of range/);
  });

  it('feeds a DataLoader: padded batches whose boxes follow resize and flip', async () => {
    const ds = shapesDetDataset({ count: 5, size: 64, seed: 2 });
    const loader = new DataLoader(ds, { batchSize: 2, seed: 1, transform: compose(resize(32), horizontalFlip(1)) });
    let images = 0;
    for await (const b of loader.epoch(0)) {
      expect(b.xShape).toEqual([b.indices!.length, 3, 32, 32]);
      b.indices!.forEach((index, n) => {
        const { boxes, labels } = unpadBoxes(b.y, b.yShape, n);
        const original = ds.get(index);
        expect(labels.length).toBe(original.yShape[0]);
        for (let k = 0; k < labels.length; k++) {
          const [x1, y1, x2, y2, label] = Array.from(original.y.subarray(k * 5, k * 5 + 5));
          // Halved, then mirrored in a 32-wide image.
          expect(Array.from(boxes.subarray(k * 4, k * 4 + 4))).toEqual([32 - x2! / 2, y1! / 2, 32 - x1! / 2, y2! / 2]);
          expect(labels[k]).toBe(label);
        }
        images++;
      });
    }
    expect(images).toBe(5);
  });
});
