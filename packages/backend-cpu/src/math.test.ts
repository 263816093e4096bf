import { describe, expect, it } from 'vitest';
import { erf, gelu, roundHalfEven } from './math.js';

// erf from 30-digit mpmath values rounded to double, including tiny, interval-boundary and saturated arguments.
const ERF_REF: [number, number][] = [
  [0, 0.0],
  [1e-8, 1.1283791670955126e-8],
  [0.001, 0.0011283787909692365],
  [0.1, 0.1124629160182849],
  [0.3, 0.3286267594591274],
  [0.49999, 0.5204910899433182],
  [0.5, 0.5204998778130465],
  [0.75, 0.7111556336535151],
  [1, 0.8427007929497149],
  [1.25, 0.9229001282564583],
  [1.5, 0.9661051464753108],
  [2, 0.9953222650189527],
  [2.5, 0.999593047982555],
  [3, 0.9999779095030014],
  [3.5, 0.9999992569016276],
  [4, 0.9999999845827421],
  [5, 0.9999999999984626],
  [5.9, 0.9999999999999999],
  [6.5, 1.0],
  [-0.2, -0.22270258921047847],
  [-1.7, -0.9837904585907745],
  [-4.2, -0.9999999971445058],
];

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
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [-0.5, -0],
      [-1.5, -2],
      [-2.5, -2],
      [2.4999, 2],
      [2.5001, 3],
      [-3.7, -4],
      [7, 7],
    ];
    for (const [x, e] of cases) expect(roundHalfEven(x), `round(${x})`).toBe(e);
  });
});
