/**
 * COCO-style detection evaluation: pycocotools' `COCOeval` (`iouType='bbox'`) on plain typed
 * arrays, one image at a time. Everything is host-side float64 arithmetic on the caller's
 * float32 boxes, so results match pycocotools to rounding (checked against a fixture it made,
 * fixtures/README.md).
 *
 * The algorithm, as pycocotools runs it:
 * - per image and class, detections sorted by descending score (stable, like numpy's
 *   mergesort) and capped at the largest `maxDets` — per class, not per image;
 * - at each IoU threshold 0.50:0.05:0.95 each detection in turn takes the unmatched ground
 *   truth of best IoU ≥ the threshold (ties go to the later one; crowd boxes match any number
 *   of detections, with IoU measured as intersection over the detection's area);
 * - for each area range, ground truths outside it and crowd boxes are "ignored": a detection
 *   matched to one is left out, as is an unmatched detection outside the range;
 * - detections of all images are ranked by score (ties: image order, then rank in the image);
 *   precision is made monotone (the running maximum from the right) and read at 101 recall
 *   points (the first rank whose recall reaches each, 0 past the last), then averaged;
 * - AP averages over classes (and IoU thresholds) that have ground truth in the range; where
 *   none has, the value is `NaN` (pycocotools' -1).
 *
 * One difference: an area range is tested against the box area `(x2 − x1)·(y2 − y1)`, where
 * COCO uses each annotation's `area` (its segmentation mask's area).
 */
import { formatShape, type Tensor } from '@skipnet/core';
import { BOX_ROW, unpadBoxes } from '@skipnet/data';
import type { JsonValue, Metric } from './metrics.js';

/** One image's predictions: boxes flat `[D·4]` as `x1, y1, x2, y2` in pixels, scores `[D]`, labels `[D]` (`0..C−1`). */
export interface ImageDetections {
  boxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}

/**
 * One image's ground truth: boxes flat `[K·4]` (`x1, y1, x2, y2`), labels `[K]`; optional
 * `iscrowd` `[K]` (non-zero: a crowd region, matched as COCO does — detections on it are ignored).
 */
export interface ImageGroundTruth {
  boxes: Float32Array;
  labels: Int32Array;
  iscrowd?: Uint8Array;
}

/** A range of box areas in px², both ends included (COCO skips `area < min || area > max`). */
export type AreaRange = readonly [min: number, max: number];

/** The four area ranges of the COCO summary. */
export interface DetectionAreaRanges {
  readonly all: AreaRange;
  readonly small: AreaRange;
  readonly medium: AreaRange;
  readonly large: AreaRange;
}

/** numpy's `linspace(start, stop, num)`, value for value (`i·step + start`, the last exactly `stop`). */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/** COCO's IoU thresholds `0.50:0.05:0.95` (10 values, bit for bit numpy's `linspace`). */
export const COCO_IOU_THRESHOLDS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));

/** COCO's 101 recall points `0:0.01:1` at which precision is read. */
export const COCO_RECALL_THRESHOLDS: readonly number[] = Object.freeze(linspace(0, 1, 101));

/** COCO's area ranges in px²: all, small `< 32²`, medium `32²–96²`, large `> 96²` (pycocotools' `1e5²` stands for no limit). */
export const COCO_AREA_RANGES: DetectionAreaRanges = Object.freeze({
  all: Object.freeze([0, 1e10] as const),
  small: Object.freeze([0, 32 ** 2] as const),
  medium: Object.freeze([32 ** 2, 96 ** 2] as const),
  large: Object.freeze([96 ** 2, 1e10] as const),
});

/** COCO's detection caps for AR1, AR10 and AR100 (the last also caps AP). */
export const COCO_MAX_DETS: readonly [number, number, number] = Object.freeze([1, 10, 100] as const);

const AREA_NAMES = ['all', 'small', 'medium', 'large'] as const;

/** Options of {@link DetectionEvaluator}. */
export interface DetectionEvaluatorOptions {
  /** Number of classes: labels must be below it and the per-class table has one row each. Default: the labels seen. */
  numClasses?: number;
  /** Names for the per-class table, indexed by label. */
  classNames?: readonly string[];
  /**
   * Area ranges in px² of box area, merged over {@link COCO_AREA_RANGES}; set them for the
   * image size of the data set (COCO's are for ~640-px photos).
   */
  areaRanges?: Partial<DetectionAreaRanges>;
  /** Three increasing caps on detections per image and class (default {@link COCO_MAX_DETS}). */
  maxDets?: readonly [number, number, number];
}

