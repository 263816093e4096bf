import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  COCO_IOU_THRESHOLDS,
  COCO_RECALL_THRESHOLDS,
  DetectionEvaluator,
  formatClassAPTable,
  formatDetectionSummary,
  type DetectionEvaluatorOptions,
  type DetectionMetrics,
  type ImageDetections,
  type ImageGroundTruth,
} from './detection-metrics.js';

type Box = [number, number, number, number];

const dets = (boxes: Box[], scores: number[], labels: number[] = scores.map(() => 0)): ImageDetections => ({
  boxes: Float32Array.from(boxes.flat()),
  scores: Float32Array.from(scores),
  labels: Int32Array.from(labels),
});
const truth = (boxes: Box[], labels: number[] = boxes.map(() => 0), iscrowd?: number[]): ImageGroundTruth => ({
  boxes: Float32Array.from(boxes.flat()),
  labels: Int32Array.from(labels),
  ...(iscrowd ? { iscrowd: Uint8Array.from(iscrowd) } : {}),
});
const none = (): ImageDetections => dets([], []);

function evaluate(images: [ImageDetections, ImageGroundTruth][], options?: DetectionEvaluatorOptions): DetectionMetrics {
  const e = new DetectionEvaluator(options);
  for (const [d, g] of images) e.add(d, g);
  return e.compute();
}

/** Equal to a hand-computed value; the only error is COCO's `tp / (tp + fp + spacing(1))`. */
const near = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 12);

const SUMMARY_KEYS = ['AP', 'AP50', 'AP75', 'APsmall', 'APmedium', 'APlarge', 'AR1', 'AR10', 'AR100', 'ARsmall', 'ARmedium', 'ARlarge'] as const;

function expectSummary(m: DetectionMetrics, expected: Partial<Record<(typeof SUMMARY_KEYS)[number], number>>): void {
  for (const [key, value] of Object.entries(expected)) {
    const actual = m[key as (typeof SUMMARY_KEYS)[number]];
    if (Number.isNaN(value)) expect(actual, key).toBeNaN();
    else expect(actual, key).toBeCloseTo(value, 12);
  }
}

// Ground truth of all three COCO sizes: small 10×10, medium 50×50 and 60×40, large 200×200.
const SMALL: Box = [10, 10, 20, 20];
const LARGE: Box = [50, 50, 250, 250];
const MEDIUM: Box = [0, 0, 50, 50];
const MEDIUM2: Box = [100, 100, 160, 140];

