import { describe, expect, it } from 'vitest';
import { normalAt, uniformAt } from '@skipnet/core';
import { k } from '../test/helpers.js';

const base = { seed: 1234, key: 7, low: -2, high: 3, mean: 0.5, std: 2, dtype: 'float32' as const };

describe('random', () => {
  it('uniform is low + (high-low)·uniformAt(seed, key, i), rounded to float32', () => {
    const y = k.random({}, { ...base, shape: [3, 5], distribution: 'uniform' });
    expect(y).toBeInstanceOf(Float32Array);
    for (let i = 0; i < 15; i++) expect(y[i]).toBe(Math.fround(-2 + 5 * uniformAt(1234, 7, i)));
  });

  it('normal is mean + std·normalAt(seed, key, i)', () => {
    const y = k.random({}, { ...base, shape: [1000], distribution: 'normal' });
    for (let i = 0; i < 1000; i++) expect(y[i]).toBe(Math.fround(0.5 + 2 * normalAt(1234, 7, i)));
    let m = 0;
    for (const v of y) m += v / 1000;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.25);
  });

  it('is a pure function of (seed, key, index)', () => {
    const a = k.random({}, { ...base, shape: [64], distribution: 'uniform' });
    const b = k.random({}, { ...base, shape: [64], distribution: 'uniform' });
    const c = k.random({}, { ...base, key: 8, shape: [64], distribution: 'uniform' });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('gives int32 floor(low + (high-low)·u) in [low, high) when the attrs ask for int32', () => {
    const attrs = { ...base, low: -3, high: 4, shape: [500], distribution: 'uniform' as const, dtype: 'int32' as const };
    const y = k.random({}, attrs);
    expect(y).toBeInstanceOf(Int32Array);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      expect(y[i]).toBe(Math.floor(-3 + 7 * uniformAt(1234, 7, i)));
      seen.add(y[i]!);
    }
    expect([...seen].sort((p, q) => p - q)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });
});