/** The twelve figures of pycocotools' `summarize()` (`stats[0..11]`); `NaN` where pycocotools prints -1. */
export interface DetectionSummary {
  /** AP over IoU 0.50:0.95, all areas, `maxDets[2]`. */
  AP: number;
  /** AP at IoU 0.50. */
  AP50: number;
  /** AP at IoU 0.75. */
  AP75: number;
  /** AP over 0.50:0.95 for small ground truth. */
  APsmall: number;
  /** AP over 0.50:0.95 for medium ground truth. */
  APmedium: number;
  /** AP over 0.50:0.95 for large ground truth. */
  APlarge: number;
  /** Recall over 0.50:0.95 with `maxDets[0]` detections per image and class. */
  AR1: number;
  /** Recall with `maxDets[1]`. */
  AR10: number;
  /** Recall with `maxDets[2]`. */
  AR100: number;
  /** Recall for small ground truth (`maxDets[2]`). */
  ARsmall: number;
  /** Recall for medium ground truth. */
  ARmedium: number;
  /** Recall for large ground truth. */
  ARlarge: number;
}

/** One row of the per-class table (all areas, `maxDets[2]`). */
export interface ClassDetectionMetrics {
  /** The class index. */
  label: number;
  /** From {@link DetectionEvaluatorOptions.classNames}, else the label as text. */
  name: string;
  /** AP over 0.50:0.95; `NaN` for a class without (non-crowd) ground truth. */
  AP: number;
  /** AP at IoU 0.50. */
  AP50: number;
  /** AP at IoU 0.75. */
  AP75: number;
  /** Recall over 0.50:0.95. */
  AR100: number;
  /** Non-crowd ground-truth boxes. */
  numGroundTruth: number;
  /** Detections evaluated (after the cap of `maxDets[2]` per image and class). */
  numDetections: number;
}

/** What {@link DetectionEvaluator.compute} returns: the summary, the per-class table and the settings behind them. */
export interface DetectionMetrics extends DetectionSummary {
  /** One row per class evaluated, by label. */
  perClass: ClassDetectionMetrics[];
  /** Images evaluated. */
  images: number;
  /** The detection caps in use. */
  maxDets: readonly [number, number, number];
  /** The area ranges in use. */
  areaRanges: DetectionAreaRanges;
}

/**
 * pycocotools' accumulated arrays (`COCOeval.eval`), `-1` where undefined: `precision[t][r][k][a][m]`
 * flat in that order (`T × R × K × A × M`), `recall[t][k][a][m]`.
 */
export interface DetectionAccumulation {
  /** `T × R × K × A × M` interpolated precision. */
  precision: Float64Array;
  /** `T × K × A × M` final recall. */
  recall: Float64Array;
  /** The class of each `k`. */
  labels: number[];
  /** The `t` axis. */
  iouThresholds: readonly number[];
  /** The `r` axis. */
  recallThresholds: readonly number[];
  /** `a` indexes `all, small, medium, large`. */
  areaRanges: DetectionAreaRanges;
  /** The `m` axis. */
  maxDets: readonly [number, number, number];
}

interface StoredImage {
  dtBoxes: Float32Array;
  dtScores: Float32Array;
  dtLabels: Int32Array;
  gtBoxes: Float32Array;
  gtLabels: Int32Array;
  gtCrowd: Uint8Array;
}

/** One image and class evaluated at every area range (pycocotools' `evaluateImg`, for all `aRng`). */
interface ImageClassEval {
  /** Scores, descending. */
  scores: Float64Array;
  /** `[A][T][D]`: 1 where the detection matched a ground truth. */
  matched: Uint8Array;
  /** `[A][T][D]`: 1 where the detection is left out. */
  ignored: Uint8Array;
  /** `[A]`: ground truths that count (neither crowd nor outside the range). */
  positives: Int32Array;
}

const STATE_FORMAT = 'skipnet.detection-evaluator';
const STATE_VERSION = 1;

function boxArea(b: ArrayLike<number>, i: number): number {
  return (b[i * 4 + 2]! - b[i * 4]!) * (b[i * 4 + 3]! - b[i * 4 + 1]!);
}

/** Indices `0..n−1` sorted by `key` descending, ties in index order (numpy's stable mergesort of `-key`). */
function stableOrderDescending(key: ArrayLike<number>, indices: number[]): number[] {
  return indices.sort((i, j) => key[j]! - key[i]! || i - j);
}

