import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { compose, horizontalFlip, normalize, oneHot, randomCrop, resize } from './transforms.js';
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

/** A coded 1-channel image with detection boxes (rows `[x1, y1, x2, y2, label]`). */
function withBoxes(h: number, w: number, rows: number[][]): Sample {
  return { x: coded(1, h, w), xShape: [1, h, w], y: Float32Array.from(rows.flat()), yShape: [rows.length, 5] };
}

const rowsOf = (s: Sample): number[][] => Array.from({ length: s.yShape[0]! }, (_, k) => Array.from(s.y.subarray(k * 5, (k + 1) * 5)));

describe('detection boxes move with the image', () => {
  it('horizontalFlip maps [x1, y1, x2, y2] to [W - x2, y1, W - x1, y2] and keeps labels', () => {
    const s = withBoxes(3, 4, [
      [0, 0, 1, 3, 2],
      [1, 1, 4, 2, 0],
      [1.5, 0.25, 2.5, 1, 1],
    ]);
    const out = horizontalFlip(1)(s, new Rng(0));
    expect(out.yShape).toEqual([3, 5]);
    expect(rowsOf(out)).toEqual([
      [3, 0, 4, 3, 2],
      [0, 1, 3, 2, 0],
      [1.5, 0.25, 2.5, 1, 1],
    ]);
    // The first box covered column 0; its pixels are now in column 3, the flipped box.
    for (let i = 0; i < 3; i++) expect(out.x[i * 4 + 3]).toBe(i * 10 + 0);
    expect(rowsOf(s)[0]).toEqual([0, 0, 1, 3, 2]); // input untouched
    expect(horizontalFlip(0)(s, new Rng(0))).toBe(s);
  });

  it('resize scales boxes by the size ratio and the image as PyTorch bilinear does', () => {
    const x = Float32Array.from({ length: 24 }, (_, p) => (p / 23) ** 2);
    const s: Sample = { x, xShape: [2, 3, 4], y: Float32Array.of(0, 0, 4, 3, 1, 1, 1, 2, 2, 0), yShape: [2, 5] };
    const out = resize([5, 3])(s, new Rng(0));
    expect(out.xShape).toEqual([2, 5, 3]);
    // torch.nn.functional.interpolate(x, size=(5, 3), mode='bilinear', align_corners=False), float64.
    const torchRef = [
      0.00031506, 0.004725898, 0.015437933, 0.01342155, 0.025897921, 0.044675488, 0.033081285, 0.057655955, 0.088531821, 0.089035917, 0.125708885, 0.16868305,
      0.126339004, 0.171077505, 0.222117202, 0.280088217, 0.344990548, 0.416194077, 0.365784499, 0.438752363, 0.518021424, 0.494328922, 0.579395085,
      0.670762445, 0.659168242, 0.756332703, 0.859798362, 0.769061122, 0.874291115, 0.985822306,
    ];
    out.x.forEach((v, p) => expect(v).toBeCloseTo(torchRef[p]!, 6));
    // x scales by 3/4, y by 5/3.
    expect(out.yShape).toEqual([2, 5]);
    expect(rowsOf(out)).toEqual([
      [0, 0, 3, 5, 1],
      [0.75, Math.fround(5 / 3), 1.5, Math.fround(10 / 3), 0],
    ]);
  });

  it('resize takes masks by nearest neighbour (PyTorch nearest-exact) and images by nearest on request', () => {
    const out = resize([5, 3])(segmented(3, 4), new Rng(0));
    // torch.nn.functional.interpolate(arange(12).reshape(1, 1, 3, 4), (5, 3), mode='nearest-exact'), as i*10 + j codes.
    expect(Array.from(out.y)).toEqual([0, 2, 3, 0, 2, 3, 10, 12, 13, 20, 22, 23, 20, 22, 23]);
    expect(out.y).toBeInstanceOf(Int32Array);
    expect(Array.from(resize([5, 3], { mode: 'nearest' })(segmented(3, 4), new Rng(0)).x)).toEqual(Array.from(out.y));
    expect(resize(2)(image(2, 3, 4), new Rng(0)).xShape).toEqual([2, 2, 2]);
    expect(() => resize(0)).toThrow(/positive integers/);
  });

  it('randomCrop shifts boxes into the window, clips them, and drops those left under a pixel', () => {
    // Find the stream whose draws put the 2x2 window at top 1, left 2 of the 4x4 image.
    let seed = 0;
    for (; ; seed++) {
      const rng = new Rng(seed);
      if (rng.int(3) === 1 && rng.int(3) === 2) break;
    }
    const s = withBoxes(4, 4, [
      [0, 0, 3, 2, 0], // overlaps the window's top-left pixel only
      [3, 3, 4, 4, 1], // below the window: clipped to zero height, dropped
      [2, 1, 4, 3, 2], // exactly the window
      [0, 0, 1, 4, 1], // left of the window: dropped
    ]);
    const out = randomCrop(2)(s, new Rng(seed));
    expect(Array.from(out.x)).toEqual([12, 13, 22, 23]);
    expect(rowsOf(out)).toEqual([
      [0, 0, 1, 1, 0],
      [0, 0, 2, 2, 2],
    ]);
    expect(out.yShape).toEqual([2, 5]);
  });

  it('leaves boxes alone under normalize, keeps an empty box list empty, and refuses ambiguous targets', () => {
    const s = withBoxes(3, 4, [[0, 0, 1, 1, 0]]);
    expect(normalize(0, 2)(s, new Rng(0)).y).toBe(s.y);
    const empty = withBoxes(3, 4, []);
    const flipped = horizontalFlip(1)(empty, new Rng(0));
    expect([flipped.y.length, flipped.yShape]).toEqual([0, [0, 5]]);
    // A float [3, 5] target of a 3x5 image could be a mask or three boxes.
    const ambiguous: Sample = { x: coded(1, 3, 5), xShape: [1, 3, 5], y: new Float32Array(15), yShape: [3, 5] };
    expect(() => horizontalFlip(1)(ambiguous, new Rng(0))).toThrow(/could be a mask or 3 boxes; make a mask an Int32Array/);
    // As an Int32Array it is a mask, flipped like the image.
    const mask = horizontalFlip(1)({ ...ambiguous, y: Int32Array.from({ length: 15 }, (_, p) => p) }, new Rng(0));
    expect(Array.from(mask.y.subarray(0, 5))).toEqual([4, 3, 2, 1, 0]);
    // Boxes must be float: an int [K, 5] target of another size is neither.
    const intBoxes: Sample = { ...s, y: Int32Array.of(0, 0, 1, 1, 0), yShape: [1, 5] };
    expect(() => resize(2)(intBoxes, new Rng(0))).toThrow(/does not match image size \[3, 4\] \(nor is it a Float32Array of boxes/);
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
