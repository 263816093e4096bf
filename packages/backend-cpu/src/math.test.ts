import { describe, expect, it } from 'vitest';
import { erf, gelu, roundHalfEven } from './math.js';

// erf to 20 digits (mpmath), including tiny, interval-boundary and saturated arguments.
const ERF_REF: [number, number][] = [[0, 0.0], [1e-08, 1.1283791670955125599e-8], [0.001, 0.0011283787909692364034], [0.1, 0.1124629160182848984], [0.3, 0.32862675945912741619], [0.49999, 0.52049108994331819196], [0.5, 0.52049987781304653768], [0.75, 0.7111556336535151316], [1, 0.84270079294971486934], [1.25, 0.92290012825645823014], [1.5, 0.96610514647531072707], [2, 0.99532226501895273416], [2.5, 0.99959304798255504106], [3, 0.99997790950300141456], [3.5, 0.99999925690162765859], [4, 0.99999998458274209972], [5, 0.99999999999846254021], [5.9, 0.9999999999999999281], [6.5, 0.99999999999999999996], [-0.2, -0.22270258921047846618], [-1.7, -0.98379045859077456084], [-4.2, -0.99999999714450582041]];

describe('erf', () => {
  it('matches 20-digit references to 1e-14 absolute and 1e-13 relative', () => {
    for (const [x, e] of ERF_REF) {
      const got = erf(x);
      expect(Math.abs(got - e), `erf(${x})`).toBeLessThanOrEqual(1e-14 + 1e-13 * Math.abs(e));
    }
  });

  it('is odd, monotone and continuous across its interval boundaries', () => {
    let prev = -1;
    for (let x = -7; x <= 7; x += 1 / 512) {
      const v = erf(x);
      expect(v).toBeGreaterThanOrEqual(prev - 1e-15);
      expect(erf(-x)).toBe(-v);
      prev = v;
    }
    for (let b = 0.5; b < 6; b += 0.5) {
      expect(Math.abs(erf(b) - erf(b - 1e-12))).toBeLessThan(1e-11);
    }
  });

  it('handles NaN and infinities', () => {
    expect(erf(NaN)).toBeNaN();
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
  });

  it('gives the exact-erf GELU', () => {
    expect(gelu(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(gelu(-2)).toBeCloseTo(-0.04550026389635842, 14);
  });
});

describe('roundHalfEven', () => {
  it('rounds ties to even like torch.round', () => {
    const cases: [number, number][] = [[0.5, 0], [1.5, 2], [2.5, 2], [-0.5, -0], [-1.5, -2], [-2.5, -2], [2.4999, 2], [2.5001, 3], [-3.7, -4], [7, 7]];
    for (const [x, e] of cases) expect(roundHalfEven(x), `round(${x})`).toBe(e);
  });
});