/**
 * Accumulates detections and ground truth image by image, then computes COCO's AP/AR figures
 * exactly as pycocotools' `COCOeval` (bbox) does — see the module notes for the algorithm and
 * the one difference (box area for the area ranges).
 *
 * @example
 * const evaluator = new DetectionEvaluator({ numClasses: 3 });
 * for (const [detections, truth] of images) evaluator.add(detections, truth);
 * console.log(formatDetectionSummary(evaluator.compute()));
 */
export class DetectionEvaluator {
  /** Area ranges in use. */
  readonly areaRanges: DetectionAreaRanges;
  /** Detection caps in use. */
  readonly maxDets: readonly [number, number, number];
  /** Class count, if fixed by the options. */
  readonly numClasses: number | undefined;
  private readonly classNames: readonly string[];
  private images: StoredImage[] = [];

  /** @param options see {@link DetectionEvaluatorOptions}. */
  constructor(options: DetectionEvaluatorOptions = {}) {
    const { numClasses, classNames = [], maxDets = COCO_MAX_DETS } = options;
    if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
      throw new Error(`DetectionEvaluator: numClasses must be a positive integer, got ${numClasses}`);
    }
    const increasing = maxDets.length === 3 && maxDets.every((m, i) => Number.isInteger(m) && m >= 1 && (i === 0 || m > maxDets[i - 1]!));
    if (!increasing) throw new Error(`DetectionEvaluator: maxDets must be three increasing positive integers like [1, 10, 100], got [${maxDets.join(', ')}]`);
    const ranges = { ...COCO_AREA_RANGES, ...options.areaRanges };
    for (const name of AREA_NAMES) {
      const [lo, hi] = ranges[name];
      if (!(lo <= hi)) throw new Error(`DetectionEvaluator: areaRanges.${name} must be [min, max] with min ≤ max (px² of box area), got [${lo}, ${hi}]`);
    }
    this.numClasses = numClasses;
    this.classNames = classNames;
    this.maxDets = Object.freeze([maxDets[0], maxDets[1], maxDets[2]] as const);
    this.areaRanges = Object.freeze(ranges);
  }

  /** Images added since the last reset. */
  get size(): number {
    return this.images.length;
  }

  /**
   * Adds one image (copied; the caller may reuse its buffers). Only the best `maxDets[2]`
   * detections of each class are kept, as pycocotools keeps them.
   */
  add(detections: ImageDetections, groundTruth: ImageGroundTruth): void {
    const where = `DetectionEvaluator.add (image ${this.images.length})`;
    const d = detections.scores.length;
    const k = groundTruth.labels.length;
    checkBoxes(where, 'detections', detections.boxes, d, 'scores');
    if (detections.labels.length !== d)
      throw new Error(`${where}: detections.labels has ${detections.labels.length} entries for ${d} scores; give one label per detection`);
    checkBoxes(where, 'groundTruth', groundTruth.boxes, k, 'labels');
    if (groundTruth.iscrowd && groundTruth.iscrowd.length !== k) {
      throw new Error(`${where}: groundTruth.iscrowd has ${groundTruth.iscrowd.length} entries for ${k} labels; give one flag per box or omit it`);
    }
    this.checkLabels(where, 'detections', detections.labels);
    this.checkLabels(where, 'groundTruth', groundTruth.labels);
    for (let i = 0; i < d; i++) {
      if (Number.isNaN(detections.scores[i])) throw new Error(`${where}: detections.scores[${i}] is NaN`);
    }
    // Keep each class's best maxDets[2], in the caller's order: later stable sorts then rank
    // tied scores exactly as they would have ranked the full list.
    const cap = this.maxDets[2];
    const perClass = new Map<number, number>();
    const keep = new Uint8Array(d);
    for (const i of stableOrderDescending(
      detections.scores,
      Array.from({ length: d }, (_, i) => i),
    )) {
      const label = detections.labels[i]!;
      const n = perClass.get(label) ?? 0;
      if (n < cap) keep[i] = 1;
      perClass.set(label, n + 1);
    }
    const kept = Array.from({ length: d }, (_, i) => i).filter((i) => keep[i]);
    this.images.push({
      dtBoxes: Float32Array.from(kept.flatMap((i) => Array.from(detections.boxes.subarray(i * 4, i * 4 + 4)))),
      dtScores: Float32Array.from(kept, (i) => detections.scores[i]!),
      dtLabels: Int32Array.from(kept, (i) => detections.labels[i]!),
      gtBoxes: Float32Array.from(groundTruth.boxes),
      gtLabels: Int32Array.from(groundTruth.labels),
      gtCrowd: groundTruth.iscrowd ? Uint8Array.from(groundTruth.iscrowd, (c) => (c ? 1 : 0)) : new Uint8Array(k),
    });
  }

  private checkLabels(where: string, role: string, labels: Int32Array): void {
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      if (l < 0 || (this.numClasses !== undefined && l >= this.numClasses)) {
        throw new Error(
          `${where}: ${role}.labels[${i}] = ${l} is outside 0..${this.numClasses === undefined ? '' : this.numClasses - 1} (labels are class indices from 0)`,
        );
      }
    }
  }

  /** The classes evaluated: `0..numClasses−1`, or every label seen, ascending. */
  private labels(): number[] {
    if (this.numClasses !== undefined) return Array.from({ length: this.numClasses }, (_, i) => i);
    const seen = new Set<number>();
    for (const img of this.images) {
      for (const l of img.dtLabels) seen.add(l);
      for (const l of img.gtLabels) seen.add(l);
    }
    return [...seen].sort((a, b) => a - b);
  }

  /** pycocotools' `computeIoU` + `evaluateImg` for one image and class, every area range; `null` when it has neither detections nor ground truth. */
  private evaluateImage(img: StoredImage, label: number): ImageClassEval | null {
    const gts: number[] = [];
    for (let j = 0; j < img.gtLabels.length; j++) if (img.gtLabels[j] === label) gts.push(j);
    const dtsAll: number[] = [];
    for (let i = 0; i < img.dtLabels.length; i++) if (img.dtLabels[i] === label) dtsAll.push(i);
    if (gts.length === 0 && dtsAll.length === 0) return null;
    const dts = stableOrderDescending(img.dtScores, dtsAll).slice(0, this.maxDets[2]);
    const D = dts.length;
    const G = gts.length;
    const T = COCO_IOU_THRESHOLDS.length;
    const A = AREA_NAMES.length;
    // IoU as the C code of pycocotools' bbIou: crowd regions divide by the detection's area.
    const iou = new Float64Array(D * G);
    const b = img.dtBoxes;
    const g = img.gtBoxes;
    for (let gi = 0; gi < G; gi++) {
      const gj = gts[gi]!;
      const gArea = boxArea(g, gj);
      for (let di = 0; di < D; di++) {
        const dj = dts[di]!;
        const w = Math.min(b[dj * 4 + 2]!, g[gj * 4 + 2]!) - Math.max(b[dj * 4]!, g[gj * 4]!);
        if (w <= 0) continue;
        const h = Math.min(b[dj * 4 + 3]!, g[gj * 4 + 3]!) - Math.max(b[dj * 4 + 1]!, g[gj * 4 + 1]!);
        if (h <= 0) continue;
        const dArea = boxArea(b, dj);
        const inter = w * h;
        iou[di * G + gi] = inter / (img.gtCrowd[gj] ? dArea : dArea + gArea - inter);
      }
    }
    const matched = new Uint8Array(A * T * D);
    const ignored = new Uint8Array(A * T * D);
    const positives = new Int32Array(A);
    AREA_NAMES.forEach((areaName, a) => {
      const [lo, hi] = this.areaRanges[areaName];
      const outside = (area: number) => area < lo || area > hi;
      const gtIgnore = gts.map((j) => (img.gtCrowd[j] || outside(boxArea(g, j)) ? 1 : 0));
      // Ground truth that counts first, ignored last (stable), as pycocotools orders it.
      const order = Array.from({ length: G }, (_, i) => i).sort((x, y) => gtIgnore[x]! - gtIgnore[y]! || x - y);
      positives[a] = gtIgnore.filter((v) => v === 0).length;
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * D;
        const gtTaken = new Uint8Array(G);
        for (let di = 0; di < D; di++) {
          let best = Math.min(COCO_IOU_THRESHOLDS[t]!, 1 - 1e-10);
          let m = -1;
          for (let s = 0; s < G; s++) {
            const gi = order[s]!;
            if (gtTaken[s] && !img.gtCrowd[gts[gi]!]) continue;
            // Once matched to a ground truth that counts, never trade it for an ignored one.
            if (m > -1 && gtIgnore[order[m]!] === 0 && gtIgnore[gi] === 1) break;
            const v = iou[di * G + gi]!;
            if (v < best) continue;
            best = v;
            m = s;
          }
          if (m === -1) continue;
          matched[base + di] = 1;
          ignored[base + di] = gtIgnore[order[m]!]!;
          gtTaken[m] = 1;
        }
        for (let di = 0; di < D; di++) if (!matched[base + di] && outside(boxArea(b, dts[di]!))) ignored[base + di] = 1;
      }
    });
    return { scores: Float64Array.from(dts, (i) => img.dtScores[i]!), matched, ignored, positives };
  }

  /** pycocotools' `evaluate()` + `accumulate()`: the precision and recall arrays behind every figure. */
  accumulate(): DetectionAccumulation {
    const labels = this.labels();
    const T = COCO_IOU_THRESHOLDS.length;
    const R = COCO_RECALL_THRESHOLDS.length;
    const K = labels.length;
    const A = AREA_NAMES.length;
    const M = this.maxDets.length;
    const precision = new Float64Array(T * R * K * A * M).fill(-1);
    const recall = new Float64Array(T * K * A * M).fill(-1);
    labels.forEach((label, k) => {
      const evals = this.images.map((img) => this.evaluateImage(img, label)).filter((e): e is ImageClassEval => e !== null);
      if (evals.length === 0) return;
      const positives = Array.from({ length: A }, (_, a) => evals.reduce((n, e) => n + e.positives[a]!, 0));
      this.maxDets.forEach((maxDet, m) => {
        // Every image's best maxDet, ranked together; ties keep image order (mergesort). The
        // ranking is the same for every area range and threshold.
        const scores: number[] = [];
        const evalOf: number[] = [];
        const rankInImage: number[] = [];
        evals.forEach((e, n) => {
          for (let i = 0; i < Math.min(maxDet, e.scores.length); i++) {
            scores.push(e.scores[i]!);
            evalOf.push(n);
            rankInImage.push(i);
          }
        });
        const order = stableOrderDescending(
          scores,
          Array.from({ length: scores.length }, (_, i) => i),
        );
        const nd = order.length;
        const pr = new Float64Array(nd);
        const rc = new Float64Array(nd);
        for (let a = 0; a < A; a++) {
          const npig = positives[a]!;
          if (npig === 0) continue;
          for (let t = 0; t < T; t++) {
            let tp = 0;
            let fp = 0;
            for (let r = 0; r < nd; r++) {
              const o = order[r]!;
              const e = evals[evalOf[o]!]!;
              const at = (a * T + t) * e.scores.length + rankInImage[o]!;
              if (!e.ignored[at]) {
                if (e.matched[at]) tp++;
                else fp++;
              }
              rc[r] = tp / npig;
              pr[r] = tp / (fp + tp + Number.EPSILON); // numpy's spacing(1)
            }
            recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1]! : 0;
            for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
            // searchsorted(rc, recThrs, 'left'): the first rank whose recall reaches each point.
            let pi = 0;
            for (let r = 0; r < R; r++) {
              while (pi < nd && rc[pi]! < COCO_RECALL_THRESHOLDS[r]!) pi++;
              precision[(((t * R + r) * K + k) * A + a) * M + m] = pi < nd ? pr[pi]! : 0;
            }
          }
        }
      });
    });
    return {
      precision,
      recall,
      labels,
      iouThresholds: COCO_IOU_THRESHOLDS,
      recallThresholds: COCO_RECALL_THRESHOLDS,
      areaRanges: this.areaRanges,
      maxDets: this.maxDets,
    };
  }

  /** The COCO summary and the per-class table over every image added. With no ground truth, everything is `NaN`. */
  compute(): DetectionMetrics {
    const acc = this.accumulate();
    const T = COCO_IOU_THRESHOLDS.length;
    const R = COCO_RECALL_THRESHOLDS.length;
    const K = acc.labels.length;
    const A = AREA_NAMES.length;
    const M = this.maxDets.length;
    const allT = Array.from({ length: T }, (_, i) => i);
    const allK = Array.from({ length: K }, (_, i) => i);
    const at = (iou: number) => [COCO_IOU_THRESHOLDS.indexOf(iou)].filter((i) => i >= 0);
    /** pycocotools' `_summarize`: the mean of the entries that are defined (> -1). */
    const meanDefined = (ap: boolean, ts: number[], ks: number[], a: number, m: number): number => {
      let sum = 0;
      let n = 0;
      // numpy's order (t, r, k) for the sum.
      for (const t of ts) {
        for (let r = 0; r < (ap ? R : 1); r++) {
          for (const k of ks) {
            const v = ap ? acc.precision[(((t * R + r) * K + k) * A + a) * M + m]! : acc.recall[((t * K + k) * A + a) * M + m]!;
            if (v > -1) {
              sum += v;
              n++;
            }
          }
        }
      }
      return n ? sum / n : NaN;
    };
    const [ALL, SMALL, MEDIUM, LARGE] = [0, 1, 2, 3];
    const last = M - 1;
    const counts = this.classCounts(acc.labels);
    return {
      AP: meanDefined(true, allT, allK, ALL, last),
      AP50: meanDefined(true, at(0.5), allK, ALL, last),
      AP75: meanDefined(true, at(0.75), allK, ALL, last),
      APsmall: meanDefined(true, allT, allK, SMALL, last),
      APmedium: meanDefined(true, allT, allK, MEDIUM, last),
      APlarge: meanDefined(true, allT, allK, LARGE, last),
      AR1: meanDefined(false, allT, allK, ALL, 0),
      AR10: meanDefined(false, allT, allK, ALL, 1),
      AR100: meanDefined(false, allT, allK, ALL, last),
      ARsmall: meanDefined(false, allT, allK, SMALL, last),
      ARmedium: meanDefined(false, allT, allK, MEDIUM, last),
      ARlarge: meanDefined(false, allT, allK, LARGE, last),
      perClass: acc.labels.map((label, k) => ({
        label,
        name: this.classNames[label] ?? String(label),
        AP: meanDefined(true, allT, [k], ALL, last),
        AP50: meanDefined(true, at(0.5), [k], ALL, last),
        AP75: meanDefined(true, at(0.75), [k], ALL, last),
        AR100: meanDefined(false, allT, [k], ALL, last),
        numGroundTruth: counts.gt.get(label) ?? 0,
        numDetections: counts.dt.get(label) ?? 0,
      })),
      images: this.images.length,
      maxDets: this.maxDets,
      areaRanges: this.areaRanges,
    };
  }

  private classCounts(labels: number[]): { gt: Map<number, number>; dt: Map<number, number> } {
    const gt = new Map<number, number>(labels.map((l) => [l, 0]));
    const dt = new Map<number, number>(labels.map((l) => [l, 0]));
    for (const img of this.images) {
      img.gtLabels.forEach((l, j) => {
        if (!img.gtCrowd[j]) gt.set(l, (gt.get(l) ?? 0) + 1);
      });
      for (const l of img.dtLabels) dt.set(l, (dt.get(l) ?? 0) + 1);
    }
    return { gt, dt };
  }

  /** Forgets every image (keeps the options). */
  reset(): void {
    this.images = [];
  }

  /**
   * The images added so far as JSON (the kept detections and the ground truth, float32 values
   * written exactly), so a checkpoint taken mid-epoch resumes the evaluation.
   */
  stateDict(): JsonValue {
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      maxDets: [...this.maxDets],
      images: this.images.map((img) => ({
        dtBoxes: Array.from(img.dtBoxes),
        dtScores: Array.from(img.dtScores),
        dtLabels: Array.from(img.dtLabels),
        gtBoxes: Array.from(img.gtBoxes),
        gtLabels: Array.from(img.gtLabels),
        gtCrowd: Array.from(img.gtCrowd),
      })),
    };
  }

  /** Replaces the images with those of a {@link DetectionEvaluator.stateDict}, checking them as {@link DetectionEvaluator.add} does. */
  loadStateDict(state: JsonValue): void {
    const bad = (what: string) => new Error(`DetectionEvaluator: invalid saved state: ${what}`);
    if (!state || typeof state !== 'object' || Array.isArray(state)) throw bad('expected an object from DetectionEvaluator.stateDict()');
    if (state['format'] !== STATE_FORMAT || state['version'] !== STATE_VERSION) {
      throw bad(`format ${JSON.stringify(state['format'])} version ${JSON.stringify(state['version'])}; expected '${STATE_FORMAT}' version ${STATE_VERSION}`);
    }
    const saved = state['maxDets'];
    if (!Array.isArray(saved) || saved.length !== 3 || saved.some((m, i) => m !== this.maxDets[i])) {
      throw bad(`saved with maxDets ${JSON.stringify(saved)}, this evaluator uses [${this.maxDets.join(', ')}]; construct it with the same maxDets`);
    }
    const images = state['images'];
    if (!Array.isArray(images)) throw bad("'images' must be an array");
    const restored = new DetectionEvaluator({ numClasses: this.numClasses, maxDets: this.maxDets, areaRanges: this.areaRanges });
    images.forEach((img, n) => {
      const field = (key: string): number[] => {
        const v = img && typeof img === 'object' && !Array.isArray(img) ? img[key] : undefined;
        if (!Array.isArray(v) || !v.every((x): x is number => typeof x === 'number')) throw bad(`images[${n}].${key} must be an array of numbers`);
        return v;
      };
      restored.add(
        { boxes: Float32Array.from(field('dtBoxes')), scores: Float32Array.from(field('dtScores')), labels: Int32Array.from(field('dtLabels')) },
        { boxes: Float32Array.from(field('gtBoxes')), labels: Int32Array.from(field('gtLabels')), iscrowd: Uint8Array.from(field('gtCrowd')) },
      );
    });
    this.images = restored.images;
  }
}

