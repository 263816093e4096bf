// The detection demo's code in Node on the cpu backend: the editable scene against
// @skipnet/data's shapes-det, the matching against hand-computed cases, the float16 asset
// writer against core's reader, and the bundled detector itself.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { float16BitsToNumber, memory, parseSafetensors, registerBackend, setBackend } from '@skipnet/core';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { renderShapesDetScene } from '@skipnet/data';
import { float16Bits, float16Safetensors } from '../../scripts/lib/detector-asset.js';
import { DetectionScene, foundCounts, matchToTruth, missingFrom, shapePixels, sizeBucket, type FoundBoxes, type GroundTruth } from './detection-scene.js';
import { DetectorSession, type DetectorAsset } from './detector.js';

beforeAll(async () => {
  registerBackend('cpu', createCpuBackend);
  await setBackend('cpu');
});

describe('the editable detection scene', () => {
  it('reproduces shapes-det: the same pixels, and ground truth equal to the dataset targets', () => {
    for (const index of [0, 1, 7, 42]) {
      const ref = renderShapesDetScene(index, { split: 'test' });
      const scene = DetectionScene.generated(index);
      expect(scene.x).toEqual(ref.sample.x);
      // The copied geometry covers exactly the pixels the dataset drew for each object.
      scene.objects.forEach((o, k) => expect(shapePixels(o.label, o.placement).length).toBe(ref.objects[k]!.area));
      const truth = scene.groundTruth();
      const k = ref.sample.yShape[0]!;
      expect(truth.labels).toEqual(Int32Array.from({ length: k }, (_, i) => ref.sample.y[i * 5 + 4]!));
      expect(Array.from(truth.boxes)).toEqual(Array.from({ length: 4 * k }, (_, j) => ref.sample.y[Math.floor(j / 4) * 5 + (j % 4)]!));
    }
  });

  it('draws a shape with its tight box, hides what it covers, and undoes', () => {
    const scene = DetectionScene.blank(1);
    // A square of half-side 5 at (64, 64): pixel centres j + 0.5 in [59, 69] → columns and rows 59…68.
    const r = 5 / (Math.sqrt(Math.PI) / 2);
    expect(scene.addShape(1, { cx: 64, cy: 64, r, angle: 0 })).toBe(true);
    expect(Array.from(scene.groundTruth().boxes)).toEqual([59, 59, 69, 69]);
    expect(scene.groundTruth().labels).toEqual(Int32Array.from([1]));
    // A circle over more than half of it: the square is no longer ground truth (the shapes-det rule).
    const before = scene.x.slice();
    expect(scene.addShape(0, { cx: 64, cy: 64, r: 6, angle: 0 })).toBe(true);
    expect(scene.groundTruth().labels).toEqual(Int32Array.from([0]));
    expect(scene.x).not.toEqual(before);
    scene.undo();
    expect(scene.x).toEqual(before);
    expect(scene.groundTruth().labels).toEqual(Int32Array.from([1]));
    // Covering no pixel centre changes nothing.
    expect(scene.addShape(0, { cx: 10, cy: 10, r: 0.1, angle: 0 })).toBe(false);
    expect(scene.objects).toHaveLength(1);
  });
});

describe('matching detections', () => {
  const truth: GroundTruth = { boxes: Float32Array.from([0, 0, 10, 10, 50, 50, 90, 90]), labels: Int32Array.from([0, 2]) };
  const found = (boxes: number[], scores: number[], labels: number[]): FoundBoxes => ({
    boxes: Float32Array.from(boxes),
    scores: Float32Array.from(scores),
    labels: Int32Array.from(labels),
  });

  it('matches by class and IoU ≥ 0.5, best score first', () => {
    // [0,0,10,8] has IoU 0.8 with the first box; [0,0,5,10] 0.5 exactly; a triangle box on the circle does not count.
    const d = found([0, 0, 5, 10, 0, 0, 10, 8, 0, 0, 10, 10, 50, 50, 70, 90], [0.9, 0.6, 0.95, 0.8], [0, 0, 2, 2]);
    // The 0.9 detection (IoU exactly 0.5) takes the circle before the better-placed 0.6 one; box 3 has IoU 0.5 with the triangle.
    expect(Array.from(matchToTruth(d, truth))).toEqual([0, 3]);
    expect(Array.from(matchToTruth(d, truth, 0.51))).toEqual([1, -1]);
  });

  it('finds the detections another run lacks, and counts found objects by size', () => {
    const on = found([0, 0, 10, 10, 50, 50, 90, 90], [0.9, 0.8], [0, 2]);
    const off = found([50, 52, 90, 90, 0, 0, 10, 10], [0.7, 0.6], [2, 1]);
    expect(missingFrom(on, off)).toEqual([0]); // the circle: the only box there is of another class
    expect(missingFrom(off, on)).toEqual([1]);
    // 10×10 = 100 px² is small (< (128/12)² ≈ 113.8), 40×40 = 1600 large (≥ (128/5)² = 655.36).
    expect([sizeBucket(truth.boxes, 0), sizeBucket(truth.boxes, 1)]).toEqual(['small', 'large']);
    const counts = foundCounts(truth, matchToTruth(off, truth));
    expect(counts).toEqual({
      small: { objects: 1, found: 0 },
      medium: { objects: 0, found: 0 },
      large: { objects: 1, found: 1 },
      all: { objects: 2, found: 1 },
    });
  });
});

