/**
 * Detection post-processing on the host, as torchvision 0.14's `postprocess_detections` of
 * RetinaNet and FCOS: per image and level, score every (anchor, class), keep the scores above
 * a threshold, the top-k of those, decode their boxes and clip them to the image; then
 * class-wise NMS over all levels and the best detections per image. It reads the packed head
 * outputs once (`await packed.data()`) and works on plain arrays: the steps are
 * data-dependent and sequential, which suits no backend's kernels.
 */
import { batchedNms } from '@skipnet/core';
import type { BoxCoding } from './detection.js';

/**
 * One image's detections, best first: `D` boxes flat `[D·4]` (`x1, y1, x2, y2`, pixels, clipped
 * to the image), `D` scores and `D` class labels. Structurally `@skipnet/train`'s
 * `ImageDetections`, so it feeds `DetectionEvaluator` as is.
 */
export interface Detections {
  /** `[D·4]` boxes `x1, y1, x2, y2` in pixels. */
  boxes: Float32Array;
  /** `[D]` scores, descending. */
  scores: Float32Array;
  /** `[D]` class indices (columns of `cls_logits`). */
  labels: Int32Array;
}

/**
 * Options of a detector's `postprocess`. Defaults are torchvision's per detector (FCOS: score
 * 0.2, NMS 0.6, 100 per image; RetinaNet: 0.05, 0.5, 300; both 1000 candidates per level).
 * COCO-style evaluation usually passes a lower `scoreThreshold` (0.05 for FCOS) so that
 * precision–recall curves reach low-confidence detections.
 */
export interface PostprocessOptions {
  /** Keep (anchor, class) scores strictly above this. */
  scoreThreshold?: number;
  /** Class-wise NMS: drop a box whose IoU with a better one of its class exceeds this. */
  nmsThreshold?: number;
  /** Best candidates per level kept before decoding (torchvision's `topk_candidates`). */
  topkCandidates?: number;
  /** Detections per image after NMS (torchvision's `detections_per_img`). */
  detectionsPerImage?: number;
}

/** What {@link postprocessDetections} needs to know about the detector and the batch. */
export interface PostprocessLayout {
  /** `[N, rows, channels]` of the packed outputs. */
  readonly shape: readonly [number, number, number];
  /** Columns of `cls_logits`; `bbox_regression` follows, then (FCOS) `bbox_ctrness`. */
  readonly numClasses: number;
  /** Score = `√(σ(cls)·σ(ctrness))` (FCOS) instead of `σ(cls)` (RetinaNet). */
  readonly centerness: boolean;
  /** How `bbox_regression` encodes boxes. */
  readonly boxCoding: BoxCoding;
  /** `[rows·4]` anchors of one image, in the rows' order. */
  readonly anchors: Float32Array;
  /** Rows of each level, in order (they sum to `rows`). */
  readonly rowsPerLevel: readonly number[];
  /** `[height, width]` boxes are clipped to. */
  readonly imageSize: readonly [number, number];
}

const f = Math.fround;

/** `σ(x)` rounded to float32, as torch computes it. */
function sigmoid32(x: number): number {
  return f(1 / (1 + Math.exp(-x)));
}

/** Decodes one box into `out[o..o+4]`, in float32 steps as torchvision's coders. */
function decodeInto(coding: BoxCoding, reg: ArrayLike<number>, r: number, anchors: Float32Array, a: number, out: Float32Array, o: number): void {
  const [ax1, ay1, ax2, ay2] = [anchors[a]!, anchors[a + 1]!, anchors[a + 2]!, anchors[a + 3]!];
  const w = f(ax2 - ax1);
  const h = f(ay2 - ay1);
  if (coding.kind === 'deltas') {
    const [wx, wy, ww, wh] = coding.weights;
    const cx = f(ax1 + f(0.5 * w));
    const cy = f(ay1 + f(0.5 * h));
    const pcx = f(f(f(reg[r]! / wx) * w) + cx);
    const pcy = f(f(f(reg[r + 1]! / wy) * h) + cy);
    const halfW = f(0.5 * f(f(Math.exp(Math.min(f(reg[r + 2]! / ww), coding.clip))) * w));
    const halfH = f(0.5 * f(f(Math.exp(Math.min(f(reg[r + 3]! / wh), coding.clip))) * h));
    out[o] = pcx - halfW;
    out[o + 1] = pcy - halfH;
    out[o + 2] = pcx + halfW;
    out[o + 3] = pcy + halfH;
  } else {
    const cx = f(0.5 * f(ax1 + ax2));
    const cy = f(0.5 * f(ay1 + ay2));
    const [sw, sh] = coding.normalizeBySize ? [w, h] : [1, 1];
    out[o] = cx - f(reg[r]! * sw);
    out[o + 1] = cy - f(reg[r + 1]! * sh);
    out[o + 2] = cx + f(reg[r + 2]! * sw);
    out[o + 3] = cy + f(reg[r + 3]! * sh);
  }
}