function checkBoxes(where: string, role: string, boxes: Float32Array, n: number, countedBy: string): void {
  if (boxes.length !== n * 4)
    throw new Error(`${where}: ${role}.boxes has ${boxes.length} values for ${n} ${countedBy}; expected ${n * 4} (x1, y1, x2, y2 per box, flat)`);
  for (let i = 0; i < n; i++) {
    const [x1, y1, x2, y2] = boxes.subarray(i * 4, i * 4 + 4);
    if (![x1, y1, x2, y2].every((v) => Number.isFinite(v)) || !(x2! >= x1! && y2! >= y1!)) {
      throw new Error(
        `${where}: ${role}.boxes[${i}] = [${x1}, ${y1}, ${x2}, ${y2}] is not a finite x1, y1, x2, y2 box with x2 ≥ x1 and y2 ≥ y1 (convert x, y, w, h boxes first)`,
      );
    }
  }
}

/** `x.toFixed(3)` rounding exact halves to even, as Python's `'{:0.3f}'` does (0.0625 → 0.062). */
function fixed3(x: number): string {
  const scaled = x * 1000; // exact for the only doubles that are halves at 3 decimals: odd multiples of 1/16
  if (Number.isInteger(x * 16) && scaled - Math.floor(scaled) === 0.5) {
    const n = Math.floor(scaled);
    return ((n % 2 === 0 ? n : n + 1) / 1000).toFixed(3);
  }
  return x.toFixed(3);
}

