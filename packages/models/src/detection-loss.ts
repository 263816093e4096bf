/**
 * Training losses of the one-stage detectors, as torchvision 0.14's `FCOS.compute_loss` and
 * `RetinaNet.compute_loss`, written with core tensor ops only and batched over the images: a
 * padded targets tensor `[N, Kmax, 5]` (rows `[x1, y1, x2, y2, label]`, padding rows -1, as
 * `@skipnet/data` collates them) goes in, scalar loss tensors come out, with no readback — so
 * a training step stays synchronous and runs on every backend.
 *
 * Matching (which ground-truth box each anchor is responsible for) runs under `noGrad` on
 * `[N, A, Kmax]` comparison tables, with padding rows masked out so they never match.
 * torchvision then indexes the foreground; here every anchor stays and the losses are masked
 * by multiplication instead. `0 · NaN` is NaN, so background anchors are given their own
 * anchor box as a dummy target (a finite GIoU, zero deltas, centre-ness 1) before masking:
 * neither the loss nor its gradient can turn non-finite on them.
 */
import {
  abs,
  add,
  arange,
  bceWithLogits,
  boxIou,
  cast,
  decodeBoxDistances,
  div,
  encodeBoxDistances,
  encodeBoxes,
  eq,
  formatShape,
  full,
  gather,
  giouLoss,
  gt,
  lt,
  max,
  maximum,
  minimum,
  mul,
  noGrad,
  oneHot,
  reshape,
  rsub,
  sigmoidFocalLoss,
  slice,
  split,
  sqrt,
  squeeze,
  sub,
  sum,
  tidy,
  where,
  argmax,
  clamp,
  ge,
  ne,
  type Tensor,
} from '@skipnet/core';
import type { BoxCoding, DetectionHeadOutputs } from './detection.js';

/** Values per target row: `x1, y1, x2, y2, label`. */
const TARGET_ROW = 5;

/** A `[N, Kmax, 5]` targets tensor split into its parts. */
interface SplitTargets {
  /** `[N, K, 4]` boxes. */
  readonly boxes: Tensor;
  /** `[N, K, 1]` float labels (-1 on padding rows). */
  readonly labels: Tensor;
  /** `[N, K, 1]` int32: 1 for a real box, 0 for a padding row. */
  readonly valid: Tensor;
  /** `[N·K, 5]` the rows, flat, for gathering per anchor. */
  readonly rows: Tensor;
  readonly n: number;
  readonly k: number;
}

/** Throws unless `targets` is a float32 `[batch, Kmax, 5]` detection target, naming what is wrong. @internal */
export function checkTargets(op: string, targets: Tensor, batch: number): void {
  if (targets.rank !== 3 || targets.shape[0] !== batch || targets.shape[2] !== TARGET_ROW || targets.dtype !== 'float32') {
    throw new Error(
      `${op}: targets must be a float32 [N, Kmax, 5] tensor of rows [x1, y1, x2, y2, label] (padding rows -1) with N = ${batch} as the outputs; ` +
        `got ${targets.dtype} ${formatShape(targets.shape)} (collate detection samples with @skipnet/data's collateDetection)`,
    );
  }
}

/**
 * Checks `targets` against the batch and splits it. An empty `Kmax` gets one padding row, so
 * the reductions over boxes always have something to reduce (and match nothing).
 */
function splitTargets(op: string, targets: Tensor, batch: number): SplitTargets {
  checkTargets(op, targets, batch);
  let t = targets;
  if (t.shape[1] === 0) t = full([batch, 1, TARGET_ROW], -1);
  const k = t.shape[1]!;
  const boxes = slice(t, [0, 0, 0], [batch, k, 4]);
  const labels = slice(t, [0, 0, 4], [batch, k, 1]);
  return { boxes, labels, valid: ge(labels, 0), rows: reshape(t, [batch * k, TARGET_ROW]), n: batch, k };
}

/** The target row of each anchor's match: `[N, A, 5]` (rows of box 0 where `matched < 0`). */
function gatherMatched(t: SplitTargets, matched: Tensor): Tensor {
  const a = matched.shape[1]!;
  const offsets = mul(arange(0, t.n, 1, { dtype: 'int32' }), t.k);
  const index = reshape(add(reshape(offsets, [t.n, 1]), clamp(cast(matched, 'float32'), 0)), [t.n * a]);
  return reshape(gather(t.rows, cast(index, 'int32'), 0), [t.n, a, TARGET_ROW]);
}