/**
 * torchvision's `postprocess_detections` on packed head outputs read back to the host: see the
 * module docs. Per level the candidates are the (anchor, class) pairs with score >
 * `scoreThreshold`, the best `topkCandidates` of them (equal scores in index order); boxes are
 * decoded per {@link PostprocessLayout.boxCoding} and clamped to `[0, width] × [0, height]`;
 * then `batchedNms` and the first `detectionsPerImage`.
 *
 * @param packed - `[N·rows·channels]` values of the packed outputs, row-major.
 */
export function postprocessDetections(packed: ArrayLike<number>, layout: PostprocessLayout, options: Required<PostprocessOptions>): Detections[] {
  const [n, rows, channels] = layout.shape;
  const k = layout.numClasses;
  if (packed.length !== n * rows * channels) throw new Error(`postprocessDetections: ${packed.length} values for packed outputs [${n}, ${rows}, ${channels}]`);
  if (layout.anchors.length !== rows * 4 || layout.rowsPerLevel.reduce((s, c) => s + c, 0) !== rows) {
    throw new Error(`postprocessDetections: ${layout.anchors.length / 4} anchors in levels of ${layout.rowsPerLevel.join(' + ')} rows for ${rows} output rows`);
  }
  const [height, width] = layout.imageSize;
  // A cheap pre-test on the logit: a score above the threshold needs σ(cls) > threshold (FCOS:
  // > threshold², as σ(ctrness) ≤ 1). The margin leaves the exact float32 test to decide.
  const minProbability = layout.centerness ? options.scoreThreshold ** 2 : options.scoreThreshold;
  const rejectBelow = minProbability > 0 && minProbability < 1 ? Math.log(minProbability / (1 - minProbability)) - 1e-3 : -Infinity;
  const results: Detections[] = [];
  for (let img = 0; img < n; img++) {
    const base = img * rows * channels;
    const boxes: number[] = [];
    const scores: number[] = [];
    const labels: number[] = [];
    let levelStart = 0;
    for (const levelRows of layout.rowsPerLevel) {
      // Candidates: flat (row·k + class) indices within the level, scored as torchvision.
      const candidates: number[] = [];
      const candidateScores: number[] = [];
      for (let row = levelStart; row < levelStart + levelRows; row++) {
        const at = base + row * channels;
        const ctr = layout.centerness ? sigmoid32(packed[at + k + 4]!) : 1;
        for (let c = 0; c < k; c++) {
          if (packed[at + c]! < rejectBelow) continue;
          const p = sigmoid32(packed[at + c]!);
          const score = layout.centerness ? f(Math.sqrt(f(p * ctr))) : p;
          if (score > options.scoreThreshold) {
            candidates.push((row - levelStart) * k + c);
            candidateScores.push(score);
          }
        }
      }
      const order = candidates.map((_, i) => i).sort((i, j) => candidateScores[j]! - candidateScores[i]! || i - j);
      for (const i of order.slice(0, options.topkCandidates)) {
        const row = levelStart + Math.floor(candidates[i]! / k);
        const box = new Float32Array(4);
        decodeInto(layout.boxCoding, packed, base + row * channels + k, layout.anchors, row * 4, box, 0);
        boxes.push(
          Math.min(Math.max(box[0]!, 0), width),
          Math.min(Math.max(box[1]!, 0), height),
          Math.min(Math.max(box[2]!, 0), width),
          Math.min(Math.max(box[3]!, 0), height),
        );
        scores.push(candidateScores[i]!);
        labels.push(candidates[i]! % k);
      }
      levelStart += levelRows;
    }
    const keep = batchedNms(boxes, scores, labels, options.nmsThreshold).subarray(0, Math.max(0, options.detectionsPerImage));
    const out: Detections = { boxes: new Float32Array(keep.length * 4), scores: new Float32Array(keep.length), labels: new Int32Array(keep.length) };
    keep.forEach((i, d) => {
      out.boxes.set(boxes.slice(4 * i, 4 * i + 4), 4 * d);
      out.scores[d] = scores[i]!;
      out.labels[d] = labels[i]!;
    });
    results.push(out);
  }
  return results;
}