/**
 * The summary as pycocotools' `summarize()` prints it, line for line (12 lines; undefined
 * figures print as `-1.000`, as there), e.g.
 * ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.512`.
 */
export function formatDetectionSummary(metrics: DetectionMetrics): string {
  const [m1, m10, m100] = metrics.maxDets;
  const iouRange = `${COCO_IOU_THRESHOLDS[0]!.toFixed(2)}:${COCO_IOU_THRESHOLDS[COCO_IOU_THRESHOLDS.length - 1]!.toFixed(2)}`;
  const rows: [ap: boolean, iou: string, area: string, maxDets: number, value: number][] = [
    [true, iouRange, 'all', m100, metrics.AP],
    [true, '0.50', 'all', m100, metrics.AP50],
    [true, '0.75', 'all', m100, metrics.AP75],
    [true, iouRange, 'small', m100, metrics.APsmall],
    [true, iouRange, 'medium', m100, metrics.APmedium],
    [true, iouRange, 'large', m100, metrics.APlarge],
    [false, iouRange, 'all', m1, metrics.AR1],
    [false, iouRange, 'all', m10, metrics.AR10],
    [false, iouRange, 'all', m100, metrics.AR100],
    [false, iouRange, 'small', m100, metrics.ARsmall],
    [false, iouRange, 'medium', m100, metrics.ARmedium],
    [false, iouRange, 'large', m100, metrics.ARlarge],
  ];
  return rows
    .map(([ap, iou, area, maxDets, value]) => {
      const title = (ap ? 'Average Precision' : 'Average Recall').padEnd(18);
      const kind = ap ? '(AP)' : '(AR)';
      return ` ${title} ${kind} @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${fixed3(Number.isNaN(value) ? -1 : value)}`;
    })
    .join('\n');
}

