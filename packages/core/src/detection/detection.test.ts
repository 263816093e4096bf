/**
 * Anchors and NMS against torchvision 0.14 (fixtures/detection/boxes.json, made by
 * fixtures/generate_detection.py) and hand-worked cases.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { batchedNms, cellAnchors, generateAnchors, nms, type Size2d } from './index.js';

interface AnchorCase {
  name: string;
  featureSizes: Size2d[];
  imageSize: Size2d;
  sizes: number[][];
  aspectRatios: number[][];
  anchors: number[];
}
interface NmsCase {
  name: string;
  iouThreshold: number;
  boxes: number[];
  scores: number[];
  labels: number[];
  nms: number[];
  batchedNms: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../../../fixtures/detection/boxes.json', import.meta.url), 'utf8')) as {
  anchors: AnchorCase[];
  retinanetCellAnchors: { sizes: number[][]; aspectRatios: number[][]; anchors: number[][] };
  nms: NmsCase[];
};

describe('anchors, as torchvision AnchorGenerator', () => {
  it("RetinaNet's cell anchors at every level, rounded half to even as torch.round", () => {
    const { sizes, aspectRatios, anchors } = fixture.retinanetCellAnchors;
    expect(anchors).toHaveLength(5);
    sizes.forEach((s, l) => expect(Array.from(cellAnchors(s, aspectRatios[l]!)), `level ${l}`).toEqual(anchors[l]));
    // 101/2 = 50.5 rounds to 50, as torch.round does (Math.round would give 51).
    expect(Array.from(cellAnchors([101], [1]))).toEqual([-50, -50, 50, 50]);
  });

  for (const c of fixture.anchors) {
    it(c.name, () => {
      const got = generateAnchors(c.featureSizes, c.imageSize, c.sizes, c.aspectRatios);
      expect(got).toBeInstanceOf(Float32Array);
      expect(Array.from(got)).toEqual(c.anchors);
    });
  }

  it('orders anchors by level, then location (row-major), then cell anchor, at the level stride', () => {
    // A 2x3 map of an 8x12 image: stride 4 both ways; two anchors per location.
    const a = generateAnchors([[2, 3]], [8, 12], [[2, 4]], [[1]]);
    expect(a.length).toBe(2 * 3 * 2 * 4);
    expect(Array.from(a.subarray(0, 8))).toEqual([-1, -1, 1, 1, -2, -2, 2, 2]);
    // Location (row 1, column 2): shifted by (x 8, y 4).
    expect(Array.from(a.subarray(5 * 8, 5 * 8 + 4))).toEqual([7, 3, 9, 5]);
  });

  it('explains mismatched level lists and feature maps larger than the image', () => {
    expect(() => generateAnchors([[4, 4]], [32, 32], [[8], [16]], [[1]])).toThrow(/1 feature maps need as many size lists and aspect-ratio lists, got 2 and 1/);
    expect(() => generateAnchors([[64, 4]], [32, 32], [[8]], [[1]])).toThrow(
      /feature map 0 is \[64, 4\]; it must be whole and no larger than the image \[32, 32\]/,
    );
    expect(() => cellAnchors([8], [0])).toThrow(/aspect ratios must be > 0/);
  });
});

describe('NMS, as torchvision.ops.nms and batched_nms', () => {
  for (const c of fixture.nms) {
    it(c.name, () => {
      expect(Array.from(nms(c.boxes, c.scores, c.iouThreshold))).toEqual(c.nms);
      expect(Array.from(batchedNms(c.boxes, c.scores, c.labels, c.iouThreshold))).toEqual(c.batchedNms);
    });
  }

  // Boxes 0 and 1 overlap with IoU exactly 1/2 (intersection 2, union 4); box 2 is apart.
  const boxes = [0, 0, 3, 1, 1, 0, 4, 1, 10, 10, 12, 12];

  it('suppresses only IoU strictly above the threshold', () => {
    expect(Array.from(nms(boxes, [0.9, 0.8, 0.7], 0.5))).toEqual([0, 1, 2]);
    expect(Array.from(nms(boxes, [0.9, 0.8, 0.7], 0.49))).toEqual([0, 2]);
    expect(Array.from(nms(boxes, [0.8, 0.9, 0.7], 0.49))).toEqual([1, 2]);
  });

  it('keeps equal scores in index order', () => {
    expect(Array.from(nms(boxes, [0.5, 0.5, 0.5], 0.49))).toEqual([0, 2]);
    expect(Array.from(nms([...boxes.slice(4, 8), ...boxes.slice(0, 4)], [0.5, 0.5], 0.49))).toEqual([0]);
  });

  it('never suppresses across labels, and sorts the kept boxes by score', () => {
    expect(Array.from(batchedNms(boxes, [0.9, 0.8, 0.95], [0, 1, 0], 0.3))).toEqual([2, 0, 1]);
    expect(Array.from(batchedNms(boxes, [0.9, 0.8, 0.95], [0, 0, 0], 0.3))).toEqual([2, 0]);
    expect(batchedNms([], [], [], 0.5)).toHaveLength(0);
  });

  it('checks that boxes, scores and labels agree in count', () => {
    expect(() => nms([0, 0, 1, 1, 2], [1], 0.5)).toThrow(/nms: boxes hold 5 numbers for 1 scores/);
    expect(() => batchedNms([0, 0, 1, 1], [1], [0, 1], 0.5)).toThrow(/batchedNms: 2 labels for 1 scores/);
  });
});
