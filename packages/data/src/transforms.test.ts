import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { compose, horizontalFlip, normalize, oneHot, randomCrop } from './transforms.js';
import type { Sample } from './types.js';

/** A [C, H, W] image whose value encodes (c, i, j) as c*100 + i*10 + j. */
function coded(c: number, h: number, w: number): Float32Array {
  const x = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) x[(k * h + i) * w + j] = k * 100 + i * 10 + j;
  return x;
}

const image = (c = 2, h = 3, w = 4): Sample => ({ x: coded(c, h, w), xShape: [c, h, w], y: Int32Array.of(1), yShape: [] });

/** Image plus a mask whose value encodes (i, j) as i*10 + j, to follow pixels through geometry. */
function segmented(h = 3, w = 4): Sample {
  const y = new Int32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) y[i * w + j] = i * 10 + j;
  return { x: coded(1, h, w), xShape: [1, h, w], y, yShape: [h, w] };
}

describe('normalize', () => {
  it('standardises each channel and leaves labels alone', () => {
    const s = image();
    const out = normalize([1, 100], [2, 4])(s, new Rng(0));
    expect(out.x[0]).toBe((0 - 1) / 2);
    expect(out.x[5]).toBe((11 - 1) / 2); // c0, i1, j1
    expect(out.x[12]).toBeCloseTo((100 - 100) / 4, 6);
    expect(out.x[23]).toBeCloseTo((123 - 100) / 4, 6);
    expect(out.y).toBe(s.y);
    expect(s.x[0]).toBe(0); // input untouched
  });

  it('accepts scalars and rejects mismatched channel counts or zero std', () => {
    const out = normalize(0.5, 0.5)(image(1, 1, 2), new Rng(0));
    expect(Array.from(out.x)).toEqual([-1, 1]);
    expect(() => normalize([0, 0, 0], 1)(image(), new Rng(0))).toThrow(/3 values for 2 channels/);
    expect(() => normalize(0, 0)(image(), new Rng(0))).toThrow(/non-zero/);
    expect(() => normalize(0, 1)({ x: Int32Array.of(1), xShape: [1], y: Int32Array.of(0), yShape: [] }, new Rng(0))).toThrow(/float32 image/);
  });
});

describe('horizontalFlip', () => {
  it('mirrors every row of every channel, and the mask with it', () => {
    const out = horizontalFlip(1)(segmented(), new Rng(0));
    expect(Array.from(out.x.subarray(0, 4))).toEqual([3, 2, 1, 0]);
    expect(Array.from(out.x.subarray(8, 12))).toEqual([23, 22, 21, 20]);
    expect(Array.from(out.y)).toEqual(Array.from(out.x)); // mask codes equal image codes for C = 1
    expect(out.yShape).toEqual([3, 4]);
  });

  it('never flips with p = 0 and flips about half the time with p = 0.5', () => {
    const s = image();
    expect(horizontalFlip(0)(s, new Rng(0))).toBe(s);
    let flips = 0;
    for (let i = 0; i < 1000; i++) if (horizontalFlip(0.5)(s, new Rng(1, i)) !== s) flips++;
    expect(flips).toBeGreaterThan(440);
    expect(flips).toBeLessThan(560);
  });

  it('refuses a mask that does not match the image', () => {
    const bad: Sample = { ...image(1, 3, 4), y: new Int32Array(4), yShape: [2, 2] };
    expect(() => horizontalFlip(1)(bad, new Rng(0))).toThrow(/mask shape \[2,2\] does not match image size \[3, 4\]/);
  });
});

describe('randomCrop', () => {
  it('crops the same window from image and mask, with zero/background padding', () => {
    const crop = randomCrop([3, 4], { padding: 2, fill: -1, maskFill: 0 });
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const out = crop(segmented(), new Rng(seed));
      expect(out.xShape).toEqual([1, 3, 4]);
      expect(out.yShape).toEqual([3, 4]);
      // Recover the offset from the expected draws and check every pixel.
      const rng = new Rng(seed);
      const top = rng.int(3 + 4 - 3 + 1) - 2;
      const left = rng.int(4 + 4 - 4 + 1) - 2;
      seen.add(`${top},${left}`);
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 4; j++) {
          const si = top + i;
          const sj = left + j;
          const inside = si >= 0 && si < 3 && sj >= 0 && sj < 4;
          expect(out.x[i * 4 + j]).toBe(inside ? si * 10 + sj : -1);
          expect(out.y[i * 4 + j]).toBe(inside ? si * 10 + sj : 0);
        }
      }
    }
    expect(seen.size).toBe(25); // all 5 x 5 offsets occur
  });

  it('crops without padding to a smaller size, keeping channels', () => {
    const out = randomCrop(2)(image(2, 3, 4), new Rng(4));
    expect(out.xShape).toEqual([2, 2, 2]);
    expect(out.y).toEqual(Int32Array.of(1));
    const top = Math.floor(out.x[0]! / 10);
    const left = out.x[0]! % 10;
    expect(Array.from(out.x)).toEqual([0, 1, 10, 11, 100, 101, 110, 111].map((d) => d + top * 10 + left));
    expect(() => randomCrop(5)(image(2, 3, 4), new Rng(0))).toThrow(/larger than the padded image/);
    expect(() => randomCrop(2, -1)).toThrow(/padding/);
  });
});

describe('oneHot', () => {
  it('encodes a class index as [K]', () => {
    const out = oneHot(4)(image(), new Rng(0));
    expect(out.y).toEqual(Float32Array.of(0, 1, 0, 0));
    expect(out.yShape).toEqual([4]);
  });

  it('encodes a mask as [K, H, W] and a sequence as [T, K]', () => {
    const mask: Sample = { x: new Float32Array(4), xShape: [1, 2, 2], y: Int32Array.of(0, 1, 2, 1), yShape: [2, 2] };
    const m = oneHot(3)(mask, new Rng(0));
    expect(m.yShape).toEqual([3, 2, 2]);
    expect(Array.from(m.y)).toEqual([1, 0, 0, 0, /**/ 0, 1, 0, 1, /**/ 0, 0, 1, 0]);
    const seq: Sample = { x: Int32Array.of(0, 1), xShape: [2], y: Int32Array.of(2, 0), yShape: [2] };
    const s = oneHot(3)(seq, new Rng(0));
    expect(s.yShape).toEqual([2, 3]);
    expect(Array.from(s.y)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('rejects out-of-range labels', () => {
    expect(() => oneHot(1)(image(), new Rng(0))).toThrow(/label 1 at position 0 is outside \[0, 1\)/);
  });
});

describe('compose', () => {
  it('applies left to right with one shared stream', () => {
    const t = compose(horizontalFlip(1), normalize(0, 10), oneHot(2));
    const out = t(image(1, 1, 3), new Rng(0));
    expect(Array.from(out.x)).toEqual([0.2, 0.1, 0].map((v) => Math.fround(v)));
    expect(out.y).toEqual(Float32Array.of(0, 1));
    // Same draws as applying the transforms by hand on one Rng.
    const crop = compose(randomCrop(2), randomCrop(1));
    const a = crop(segmented(), new Rng(11));
    const rng = new Rng(11);
    const b = randomCrop(1)(randomCrop(2)(segmented(), rng), rng);
    expect(a).toEqual(b);
  });
});