describe('the float16 asset writer', () => {
  it('rounds to the nearest binary16, ties to even', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to 2^16: rounds to even, which overflows to ∞
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway to it: ties to even (0)
      [3 * 2 ** -25, 0x0002], // 1.5 subnormal units: ties to even (2)
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1 + 2^-10: even mantissa 0
      [1 + 3 * 2 ** -11, 0x3c02], // halfway between mantissas 1 and 2: even, 2
      [Infinity, 0x7c00],
    ];
    for (const [v, bits] of cases) expect({ v, bits: float16Bits(v).toString(16) }).toEqual({ v, bits: bits.toString(16) });
    expect(Number.isNaN(float16BitsToNumber(float16Bits(NaN)))).toBe(true);
  });

  it('stays within half a unit in the last place over the whole range', () => {
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let i = 0; i < 5000; i++) {
      const v = rand() * 2 ** Math.round(rand() * 15); // |v| < 2^15, below the largest finite 65504
      const back = float16BitsToNumber(float16Bits(v));
      const e = Math.max(Math.floor(Math.log2(Math.abs(v))), -14);
      expect(Math.abs(back - v)).toBeLessThanOrEqual(2 ** (e - 11) * (1 + 1e-9));
    }
  });

  it('writes safetensors that core reads back: F16 floats, I32 integers', () => {
    const bytes = float16Safetensors(
      {
        'b.weight': { dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, -0.5, 0.1, 1000]) },
        'a.num_batches_tracked': { dtype: 'int32', shape: [], data: Int32Array.from([7]) },
      },
      { model: 'x' },
    );
    const parsed = parseSafetensors(bytes);
    expect([...parsed.tensors.keys()]).toEqual(['a.num_batches_tracked', 'b.weight']);
    const w = parsed.tensors.get('b.weight')!;
    expect([w.storedDtype, w.shape]).toEqual(['F16', [2, 2]]);
    expect(Array.from(w.data)).toEqual([1, -0.5, float16BitsToNumber(0x2e66), 1000]);
    expect(Array.from(parsed.tensors.get('a.num_batches_tracked')!.data)).toEqual([7]);
    expect(parsed.metadata).toEqual({ model: 'x' });
  });
});

describe('the bundled detector', () => {
  const asset = JSON.parse(readFileSync(new URL('../../data/fcos-small.json', import.meta.url), 'utf8')) as DetectorAsset;
  const weights = new Uint8Array(readFileSync(new URL(`../../data/${asset.weights.file}`, import.meta.url)));

  it('is the size its description says, loads strictly, detects with the lateral skips on and off, and frees every tensor', async () => {
    expect(weights.length).toBe(asset.weights.bytes);
    const before = memory().tensors;
    const session = new DetectorSession(asset, weights);
    expect(session.lateralSkips).toBe(3);
    const totals = { on: 0, off: 0, objects: 0 };
    for (const index of [0, 1, 2, 3]) {
      const scene = DetectionScene.generated(index);
      const truth = scene.groundTruth();
      const pair = await session.detect(scene.x, 0.4);
      for (const f of [pair.on, pair.off]) {
        expect(f.boxes.length).toBe(4 * f.scores.length);
        expect(Array.from(f.scores).every((s) => s >= 0.4 && s <= 1)).toBe(true);
      }
      totals.objects += truth.labels.length;
      totals.on += foundCounts(truth, matchToTruth(pair.on, truth)).all.found;
      totals.off += foundCounts(truth, matchToTruth(pair.off, truth)).all.found;
    }
    // The skips are back on after each call.
    expect(session.detector.backbone.fpn.top_down.children().every((s) => (s as unknown as { skip: boolean }).skip)).toBe(true);
    // With the lateral skips the trained detector finds objects, and more than without them.
    expect(totals.on).toBeGreaterThan(0);
    expect(totals.on).toBeGreaterThan(totals.off);
    session.dispose();
    expect(memory().tensors).toBe(before);
  });
});