/** The four `[..., 1]` columns of `[..., 4]` boxes. */
function corners(boxes: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  return split(boxes, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
}

/** Options of {@link matchFcos}. */
export interface FcosMatchOptions {
  /** Positives lie within this many anchor sizes of a box centre (torchvision's `center_sampling_radius`, 1.5). */
  readonly centerSamplingRadius: number;
  /** `[A]` lower bound of each anchor's level range for the largest side distance (exclusive). */
  readonly lowerBounds: Tensor;
  /** `[A]` upper bound (exclusive; `Infinity` on the last level). */
  readonly upperBounds: Tensor;
}

/**
 * FCOS's target assignment, as torchvision's `FCOS.compute_loss`, for a batch: an anchor
 * (location) matches a box when its centre lies within `radius · anchorSize` of the box centre
 * (per axis), strictly inside the box, and its largest distance to the box's sides is inside its
 * level's `(lower, upper)` range; among several, the smallest box wins (torchvision's
 * `1e8 − area` in float32, so boxes within a few pixels of area tie and the first wins).
 *
 * @param anchors - `[A, 4]` anchors of one image (all images share them).
 * @param targets - `[N, Kmax, 5]` padded targets.
 * @returns `[N, A]` int32: the index of the matched row of each image's targets, -1 for background.
 */
export function matchFcos(anchors: Tensor, targets: Tensor, options: FcosMatchOptions): Tensor {
  return tidy(() =>
    noGrad(() => {
      const t = splitTargets('matchFcos', targets, targets.shape[0] ?? 0);
      const a = anchors.shape[0]!;
      // Anchor quantities [A, 1] against box quantities [N, 1, K]: tables [N, A, K].
      const [ax1, ay1, ax2, ay2] = corners(anchors);
      const acx = div(add(ax1, ax2), 2);
      const acy = div(add(ay1, ay2), 2);
      const anchorSize = sub(ax2, ax1);
      const perBox = (c: Tensor): Tensor => reshape(c, [t.n, 1, t.k]);
      const [x1, y1, x2, y2] = corners(t.boxes).map(perBox) as [Tensor, Tensor, Tensor, Tensor];
      const gcx = div(add(x1, x2), 2);
      const gcy = div(add(y1, y2), 2);
      const nearCentre = lt(maximum(abs(sub(acx, gcx)), abs(sub(acy, gcy))), mul(anchorSize, options.centerSamplingRadius));
      const left = sub(acx, x1);
      const top = sub(acy, y1);
      const right = sub(x2, acx);
      const bottom = sub(y2, acy);
      const inside = gt(minimum(minimum(left, top), minimum(right, bottom)), 0);
      const largest = maximum(maximum(left, top), maximum(right, bottom));
      const inRange = mul(gt(largest, reshape(options.lowerBounds, [a, 1])), lt(largest, reshape(options.upperBounds, [a, 1])));
      const match = mul(mul(mul(nearCentre, inside), inRange), perBox(t.valid));
      const area = mul(sub(x2, x1), sub(y2, y1));
      const quality = mul(cast(match, 'float32'), rsub(1e8, area));
      const best = argmax(quality, 2);
      return where(lt(max(quality, 2), 1e-5), -1, best);
    }),
  );
}

/** Options of {@link matchRetinaNet}. */
export interface RetinaNetMatchOptions {
  /** IoU ≥ this is a foreground match (torchvision 0.5). */
  readonly foreground: number;
  /** IoU < this is background; between the two is ignored (-2) (torchvision 0.4). */
  readonly background: number;
  /** Also match each box's best anchors whatever their IoU (torchvision: true). */
  readonly allowLowQualityMatches: boolean;
}

/**
 * RetinaNet's target assignment, as torchvision's `Matcher(0.5, 0.4, allow_low_quality_matches=True)`
 * on `box_iou(gt, anchors)`, for a batch: each anchor takes the box of highest IoU (the first on
 * ties); IoU below `background` makes it background (-1), between the thresholds ignored (-2).
 * With low-quality matches, every anchor that is some box's best (ties included) keeps its
 * best box whatever the IoU. Padding rows take IoU -1, so they never win and have no best anchors.
 *
 * @param anchors - `[A, 4]` anchors of one image.
 * @param targets - `[N, Kmax, 5]` padded targets.
 * @returns `[N, A]` int32 matched row per anchor, -1 background, -2 ignored.
 */
export function matchRetinaNet(anchors: Tensor, targets: Tensor, options: RetinaNetMatchOptions): Tensor {
  return tidy(() =>
    noGrad(() => {
      const t = splitTargets('matchRetinaNet', targets, targets.shape[0] ?? 0);
      const iou = where(t.valid, boxIou(t.boxes, anchors), -1); // [N, K, A]
      const values = max(iou, 1);
      const best = cast(argmax(iou, 1), 'float32');
      let matched = where(lt(values, options.background), -1, where(lt(values, options.foreground), -2, best));
      if (options.allowLowQualityMatches) {
        const isBest = mul(eq(iou, max(iou, 2, true)), t.valid);
        matched = where(max(isBest, 1), best, matched);
      }
      return cast(matched, 'int32');
    }),
  );
}

/** Checks the head outputs against the anchors. */
function checkHead(op: string, head: DetectionHeadOutputs, anchors: Tensor): void {
  const rows = head.cls_logits.shape[1];
  if (anchors.rank !== 2 || anchors.shape[0] !== rows || anchors.shape[1] !== 4) {
    throw new Error(`${op}: ${formatShape(anchors.shape)} anchors for head outputs of ${rows} rows; generate them for the image size the batch ran at`);
  }
}

/** One-hot class targets `[N, A, C]`, zero on anchors where `foreground` is 0. */
function classTargets(labels: Tensor, foreground: Tensor, numClasses: number): Tensor {
  // Background rows carry label -1 or box 0's label; clamp, then mask.
  return mul(oneHot(cast(clamp(labels, 0), 'int32'), numClasses), reshape(foreground, [...foreground.shape, 1]));
}

/**
 * FCOS's losses, as torchvision's `FCOSHead.compute_loss`: sigmoid focal loss over every
 * location and class, GIoU loss between the decoded boxes and the matched boxes of the
 * foreground, and centre-ness BCE-with-logits of the foreground against
 * `√(min(l,r)/max(l,r) · min(t,b)/max(t,b))` — each summed and divided by `max(1, foreground
 * locations in the batch)`.
 *
 * @param head - the head outputs (`bbox_ctrness` required).
 * @param anchors - `[A, 4]` anchors of one image.
 * @param targets - `[N, Kmax, 5]` padded targets.
 * @param matched - `[N, A]` from {@link matchFcos}.
 * @param coding - the detector's `'ltrb'` box coding.
 * @returns scalar tensors `classification`, `bbox_regression`, `bbox_ctrness`.
 */
export function fcosLoss(head: DetectionHeadOutputs, anchors: Tensor, targets: Tensor, matched: Tensor, coding: BoxCoding): Record<string, Tensor> {
  if (!head.bbox_ctrness) throw new Error('fcosLoss: the head outputs have no bbox_ctrness; FCOS packs numClasses + 5 channels');
  if (coding.kind !== 'ltrb') throw new Error(`fcosLoss: FCOS regresses 'ltrb' distances, the detector's box coding is '${coding.kind}'`);
  checkHead('fcosLoss', head, anchors);
  const numClasses = head.cls_logits.shape[2]!;
  const coder = { normalizeBySize: coding.normalizeBySize };
  const { foreground, normaliser, clsTarget, boxTarget, ctrTarget } = tidy(() =>
    noGrad(() => {
      const t = splitTargets('fcosLoss', targets, matched.shape[0]!);
      const fg = cast(ge(matched, 0), 'float32'); // [N, A]
      const rows = gatherMatched(t, matched);
      const [a, n] = [anchors.shape[0]!, t.n];
      const box = where(reshape(fg, [n, a, 1]), slice(rows, [0, 0, 0], [n, a, 4]), anchors);
      const [l, tp, r, b] = corners(encodeBoxDistances(anchors, box, coder));
      const ratio = (lo: Tensor, hi: Tensor): Tensor => div(minimum(lo, hi), maximum(lo, hi));
      return {
        foreground: fg,
        normaliser: maximum(sum(fg), 1),
        clsTarget: classTargets(squeeze(slice(rows, [0, 0, 4], [n, a, 1]), -1), fg, numClasses),
        boxTarget: box,
        ctrTarget: squeeze(sqrt(mul(ratio(l, r), ratio(tp, b))), -1),
      };
    }),
  );
  const classification = div(sum(sigmoidFocalLoss(head.cls_logits, clsTarget)), normaliser);
  const predicted = decodeBoxDistances(anchors, head.bbox_regression, coder);
  const regression = div(sum(mul(giouLoss(predicted, boxTarget), foreground)), normaliser);
  const ctrness = div(sum(mul(bceWithLogits(squeeze(head.bbox_ctrness, -1), ctrTarget, 'none'), foreground)), normaliser);
  return { classification, bbox_regression: regression, bbox_ctrness: ctrness };
}

/**
 * RetinaNet's losses, as torchvision's `RetinaNetHead.compute_loss`: per image, the sigmoid
 * focal loss over the anchors not ignored by the matcher, and the L1 loss between
 * `bbox_regression` and the matched boxes' {@link BoxCoding} `'deltas'` on the foreground, each
 * summed and divided by `max(1, that image's foreground anchors)`; then averaged over the images.
 *
 * @param head - the head outputs.
 * @param anchors - `[A, 4]` anchors of one image.
 * @param targets - `[N, Kmax, 5]` padded targets.
 * @param matched - `[N, A]` from {@link matchRetinaNet} (-1 background, -2 ignored).
 * @param coding - the detector's `'deltas'` box coding.
 * @returns scalar tensors `classification` and `bbox_regression`.
 */
export function retinaNetLoss(head: DetectionHeadOutputs, anchors: Tensor, targets: Tensor, matched: Tensor, coding: BoxCoding): Record<string, Tensor> {
  if (coding.kind !== 'deltas') throw new Error(`retinaNetLoss: RetinaNet regresses 'deltas', the detector's box coding is '${coding.kind}'`);
  checkHead('retinaNetLoss', head, anchors);
  const numClasses = head.cls_logits.shape[2]!;
  const n = matched.shape[0]!;
  const { foreground, counted, normaliser, clsTarget, deltaTarget } = tidy(() =>
    noGrad(() => {
      const t = splitTargets('retinaNetLoss', targets, n);
      const fg = cast(ge(matched, 0), 'float32'); // [N, A]
      const rows = gatherMatched(t, matched);
      const a = anchors.shape[0]!;
      const box = where(reshape(fg, [n, a, 1]), slice(rows, [0, 0, 0], [n, a, 4]), anchors);
      return {
        foreground: reshape(fg, [n, a, 1]),
        counted: reshape(cast(ne(matched, -2), 'float32'), [n, a, 1]),
        normaliser: maximum(sum(fg, 1), 1), // [N]
        clsTarget: classTargets(squeeze(slice(rows, [0, 0, 4], [n, a, 1]), -1), fg, numClasses),
        deltaTarget: encodeBoxes(anchors, box, { weights: coding.weights }),
      };
    }),
  );
  const perImage = (loss: Tensor, mask: Tensor): Tensor => div(sum(mul(loss, mask), [1, 2]), normaliser);
  const classification = div(sum(perImage(sigmoidFocalLoss(head.cls_logits, clsTarget), counted)), Math.max(1, n));
  const regression = div(sum(perImage(abs(sub(head.bbox_regression, deltaTarget)), foreground)), Math.max(1, n));
  return { classification, bbox_regression: regression };
}

/** `[A]` per-anchor level bounds from per-level ranges and anchors per level. */
export function levelBounds(ranges: readonly (readonly [number, number])[], anchorsPerLevel: readonly number[]): { lower: Float32Array; upper: Float32Array } {
  const total = anchorsPerLevel.reduce((s, c) => s + c, 0);
  const lower = new Float32Array(total);
  const upper = new Float32Array(total);
  let o = 0;
  anchorsPerLevel.forEach((count, l) => {
    const [lo, hi] = ranges[l]!;
    lower.fill(lo, o, o + count);
    upper.fill(hi, o, o + count);
    o += count;
  });
  return { lower, upper };
}

/** Sums the components of a loss record in a fixed order. */
export function sumComponents(components: Record<string, Tensor>): Tensor {
  const parts = Object.values(components);
  return parts.slice(1).reduce((s, p) => add(s, p), parts[0]!);
}