describe('DetectionEvaluator (COCO bbox evaluation)', () => {
  it('uses numpy linspace thresholds bit for bit', () => {
    expect(COCO_IOU_THRESHOLDS).toHaveLength(10);
    expect(COCO_IOU_THRESHOLDS[5]).toBe(0.75);
    expect(COCO_IOU_THRESHOLDS[8]).toBe(0.8999999999999999); // numpy gives the same
    expect(COCO_RECALL_THRESHOLDS).toHaveLength(101);
    expect(COCO_RECALL_THRESHOLDS[29]).toBe(0.29);
  });

  it('perfect detections: AP 1 for every defined figure; AR1 counts one detection per image and class', () => {
    const m = evaluate(
      [
        [dets([SMALL, LARGE], [0.9, 0.8]), truth([SMALL, LARGE])],
        [dets([MEDIUM], [0.7], [1]), truth([MEDIUM], [1])],
        [dets([MEDIUM2], [0.95]), truth([MEDIUM2])],
      ],
      { classNames: ['circle', 'square'] },
    );
    // Class 0 with one detection per image finds 2 of 3; class 1 finds its one.
    expectSummary(m, {
      AP: 1,
      AP50: 1,
      AP75: 1,
      APsmall: 1,
      APmedium: 1,
      APlarge: 1,
      AR1: (2 / 3 + 1) / 2,
      AR10: 1,
      AR100: 1,
      ARsmall: 1,
      ARmedium: 1,
      ARlarge: 1,
    });
    expect(m.images).toBe(3);
    expect(m.perClass.map((c) => [c.label, c.name, c.numGroundTruth, c.numDetections])).toEqual([
      [0, 'circle', 3, 3],
      [1, 'square', 1, 1],
    ]);
    near(m.perClass[0]!.AP, 1);
    near(m.perClass[1]!.AR100, 1);
  });

  it('a detection shifted to IoU exactly 0.6 matches at 0.50, 0.55, 0.60: AP 3/10, AP50 1, AP75 0', () => {
    const gt = truth([[0, 0, 100, 100]]);
    // Shift 25: intersection 75·100, union 20000 − 7500, IoU 0.6 (= the 0.60 threshold: matched).
    const m = evaluate([[dets([[25, 0, 125, 100]], [0.9]), gt]]);
    expectSummary(m, { AP: 0.3, AP50: 1, AP75: 0, APlarge: 0.3, APsmall: NaN, APmedium: NaN, AR1: 0.3, AR100: 0.3, ARlarge: 0.3 });
    // A hair further (IoU 74.9 / 125.1 ≈ 0.599) misses the 0.60 threshold.
    near(evaluate([[dets([[25.1, 0, 125.1, 100]], [0.9]), gt]]).AP, 0.2);
  });

  it('a duplicate ranked before the last true positive lowers precision: AP (51 + 50·2/3) / 101', () => {
    const g1: Box = [0, 0, 100, 100];
    const g2: Box = [200, 200, 300, 300];
    // Ranks: TP (g1), FP (duplicate of g1), TP (g2). Recall 0.5, 0.5, 1; precision 1, 1/2, 2/3,
    // monotone 1, 2/3, 2/3: recall points 0..0.50 read 1, 0.51..1 read 2/3.
    const m = evaluate([[dets([g1, g1, g2], [0.9, 0.8, 0.7]), truth([g1, g2])]]);
    expectSummary(m, { AP: 253 / 303, AP50: 253 / 303, AP75: 253 / 303, AR100: 1 });
    // The same duplicate ranked last comes after full recall and costs nothing.
    expectSummary(evaluate([[dets([g1, g2, g1], [0.9, 0.8, 0.7]), truth([g1, g2])]]), { AP: 1, AR100: 1 });
  });

  it('a missed ground truth: recall 0.5, AP 51/101 (precision 1 up to recall 0.50, 0 past it)', () => {
    const m = evaluate([
      [
        dets([[0, 0, 100, 100]], [0.9]),
        truth([
          [0, 0, 100, 100],
          [200, 200, 300, 300],
        ]),
      ],
    ]);
    expectSummary(m, { AP: 51 / 101, AP50: 51 / 101, AR1: 0.5, AR100: 0.5, APlarge: 51 / 101 });
  });

  it('averages AP over the classes that have ground truth', () => {
    const a: Box = [0, 0, 100, 100];
    const b: Box = [200, 200, 300, 300];
    const m = evaluate(
      [
        [dets([a], [0.9], [0]), truth([a], [0])],
        [dets([a, [150, 150, 180, 180]], [0.9, 0.99], [1, 2]), truth([a, b], [1, 1])], // class 2: detections only
      ],
      { numClasses: 4 },
    );
    near(m.AP, (1 + 51 / 101) / 2);
    expect(m.perClass.map((c) => [c.label, c.numGroundTruth, c.numDetections])).toEqual([
      [0, 1, 1],
      [1, 2, 1],
      [2, 0, 1],
      [3, 0, 0],
    ]);
    near(m.perClass[0]!.AP, 1);
    near(m.perClass[1]!.AP, 51 / 101);
    expect(m.perClass[2]!.AP).toBeNaN();
    expect(m.perClass[3]!.AP50).toBeNaN();
  });

  it('area ranges: out-of-range ground truth and its detections are ignored, as are unmatched detections outside the range', () => {
    const small: Box = [0, 0, 20, 20]; // 400 px²
    const large: Box = [100, 100, 200, 200]; // 10 000 px²
    const stray: Box = [50, 50, 60, 60]; // 100 px², matches nothing, ranked first
    const scene: [ImageDetections, ImageGroundTruth][] = [[dets([large, stray], [0.9, 0.95]), truth([small, large])]];
    // all: FP then TP over 2 → precision 1/2 up to recall 0.5 → AP 25.5/101.
    // small: the stray is a small FP, the large detection sits on an ignored gt → AP 0.
    // large: the small gt is ignored and so is the unmatched small stray → AP 1.
    // maxDets 1 keeps only the stray → AR1 0.
    expectSummary(evaluate(scene), {
      AP: 25.5 / 101,
      APsmall: 0,
      APmedium: NaN,
      APlarge: 1,
      AR1: 0,
      AR10: 0.5,
      AR100: 0.5,
      ARsmall: 0,
      ARmedium: NaN,
      ARlarge: 1,
    });
    // Ranges for small images: 20×20 is now medium (where the stray counts as a false positive).
    const m = evaluate(scene, { areaRanges: { small: [0, 10 ** 2], medium: [10 ** 2, 50 ** 2], large: [50 ** 2, 1e10] } });
    expectSummary(m, { AP: 25.5 / 101, APsmall: NaN, APmedium: 0, APlarge: 1, ARmedium: 0 });
    expect(m.areaRanges.medium).toEqual([100, 2500]);
    expect(m.areaRanges.all).toEqual([0, 1e10]);
  });

  it('a detection keeps a ground truth that counts over a better-overlapping ignored one', () => {
    // With small ≤ 110 px²: s (100 px²) is small, l (120 px²) medium. The detection overlaps s
    // at IoU 100/115 ≈ 0.87 and l at 115/120 ≈ 0.96. Under "small", at the 8 thresholds up to
    // 0.85 it takes s and stops (COCOeval never trades a counted match for an ignored box);
    // at 0.90 and 0.95 it misses s and lands on the ignored l → APsmall 8/10. Under "medium" it
    // takes l at every threshold; under "all" the better l, leaving s missed → AP 51/101.
    const s: Box = [0, 0, 10, 10];
    const l: Box = [0, 0, 10, 12];
    const m = evaluate([[dets([[0, 0, 10, 11.5]], [0.9]), truth([s, l])]], { areaRanges: { small: [0, 110], medium: [110, 1e10], large: [1e10, 1e10] } });
    expectSummary(m, { APsmall: 0.8, ARsmall: 0.8, APmedium: 1, APlarge: NaN, AP: 51 / 101, AR100: 0.5 });
  });

  it('maxDets caps the detections of each image per class (as pycocotools does)', () => {
    const boxes: Box[] = [0, 1, 2, 3].map((i) => [i * 100, 0, i * 100 + 50, 50]);
    const scores = [0.9, 0.8, 0.7, 0.6];
    const m = evaluate(
      [
        [dets(boxes, scores), truth(boxes)],
        [dets(boxes, scores, [1, 1, 1, 1]), truth(boxes, [1, 1, 1, 1])],
      ],
      { maxDets: [1, 2, 3] },
    );
    // Each class keeps 3 of its 4 perfect detections: recall 3/4, precision 1 up to it.
    expectSummary(m, { AR1: 1 / 4, AR10: 2 / 4, AR100: 3 / 4, AP: 76 / 101, AP50: 76 / 101 });
    expect(m.perClass.map((c) => c.numDetections)).toEqual([3, 3]);
    expect(formatDetectionSummary(m).split('\n')[7]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  2 ] = 0.500');
  });

  it('crowd regions neither count as ground truth nor let detections on them count as false positives', () => {
    const person: Box = [0, 0, 50, 50];
    const crowd: Box = [100, 100, 300, 300];
    const inCrowd: Box[] = [
      [110, 110, 150, 150],
      [200, 200, 290, 290],
    ];
    // Both detections in the crowd (IoU = intersection / detection area = 1) outrank the person.
    const d = dets([person, ...inCrowd], [0.9, 0.95, 0.92]);
    const m = evaluate([[d, truth([person, crowd], [0, 0], [0, 1])]]);
    expectSummary(m, { AP: 1, AP75: 1, AR100: 1 });
    expect(m.perClass[0]!.numGroundTruth).toBe(1);
    // The same region as an ordinary box: both are false positives (IoU 0.04 and 0.2), ranked
    // FP, FP, TP over 2 ground truths → precision 1/3 up to recall 0.5 → AP 17/101.
    expectSummary(evaluate([[d, truth([person, crowd])]]), { AP: 17 / 101, AR100: 0.5 });
  });

  it('empty images change nothing; detections on images without ground truth are false positives', () => {
    const a: Box = [0, 0, 100, 100];
    const base: [ImageDetections, ImageGroundTruth][] = [[dets([a], [0.5]), truth([a])]];
    const withEmpty = evaluate([[none(), truth([])], ...base, [none(), truth([])]]);
    const plain = evaluate(base);
    expect({ ...withEmpty, images: 0 }).toEqual({ ...plain, images: 0 });
    // A stray detection scored above the true positive: precision 1/2 at full recall.
    expectSummary(evaluate([...base, [dets([a], [0.9]), truth([])]]), { AP: 0.5, AR100: 1 });
    // Scored below it, after full recall: no cost.
    expectSummary(evaluate([...base, [dets([a], [0.3]), truth([])]]), { AP: 1 });
  });

  it('ranks tied scores by image order, then by rank in the image (numpy mergesort)', () => {
    const a: Box = [0, 0, 100, 100];
    const fp: [ImageDetections, ImageGroundTruth] = [dets([a], [0.5]), truth([])];
    const tp: [ImageDetections, ImageGroundTruth] = [dets([a], [0.5]), truth([a])];
    near(evaluate([fp, tp]).AP, 0.5);
    near(evaluate([tp, fp]).AP, 1);
  });

  it('matches greedily by score, a tie in IoU going to the later ground truth (COCOeval compares with >=)', () => {
    // d1 has IoU 90/110 with both; it takes g2, leaving d2 only g1 at IoU 70/130 ≈ 0.54.
    // IoU 0.50: both match (AP 1); 0.55–0.80: one TP then one FP (AP 51/101); above: none.
    const m = evaluate([
      [
        dets(
          [
            [1, 0, 11, 10],
            [3, 0, 13, 10],
          ],
          [0.9, 0.8],
        ),
        truth([
          [0, 0, 10, 10],
          [2, 0, 12, 10],
        ]),
      ],
    ]);
    expectSummary(m, { AP: (1 + (6 * 51) / 101) / 10, AP50: 1, AP75: 51 / 101, AR1: 0.35, AR100: 0.4 });
  });

  it('with no ground truth every figure is NaN, printed -1.000 as pycocotools prints it', () => {
    const e = new DetectionEvaluator();
    const empty = e.compute();
    for (const key of SUMMARY_KEYS) expect(empty[key], key).toBeNaN();
    expect(empty.perClass).toEqual([]);
    e.add(dets([[0, 0, 10, 10]], [0.9]), truth([]));
    const onlyFalse = e.compute();
    expect(onlyFalse.AP).toBeNaN();
    expect(onlyFalse.perClass).toHaveLength(1);
    expect(formatDetectionSummary(onlyFalse).split('\n')[0]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = -1.000');
  });

  it('formats like Python: exact halves round to even, the class table shows n/a for classes without ground truth', () => {
    const m = evaluate([[dets([[0, 0, 100, 100]], [0.9], [1]), truth([[0, 0, 100, 100]], [1])]], { numClasses: 2, classNames: ['background-ish', 'box'] });
    const lines = formatDetectionSummary({ ...m, AP: 0.0625, AP50: 0.1875, AP75: 0.0626 }).split('\n');
    expect(lines.slice(0, 3).map((l) => l.slice(-5))).toEqual(['0.062', '0.188', '0.063']);
    expect(formatClassAPTable(m).split('\n')).toEqual([
      'class              gt   dets     AP   AP50   AP75  AR100',
      'background-ish      0      0    n/a    n/a    n/a    n/a',
      'box                 1      1  1.000  1.000  1.000  1.000',
    ]);
  });

  it('copies its inputs and validates them, naming the image and the field', () => {
    const e = new DetectionEvaluator({ numClasses: 2 });
    const d = dets([[0, 0, 10, 10]], [0.9]);
    const g = truth([[0, 0, 10, 10]]);
    e.add(d, g);
    d.boxes.fill(500); // reusing the caller's buffer must not change what was added
    near(e.compute().AP, 1);
    expect(() => e.add({ ...d, boxes: new Float32Array(3) }, g)).toThrow(/image 1\): detections.boxes has 3 values for 1 scores; expected 4/);
    expect(() => e.add(dets([[0, 0, 10, 10]], [0.9], [2]), g)).toThrow(/detections.labels\[0\] = 2 is outside 0..1/);
    expect(() => e.add(d, truth([[10, 0, 0, 10]]))).toThrow(/groundTruth.boxes\[0\] = \[10, 0, 0, 10\] .* x2 ≥ x1/);
    expect(() => e.add(dets([[0, 0, 1, 1]], [NaN]), g)).toThrow(/detections.scores\[0\] is NaN/);
    expect(() => e.add(d, { ...g, iscrowd: new Uint8Array(2) })).toThrow(/iscrowd has 2 entries for 1 labels/);
    expect(() => new DetectionEvaluator({ maxDets: [10, 1, 100] })).toThrow(/three increasing positive integers/);
    expect(() => new DetectionEvaluator({ areaRanges: { small: [100, 0] } })).toThrow(/areaRanges.small/);
    expect(e.size).toBe(1);
  });
});