/**
 * The per-class table: one row per class with its ground-truth and detection counts, AP,
 * AP50, AP75 and AR; `n/a` for a class without ground truth.
 */
export function formatClassAPTable(metrics: DetectionMetrics): string {
  const nameWidth = Math.max(5, ...metrics.perClass.map((c) => c.name.length));
  const num = (v: number) => (Number.isNaN(v) ? 'n/a' : fixed3(v)).padStart(6);
  const header = `${'class'.padEnd(nameWidth)} ${'gt'.padStart(6)} ${'dets'.padStart(6)} ${'AP'.padStart(6)} ${'AP50'.padStart(6)} ${'AP75'.padStart(6)} ${`AR${metrics.maxDets[2]}`.padStart(6)}`;
  const rows = metrics.perClass.map(
    (c) =>
      `${c.name.padEnd(nameWidth)} ${String(c.numGroundTruth).padStart(6)} ${String(c.numDetections).padStart(6)} ${num(c.AP)} ${num(c.AP50)} ${num(c.AP75)} ${num(c.AR100)}`,
  );
  return [header, ...rows].join('\n');
}

/** Options of {@link DetectionAP}. */
export interface DetectionAPOptions extends DetectionEvaluatorOptions {
  /**
   * Turns a batch of the model's outputs into detections per image (the detector's
   * post-processing: decode, score threshold, NMS). It must not dispose `outputs`.
   */
  postprocess: (outputs: Tensor) => Promise<ImageDetections[]>;
  /** The log key of the main figure (default `AP`); the others follow {@link DetectionAP.figures}. */
  name?: string;
}

