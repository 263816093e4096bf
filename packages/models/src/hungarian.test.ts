/**
 * The assignment solver against brute force: every injective map of the smaller side into the
 * larger, on many seeded random matrices (square, more rows than columns as DETR's queries, more
 * columns), integer matrices full of ties, and edge cases.
 */
import { describe, expect, it } from 'vitest';
import { linearSumAssignment } from './hungarian.js';

/** A seeded uniform generator in [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The least total cost over every assignment of min(rows, cols) pairs, by enumeration. */
function bruteForce(cost: ArrayLike<number>, rows: number, cols: number): number {
  const small = Math.min(rows, cols);
  const large = Math.max(rows, cols);
  const at = (s: number, l: number): number => (rows <= cols ? cost[s * cols + l]! : cost[l * cols + s]!);
  const taken = new Uint8Array(large);
  let best = Infinity;
  const walk = (s: number, acc: number): void => {
    if (s === small) {
      best = Math.min(best, acc);
      return;
    }
    for (let l = 0; l < large; l++) {
      if (taken[l]) continue;
      taken[l] = 1;
      walk(s + 1, acc + at(s, l));
      taken[l] = 0;
    }
  };
  walk(0, 0);
  return best;
}

/** Checks the answer is a valid assignment (rows ascending, no repeats) whose cost is stated right. */
function expectValid(cost: ArrayLike<number>, rows: number, cols: number, a: ReturnType<typeof linearSumAssignment>): void {
  expect(a.rows.length).toBe(Math.min(rows, cols));
  expect(a.cols.length).toBe(a.rows.length);
  expect(new Set(a.rows).size).toBe(a.rows.length);
  expect(new Set(a.cols).size).toBe(a.cols.length);
  for (let i = 1; i < a.rows.length; i++) expect(a.rows[i]!).toBeGreaterThan(a.rows[i - 1]!);
  let total = 0;
  a.rows.forEach((r, i) => {
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(rows);
    expect(a.cols[i]!).toBeGreaterThanOrEqual(0);
    expect(a.cols[i]!).toBeLessThan(cols);
    total += cost[r * cols + a.cols[i]!]!;
  });
  expect(a.cost).toBeCloseTo(total, 9);
}

describe('linearSumAssignment', () => {
  it('finds the brute-force optimum on 600 random matrices up to 7 × 7 (square, tall, wide)', () => {
    const random = rng(14);
    for (let trial = 0; trial < 600; trial++) {
      const rows = 1 + Math.floor(random() * 7);
      const cols = 1 + Math.floor(random() * 7);
      const cost = Float64Array.from({ length: rows * cols }, () => 10 * random() - 5);
      const a = linearSumAssignment(cost, rows, cols);
      expectValid(cost, rows, cols, a);
      expect(a.cost, `${rows}×${cols} trial ${trial}`).toBeCloseTo(bruteForce(cost, rows, cols), 9);
    }
  });

  it('handles ties: small integer costs, constant matrices, repeated rows', () => {
    const random = rng(7);
    for (let trial = 0; trial < 400; trial++) {
      const rows = 1 + Math.floor(random() * 6);
      const cols = 1 + Math.floor(random() * 6);
      const cost = Float64Array.from({ length: rows * cols }, () => Math.floor(random() * 3));
      const a = linearSumAssignment(cost, rows, cols);
      expectValid(cost, rows, cols, a);
      expect(a.cost).toBe(bruteForce(cost, rows, cols));
    }
    const constant = new Float64Array(20).fill(2.5);
    expect(linearSumAssignment(constant, 5, 4).cost).toBe(10);
    const repeated = [1, 2, 3, 1, 2, 3, 1, 2, 3];
    const a = linearSumAssignment(repeated, 3, 3);
    expectValid(repeated, 3, 3, a);
    expect(a.cost).toBe(6);
  });

  it("matches every target when there are more queries than targets (DETR's case), with scipy's row order", () => {
    // 100 queries × 3 targets: query 42 is best for target 0, 7 for target 2, 99 for target 1.
    const q = 100;
    const k = 3;
    const cost = new Float64Array(q * k).fill(1);
    cost[42 * k + 0] = -1;
    cost[7 * k + 2] = -2;
    cost[99 * k + 1] = -3;
    const a = linearSumAssignment(cost, q, k);
    expect(Array.from(a.rows)).toEqual([7, 42, 99]);
    expect(Array.from(a.cols)).toEqual([2, 0, 1]);
    expect(a.cost).toBe(-6);
  });

  it('prefers a global optimum over greedy choices', () => {
    // Greedy takes (0, 0) = 1 and then must take (1, 1) = 100; the optimum is 2 + 3.
    const cost = [1, 2, 3, 100];
    const a = linearSumAssignment(cost, 2, 2);
    expect(Array.from(a.cols)).toEqual([1, 0]);
    expect(a.cost).toBe(5);
  });

  it('accepts empty sides and rejects bad input', () => {
    expect(linearSumAssignment([], 0, 5).rows.length).toBe(0);
    expect(linearSumAssignment([], 4, 0).cols.length).toBe(0);
    expect(() => linearSumAssignment([1, 2, 3], 2, 2)).toThrow(/3 costs for a 2 × 2/);
    expect(() => linearSumAssignment([1, NaN, 3, 4], 2, 2)).toThrow(/cost 1 \(row 0\) is NaN/);
    expect(() => linearSumAssignment([1, Infinity], 1, 2)).toThrow(/finite/);
  });
});