interface FixtureCase {
  name: string;
  options: { numClasses: number; areaRanges?: Record<'all' | 'small' | 'medium' | 'large', [number, number]>; maxDets?: [number, number, number] };
  images: { detections: { boxes: number[]; scores: number[]; labels: number[] }; groundTruth: { boxes: number[]; labels: number[]; iscrowd: number[] } }[];
  expected: {
    stats: Record<(typeof SUMMARY_KEYS)[number], number | null>;
    summary: string | null;
    perClass: { label: number; AP: number | null; AP50: number | null; AP75: number | null; AR100: number | null }[];
    recall: number[];
    precisionAll: number[];
  };
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/detection/coco_eval.json', import.meta.url)), 'utf8')) as {
  generator: string;
  cases: FixtureCase[];
};

function fillFromFixture(e: DetectionEvaluator, images: FixtureCase['images']): void {
  for (const { detections: d, groundTruth: g } of images) {
    e.add(
      { boxes: Float32Array.from(d.boxes), scores: Float32Array.from(d.scores), labels: Int32Array.from(d.labels) },
      { boxes: Float32Array.from(g.boxes), labels: Int32Array.from(g.labels), iscrowd: Uint8Array.from(g.iscrowd) },
    );
  }
}

/** pycocotools' number, `null` standing for its -1. */
const expectPycoco = (actual: number, expected: number | null, what: string) => {
  if (expected === null) expect(actual, what).toBeNaN();
  else expect(Math.abs(actual - expected), what).toBeLessThan(1e-12);
};