/**
 * COCO AP as a trainer {@link Metric}: each `update` post-processes the batch's outputs and
 * adds them, with the ground truth read from the padded `[N, Kmax, 5]` targets
 * (`@skipnet/data`'s detection batches), to a {@link DetectionEvaluator}. `compute()` is AP
 * over IoU 0.50:0.95; {@link DetectionAP.figures} adds AP50, AP75 and AP by object size.
 * Too costly for every training step: pass it as a validation metric with the trainer's
 * `trainMetrics: false`.
 */
export class DetectionAP implements Metric {
  readonly name: string;
  /** The evaluator behind the figures (its per-class table and summary are there too). */
  readonly evaluator: DetectionEvaluator;
  private readonly postprocess: (outputs: Tensor) => Promise<ImageDetections[]>;
  private cached: DetectionMetrics | null = null;

  /** @param options see {@link DetectionAPOptions}. */
  constructor(options: DetectionAPOptions) {
    const { postprocess, name, ...evaluatorOptions } = options;
    this.postprocess = postprocess;
    this.name = name ?? 'AP';
    this.evaluator = new DetectionEvaluator(evaluatorOptions);
  }

  async update(outputs: Tensor, targets: Tensor): Promise<void> {
    if (targets.rank !== 3 || targets.shape[2] !== BOX_ROW) {
      throw new Error(`DetectionAP: targets must be padded boxes [N, K, ${BOX_ROW}], got ${formatShape(targets.shape)}`);
    }
    const [detections, y] = await Promise.all([this.postprocess(outputs), targets.data()]);
    const n = targets.shape[0]!;
    if (detections.length !== n) throw new Error(`DetectionAP: post-processing gave ${detections.length} images for a batch of ${n}`);
    for (let i = 0; i < n; i++) this.evaluator.add(detections[i]!, unpadBoxes(y, targets.shape, i));
    this.cached = null;
  }

  /** Every figure of the evaluator, computed once per change. */
  metrics(): DetectionMetrics {
    return (this.cached ??= this.evaluator.compute());
  }

  compute(): number {
    return this.evaluator.size === 0 ? NaN : this.metrics().AP;
  }

  /** AP50, AP75, APsmall, APmedium and APlarge, by those names. */
  figures(): Record<string, number> {
    if (this.evaluator.size === 0) return {};
    const m = this.metrics();
    return { AP50: m.AP50, AP75: m.AP75, APsmall: m.APsmall, APmedium: m.APmedium, APlarge: m.APlarge };
  }

  reset(): void {
    this.evaluator.reset();
    this.cached = null;
  }

  stateDict(): JsonValue {
    return this.evaluator.stateDict();
  }

  loadStateDict(state: JsonValue): void {
    this.evaluator.loadStateDict(state);
    this.cached = null;
  }
}
