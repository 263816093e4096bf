import { describe, expect, it } from 'vitest';
import { collate, datasetFromArrays, describeDataset, shapeSize, subset } from './dataset.js';
import type { Sample } from './types.js';

const sample = (v: number): Sample => ({ x: Float32Array.of(v, v + 0.5), xShape: [1, 2], y: Int32Array.of(v), yShape: [] });

describe('collate', () => {
  it('stacks along a new leading axis and copies', () => {
    const a = sample(1);
    const b = sample(2);
    const batch = collate([a, b]);
    expect(batch.xShape).toEqual([2, 1, 2]);
    expect(batch.yShape).toEqual([2]);
    expect(Array.from(batch.x)).toEqual([1, 1.5, 2, 2.5]);
    expect(batch.y).toEqual(Int32Array.of(1, 2));
    a.x[0] = 99;
    expect(batch.x[0]).toBe(1);
  });

  it('keeps Int32 inputs (token ids) as Int32Array', () => {
    const s: Sample = { x: Int32Array.of(3, 4), xShape: [2], y: Int32Array.of(4, 5), yShape: [2] };
    const batch = collate([s, s]);
    expect(batch.x).toBeInstanceOf(Int32Array);
    expect(batch.xShape).toEqual([2, 2]);
  });

  it('names the sample whose shape or type disagrees', () => {
    const odd: Sample = { x: new Float32Array(3), xShape: [1, 3], y: Int32Array.of(0), yShape: [] };
    expect(() => collate([sample(0), sample(1), odd])).toThrow(/sample 2 has x \[1,3\]/);
    const f: Sample = { ...sample(0), y: Float32Array.of(0) };
    expect(() => collate([sample(0), f])).toThrow(/sample 1 mixes array types/);
    expect(() => collate([])).toThrow(/empty/);
  });
});

describe('datasetFromArrays / subset / describeDataset', () => {
  const ds = datasetFromArrays({ x: Float32Array.of(0, 1, 2, 3, 4, 5), xShape: [3, 2], y: Int32Array.of(7, 8, 9), yShape: [3] });

  it('returns zero-copy per-sample views', () => {
    expect(ds.length).toBe(3);
    const s = ds.get(2);
    expect(Array.from(s.x)).toEqual([4, 5]);
    expect(s.xShape).toEqual([2]);
    expect(s.y).toEqual(Int32Array.of(9));
    expect(s.yShape).toEqual([]);
    expect(() => ds.get(3)).toThrow(/index 3 out of range \[0, 3\)/);
    expect(() => ds.get(1.5)).toThrow(RangeError);
  });

  it('round-trips through collate', () => {
    const batch = collate([ds.get(0), ds.get(1), ds.get(2)]);
    expect(Array.from(batch.x)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batch.xShape).toEqual([3, 2]);
  });

  it('rejects inconsistent arrays', () => {
    expect(() => datasetFromArrays({ x: new Float32Array(5), xShape: [3, 2], y: new Int32Array(3), yShape: [3] })).toThrow(/5\/3 values/);
    expect(() => datasetFromArrays({ x: new Float32Array(6), xShape: [3, 2], y: new Int32Array(2), yShape: [2] })).toThrow(/leading sample count/);
  });

  it('subsets in the given order and checks indices eagerly', () => {
    const sub = subset(ds, [2, 0]);
    expect(sub.length).toBe(2);
    expect(sub.get(0).y[0]).toBe(9);
    expect(sub.get(1).y[0]).toBe(7);
    expect(() => subset(ds, [5])).toThrow(/subset: index 5/);
  });

  it('attaches metadata', () => {
    const d = describeDataset(ds, {
      name: 't',
      split: 'test',
      task: 'classification',
      inputShape: [2],
      inputDType: 'float32',
      targetShape: [],
      numClasses: 10,
    });
    expect(d.length).toBe(3);
    expect(d.numClasses).toBe(10);
    expect(d.get(1).y[0]).toBe(8);
  });

  it('computes shape sizes', () => {
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([2, 3, 4])).toBe(24);
  });
});