describe('DetectionEvaluator against pycocotools (fixtures/detection/coco_eval.json)', () => {
  it('was written by the generator', () => {
    expect(fixture.generator).toBe('fixtures/generate_coco_eval.py');
    expect(fixture.cases.length).toBeGreaterThanOrEqual(3);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: summary, per-class table, recall and precision arrays`, () => {
      const e = new DetectionEvaluator(c.options);
      fillFromFixture(e, c.images);
      const m = e.compute();
      for (const key of SUMMARY_KEYS) expectPycoco(m[key], c.expected.stats[key], key);
      c.expected.perClass.forEach((row, k) => {
        const got = m.perClass[k]!;
        expect(got.label).toBe(row.label);
        for (const key of ['AP', 'AP50', 'AP75', 'AR100'] as const) expectPycoco(got[key], row[key], `class ${k} ${key}`);
      });
      if (c.expected.summary !== null) expect(formatDetectionSummary(m)).toBe(c.expected.summary);

      const acc = e.accumulate();
      expect(Array.from(acc.recall)).toHaveLength(c.expected.recall.length);
      acc.recall.forEach((v, i) => expectPycoco(v, c.expected.recall[i]!, `recall[${i}]`));
      // precision[t][r][k][a = all][m = last], as the fixture stores it.
      const [T, R, K, A, M] = [COCO_IOU_THRESHOLDS.length, COCO_RECALL_THRESHOLDS.length, acc.labels.length, 4, 3];
      let i = 0;
      for (let t = 0; t < T; t++) {
        for (let r = 0; r < R; r++) {
          for (let k = 0; k < K; k++)
            expectPycoco(acc.precision[(((t * R + r) * K + k) * A + 0) * M + M - 1]!, c.expected.precisionAll[i++]!, `precision[${t}][${r}][${k}]`);
        }
      }
      expect(i).toBe(c.expected.precisionAll.length);
    });
  }

  it('resumes from a JSON state dict taken half-way, and forgets everything on reset', () => {
    const c = fixture.cases[0]!;
    const whole = new DetectionEvaluator(c.options);
    fillFromFixture(whole, c.images);
    const half = Math.floor(c.images.length / 2);
    const first = new DetectionEvaluator(c.options);
    fillFromFixture(first, c.images.slice(0, half));
    const resumed = new DetectionEvaluator(c.options);
    resumed.loadStateDict(JSON.parse(JSON.stringify(first.stateDict())));
    expect(resumed.size).toBe(half);
    fillFromFixture(resumed, c.images.slice(half));
    expect(resumed.compute()).toEqual(whole.compute());

    expect(() => new DetectionEvaluator({ maxDets: [1, 5, 20] }).loadStateDict(first.stateDict())).toThrow(/saved with maxDets \[1,10,100\].*\[1, 5, 20\]/);
    expect(() => resumed.loadStateDict({ format: 'x' })).toThrow(/invalid saved state: format "x"/);
    resumed.reset();
    expect(resumed.size).toBe(0);
    expect(resumed.compute().AP).toBeNaN();
  });
});
