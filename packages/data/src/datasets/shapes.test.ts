import { describe, expect, it } from 'vitest';
import { DataLoader } from '../loader.js';
import { horizontalFlip, randomCrop, compose } from '../transforms.js';
import { pointInShape, renderShapesScene, shapesDataset } from './shapes.js';

describe('shapes', () => {
  it('describes itself and renders 3x64x64 scenes with 0..3 masks', () => {
    const ds = shapesDataset();
    expect(ds.length).toBe(1000);
    expect(shapesDataset({ split: 'test' }).length).toBe(200);
    expect(ds.inputShape).toEqual([3, 64, 64]);
    expect(ds.targetShape).toEqual([64, 64]);
    expect(ds.numClasses).toBe(4);
    expect(ds.task).toBe('segmentation');
    const s = ds.get(0);
    expect(s.xShape).toEqual([3, 64, 64]);
    expect(s.yShape).toEqual([64, 64]);
    expect(s.y).toBeInstanceOf(Int32Array);
    expect(Math.min(...s.x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...s.x)).toBeLessThanOrEqual(1);
    expect(new Set(s.y).size).toBeGreaterThan(1);
    for (const v of s.y) expect([0, 1, 2, 3]).toContain(v);
  });

  it('is deterministic in (seed, split, index) and differs otherwise', () => {
    const a = shapesDataset({ seed: 3, count: 10 }).get(7);
    expect(shapesDataset({ seed: 3, count: 10 }).get(7)).toEqual(a);
    expect(renderShapesScene(7, { seed: 3 })).toEqual(a);
    expect(shapesDataset({ seed: 4, count: 10 }).get(7).y).not.toEqual(a.y);
    expect(shapesDataset({ seed: 3, count: 10, split: 'test' }).get(7).y).not.toEqual(a.y);
    expect(shapesDataset({ seed: 3, count: 10 }).get(6).y).not.toEqual(a.y);
  });

  it('paints each class with one colour: mask pixels match the image before noise', () => {
    const s = renderShapesScene(1, { noise: 0, size: 32, seed: 2, shapesPerImage: [3, 3] });
    const plane = 32 * 32;
    const colours = new Map<number, Set<string>>();
    for (let p = 0; p < plane; p++) {
      const key = `${s.x[p]},${s.x[plane + p]},${s.x[2 * plane + p]}`;
      if (!colours.has(s.y[p]!)) colours.set(s.y[p]!, new Set());
      colours.get(s.y[p]!)!.add(key);
    }
    // The background is one colour; each visible shape region adds one colour (classes may repeat).
    expect(colours.get(0)!.size).toBe(1);
    const bgColour = [...colours.get(0)!][0];
    for (const [cls, set] of colours) if (cls !== 0) expect(set.has(bgColour!)).toBe(false);
  });

  it('covers all three shape classes over a few scenes, with plausible areas', () => {
    const ds = shapesDataset({ count: 50, seed: 1 });
    const area = [0, 0, 0, 0];
    for (let i = 0; i < ds.length; i++) for (const v of ds.get(i).y) area[v]!++;
    for (const cls of [1, 2, 3]) expect(area[cls]! / (50 * 64 * 64)).toBeGreaterThan(0.03);
    expect(area[0]! / (50 * 64 * 64)).toBeGreaterThan(0.4);
  });

  it('gives circles, squares and triangles equal area and the documented geometry', () => {
    const g = { cx: 0, cy: 0, r: 10, angle: 0.3 };
    for (const cls of [1, 2, 3] as const) {
      let inside = 0;
      for (let i = -200; i < 200; i++) for (let j = -200; j < 200; j++) if (pointInShape(cls, g, (j + 0.5) / 10, (i + 0.5) / 10)) inside++;
      expect(inside / 100).toBeCloseTo(Math.PI * 100, -1); // area within ~5
    }
    const half = (10 * Math.sqrt(Math.PI)) / 2;
    expect(pointInShape(2, g, half - 1e-9, half - 1e-9)).toBe(true);
    expect(pointInShape(2, g, half + 1e-6, 0)).toBe(false);
    const R = 10 * Math.sqrt((4 * Math.PI) / (3 * Math.sqrt(3)));
    for (let v = 0; v < 3; v++) {
      const a = 0.3 + (v * 2 * Math.PI) / 3;
      expect(pointInShape(3, g, 0.999 * R * Math.cos(a), 0.999 * R * Math.sin(a))).toBe(true);
      expect(pointInShape(3, g, 1.001 * R * Math.cos(a), 1.001 * R * Math.sin(a))).toBe(false);
      // Opposite a vertex lies an edge midpoint, at the inradius R / 2.
      expect(pointInShape(3, g, -0.49 * R * Math.cos(a), -0.49 * R * Math.sin(a))).toBe(true);
      expect(pointInShape(3, g, -0.51 * R * Math.cos(a), -0.51 * R * Math.sin(a))).toBe(false);
    }
  });

  it('rasterises a lone shape at pixel centres', () => {
    const s = renderShapesScene(0, { size: 16, noise: 0, shapesPerImage: [1, 1], seed: 0, channels: 1 });
    expect(s.xShape).toEqual([1, 16, 16]);
    const cls = Math.max(...s.y);
    expect(cls).toBeGreaterThan(0);
    expect(s.y.every((v) => v === 0 || v === cls)).toBe(true);
    // The masked pixels carry the shape's colour, the others the background's.
    const shapeValues = new Set(Array.from(s.x).filter((_, p) => s.y[p] === cls));
    const bgValues = new Set(Array.from(s.x).filter((_, p) => s.y[p] === 0));
    expect(shapeValues.size).toBe(1);
    expect(bgValues.size).toBe(1);
  });

  it('validates options', () => {
    expect(() => shapesDataset({ size: 4 })).toThrow(/size/);
    expect(() => shapesDataset({ count: -1 })).toThrow(/count/);
    expect(() => shapesDataset({ seed: 0.5 })).toThrow(/safe integer/);
    expect(() => shapesDataset().get(1000)).toThrow(/out of range/);
  });

  it('feeds a DataLoader with augmentation applied to image and mask alike', async () => {
    const ds = shapesDataset({ count: 6, size: 32 });
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, transform: compose(randomCrop(32, 4), horizontalFlip()) });
    const shapes: number[][] = [];
    for await (const b of loader.epoch(0)) shapes.push(b.xShape, b.yShape);
    expect(shapes).toEqual([
      [4, 3, 32, 32],
      [4, 32, 32],
      [2, 3, 32, 32],
      [2, 32, 32],
    ]);
  });
});
