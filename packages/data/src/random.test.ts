import { describe, expect, it } from 'vitest';
import { Rng, hashKeys } from './random.js';

/** sfc32 as published (bryc's JavaScript port of PractRand's sfc32), for cross-checking. */
function referenceSfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

describe('Rng', () => {
  it('is sfc32 seeded by hashKeys with salts 1..4 and 12 discarded outputs', () => {
    const keys = [123, 4, 56];
    const ref = referenceSfc32(hashKeys(keys, 1), hashKeys(keys, 2), hashKeys(keys, 3), hashKeys(keys, 4));
    for (let i = 0; i < 12; i++) ref();
    const rng = new Rng(...keys);
    for (let i = 0; i < 100; i++) expect(rng.uint32()).toBe(ref());
  });

  it('pins its streams (changing these changes every shuffle and augmentation)', () => {
    const r = new Rng(42);
    expect([r.uint32(), r.uint32(), r.uint32()]).toEqual([3222003269, 2686744857, 1063931404]);
    expect(Array.from(new Rng(7, 1).permutation(10))).toEqual([1, 2, 6, 5, 9, 3, 4, 0, 7, 8]);
    expect([hashKeys([1]), hashKeys([2 ** 32 + 1]), hashKeys([-1])]).toEqual([2192648227, 483886760, 2690137942]);
  });

  it('gives equal streams for equal keys and unrelated ones for neighbouring keys', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.uint32()
      )(new Rng(1, 2, 3)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.uint32()
      )(new Rng(1, 2, 3)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.uint32()
      )(new Rng(1, 2, 4)),
    );
    expect(a).toEqual(b);
    expect(a.some((v, i) => v === c[i])).toBe(false);
    // Key order and key count matter: (1, 2) is not (2, 1) and not (1, 2, 0).
    expect(new Rng(1, 2).uint32()).not.toBe(new Rng(2, 1).uint32());
    expect(new Rng(1, 2).uint32()).not.toBe(new Rng(1, 2, 0).uint32());
  });

  it('rejects non-integer and missing keys', () => {
    expect(() => new Rng(0.5)).toThrow(/safe integer/);
    expect(() => new Rng()).toThrow(/at least one/);
    expect(() => new Rng(2 ** 60)).toThrow(/safe integer/);
  });

  it('draws floats in [0, 1) and integers in [0, n), roughly uniformly', () => {
    const rng = new Rng(9);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20000; i++) {
      const f = rng.float();
      expect(f >= 0 && f < 1).toBe(true);
      counts[rng.int(10)]!++;
    }
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200); // > 6 sigma
    expect(() => rng.int(0)).toThrow(RangeError);
    expect(() => rng.int(2.5)).toThrow(RangeError);
  });

  it('draws standard normals', () => {
    const rng = new Rng(3);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const v = rng.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });

  it('makes permutations and shuffles in place', () => {
    const p = new Rng(5).permutation(1000);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const arr = ['a', 'b', 'c', 'd'];
    expect(new Rng(5).shuffle(arr)).toBe(arr);
    expect([...arr].sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});
