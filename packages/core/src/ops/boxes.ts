/**
 * Box geometry for detection, as differentiable ops composed of core's elementwise ops (so every
 * backend runs them without kernels of its own): IoU and GIoU, the GIoU loss, and the two box
 * codings of torchvision's detectors. Boxes are `[..., 4]` float32 tensors `[x1, y1, x2, y2]` in
 * pixels with `x1 ≤ x2` and `y1 ≤ y2` (torchvision's convention); results for inverted boxes are
 * unspecified, as in torchvision.
 */
import { opScope } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, clamp, div, exp, log, maximum, minimum, mul, relu, rsub, sub } from './elementwise.js';
import { assertSameShape, reduceLoss, type Reduction } from './functional.js';
import { sum } from './reduce.js';
import { concat, split, squeeze, unsqueeze } from './shape.js';

/** The four coordinate columns `[..., 1]` of `[..., 4]` boxes (views). */
function columns(op: string, name: string, boxes: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  boxes.assertAlive(op);
  if (boxes.rank === 0 || boxes.shape[boxes.rank - 1] !== 4) {
    throw new Error(`${op}: ${name} must be [..., 4] boxes [x1, y1, x2, y2], got ${fmt(boxes.shape)}`);
  }
  if (boxes.dtype !== 'float32') throw new Error(`${op}: ${name} must be float32, got ${boxes.dtype}; cast it with cast(${name}, 'float32')`);
  return split(boxes, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
}

/** Intersection, union and enclosing-box area of broadcast box pairs, each `[..., 1]`. */
interface PairGeometry {
  readonly inter: Tensor;
  readonly union: Tensor;
  readonly enclosing: Tensor;
}

/**
 * Areas of paired boxes. `positiveOverlap`: the intersection counts only where both overlaps
 * are positive, with no gradient at touching edges (torchvision's loss); otherwise each overlap
 * is clamped at 0, passing the gradient at 0 (torchvision's `box_iou`).
 */
function pairGeometry(op: string, a: Tensor, b: Tensor, positiveOverlap: boolean): PairGeometry {
  const [ax1, ay1, ax2, ay2] = columns(op, 'boxes1', a);
  const [bx1, by1, bx2, by2] = columns(op, 'boxes2', b);
  const overlap = (lo: Tensor, hi: Tensor): Tensor => (positiveOverlap ? relu(sub(hi, lo)) : clamp(sub(hi, lo), 0));
  const inter = mul(overlap(maximum(ax1, bx1), minimum(ax2, bx2)), overlap(maximum(ay1, by1), minimum(ay2, by2)));
  const areaA = mul(sub(ax2, ax1), sub(ay2, ay1));
  const areaB = mul(sub(bx2, bx1), sub(by2, by1));
  const union = sub(add(areaA, areaB), inter);
  const enclosing = mul(sub(maximum(ax2, bx2), minimum(ax1, bx1)), sub(maximum(ay2, by2), minimum(ay1, by1)));
  return { inter, union, enclosing };
}

/** IoU, or GIoU, of broadcast box pairs: `[...]`. */
function pairIou(op: string, a: Tensor, b: Tensor, generalized: boolean): Tensor {
  const { inter, union, enclosing } = pairGeometry(op, a, b, false);
  const iou = div(inter, union);
  return squeeze(generalized ? sub(iou, div(sub(enclosing, union), enclosing)) : iou, -1);
}

/** IoU, or GIoU, of every pair of `[..., N, 4]` and `[..., M, 4]` boxes: `[..., N, M]`. */
function allPairsIou(op: string, a: Tensor, b: Tensor, generalized: boolean): Tensor {
  for (const [name, t] of [
    ['boxes1', a],
    ['boxes2', b],
  ] as const) {
    if (t.rank < 2 || t.shape[t.rank - 1] !== 4) throw new Error(`${op}: ${name} must be [N, 4] boxes (or [..., N, 4]), got ${fmt(t.shape)}`);
  }
  // [..., N, 1, 4] against [..., 1, M, 4]: the paired op broadcasts them to every pair.
  return pairIou(op, unsqueeze(a, -2), unsqueeze(b, -3), generalized);
}

/** Area `(x2 − x1)·(y2 − y1)` of `[..., 4]` boxes: `[...]` (torchvision.ops.box_area). */
export function boxArea(boxes: Tensor): Tensor {
  return opScope(() => {
    const [x1, y1, x2, y2] = columns('boxArea', 'boxes', boxes);
    return squeeze(mul(sub(x2, x1), sub(y2, y1)), -1);
  });
}

/**
 * IoU of paired boxes: `boxes1 [..., 4]` with `boxes2 [..., 4]` (broadcast) gives `[...]`.
 * Touching or disjoint boxes give 0; two empty boxes give NaN (0/0), as torchvision.
 */
export function pairedBoxIou(boxes1: Tensor, boxes2: Tensor): Tensor {
  return opScope(() => pairIou('pairedBoxIou', boxes1, boxes2, false));
}

/**
 * Generalized IoU of paired boxes (broadcast `[..., 4]` pairs → `[...]`): IoU minus the share of
 * the smallest enclosing box that the union leaves empty, in `(−1, 1]`.
 */
export function pairedGeneralizedBoxIou(boxes1: Tensor, boxes2: Tensor): Tensor {
  return opScope(() => pairIou('pairedGeneralizedBoxIou', boxes1, boxes2, true));
}

/**
 * IoU of every pair from two box sets, as torchvision.ops.box_iou: `boxes1 [N, 4]` and
 * `boxes2 [M, 4]` give `[N, M]` (leading batch dims `[..., N, 4]`, `[..., M, 4]` broadcast).
 */
export function boxIou(boxes1: Tensor, boxes2: Tensor): Tensor {
  return opScope(() => allPairsIou('boxIou', boxes1, boxes2, false));
}

/**
 * Generalized IoU of every pair from two box sets, as torchvision.ops.generalized_box_iou:
 * `[N, 4]` and `[M, 4]` give `[N, M]` (leading batch dims broadcast).
 */
export function generalizedBoxIou(boxes1: Tensor, boxes2: Tensor): Tensor {
  return opScope(() => allPairsIou('generalizedBoxIou', boxes1, boxes2, true));
}

/** Options of {@link giouLoss}. */
export interface GiouLossOptions {
  /** Default 'none', as torchvision; the mean of no boxes is 0. */
  reduction?: Reduction;
  /** Added to the union and to the enclosing area before dividing (default 1e-7). */
  eps?: number;
}

/**
 * `1 − GIoU` of paired boxes `[..., 4]` (same shape) → `[...]`, as
 * torchvision.ops.generalized_box_iou_loss: `iou = inter/(union + eps)`, and the penalty
 * `(enclosing − union)/(enclosing + eps)`. Symmetric in its arguments; non-zero gradient even for
 * disjoint boxes, which is why FCOS regresses with it.
 */
export function giouLoss(boxes1: Tensor, boxes2: Tensor, options: GiouLossOptions = {}): Tensor {
  return opScope(() => {
    assertSameShape('giouLoss', boxes1, boxes2, 'boxes1', 'boxes2');
    const eps = options.eps ?? 1e-7;
    const { inter, union, enclosing } = pairGeometry('giouLoss', boxes1, boxes2, true);
    const giou = sub(div(inter, add(union, eps)), div(sub(enclosing, union), add(enclosing, eps)));
    const loss = squeeze(rsub(1, giou), -1);
    const reduction = options.reduction ?? 'none';
    // torchvision: the mean of no boxes is 0, not NaN, so an image without objects adds nothing.
    if (reduction === 'mean' && loss.size === 0) return mul(sum(loss), 0);
    return reduceLoss(loss, reduction);
  });
}

/** Per-coordinate weights `[wx, wy, ww, wh]` of {@link encodeBoxes} / {@link decodeBoxes}. */
export type BoxCoderWeights = readonly [number, number, number, number];

/** Options of {@link encodeBoxes}. */
export interface EncodeBoxesOptions {
  /** Multiply `[dx, dy, dw, dh]` (default `[1, 1, 1, 1]`, RetinaNet's; Faster R-CNN's heads use `[10, 10, 5, 5]`). */
  weights?: BoxCoderWeights;
}

/** Options of {@link decodeBoxes}. */
export interface DecodeBoxesOptions extends EncodeBoxesOptions {
  /** Upper bound of `dw`, `dh` before `exp` (default `log(1000/16)`, torchvision's `bbox_xform_clip`). */
  clampLog?: number;
}

/** Widths, heights and centres `[..., 1]` of boxes. */
function centreForm(op: string, name: string, boxes: Tensor): { w: Tensor; h: Tensor; cx: Tensor; cy: Tensor } {
  const [x1, y1, x2, y2] = columns(op, name, boxes);
  const w = sub(x2, x1);
  const h = sub(y2, y1);
  return { w, h, cx: add(x1, mul(w, 0.5)), cy: add(y1, mul(h, 0.5)) };
}

/**
 * Regression targets of `boxes` relative to `anchors` (both `[..., 4]`, broadcast), as
 * torchvision's `BoxCoder.encode_single(boxes, anchors)`: `dx = wx·(cx − cxₐ)/wₐ`,
 * `dy = wy·(cy − cyₐ)/hₐ`, `dw = ww·log(w/wₐ)`, `dh = wh·log(h/hₐ)`. Returns `[..., 4]`
 * `[dx, dy, dw, dh]`; the inverse of {@link decodeBoxes}.
 */
export function encodeBoxes(anchors: Tensor, boxes: Tensor, options: EncodeBoxesOptions = {}): Tensor {
  return opScope(() => {
    const [wx, wy, ww, wh] = options.weights ?? [1, 1, 1, 1];
    const a = centreForm('encodeBoxes', 'anchors', anchors);
    const g = centreForm('encodeBoxes', 'boxes', boxes);
    const dx = div(mul(sub(g.cx, a.cx), wx), a.w);
    const dy = div(mul(sub(g.cy, a.cy), wy), a.h);
    const dw = mul(log(div(g.w, a.w)), ww);
    const dh = mul(log(div(g.h, a.h)), wh);
    return concat([dx, dy, dw, dh], -1);
  });
}

/**
 * Boxes from regression deltas `[..., 4]` `[dx, dy, dw, dh]` relative to `anchors [..., 4]`
 * (broadcast: `[A, 4]` anchors decode `[N, A, 4]` deltas), as torchvision's
 * `BoxCoder.decode_single`: the centre moves by `(dx/wx)·wₐ`, the size scales by
 * `exp(min(dw/ww, clampLog))`. Returns `[..., 4]` boxes; differentiable in the deltas (and
 * anchors), so a loss may be put on decoded boxes.
 */
export function decodeBoxes(anchors: Tensor, deltas: Tensor, options: DecodeBoxesOptions = {}): Tensor {
  return opScope(() => {
    const [wx, wy, ww, wh] = options.weights ?? [1, 1, 1, 1];
    const clampLog = options.clampLog ?? Math.log(1000 / 16);
    const a = centreForm('decodeBoxes', 'anchors', anchors);
    const [dx, dy, dw, dh] = columns('decodeBoxes', 'deltas', deltas);
    const cx = add(mul(div(dx, wx), a.w), a.cx);
    const cy = add(mul(div(dy, wy), a.h), a.cy);
    const halfW = mul(mul(exp(clamp(div(dw, ww), undefined, clampLog)), a.w), 0.5);
    const halfH = mul(mul(exp(clamp(div(dh, wh), undefined, clampLog)), a.h), 0.5);
    return concat([sub(cx, halfW), sub(cy, halfH), add(cx, halfW), add(cy, halfH)], -1);
  });
}

/** Options of {@link encodeBoxDistances} and {@link decodeBoxDistances}. */
export interface BoxDistanceOptions {
  /** Divide the distances by the anchor's width (left, right) and height (top, bottom) (default true, as FCOS). */
  normalizeBySize?: boolean;
}

/**
 * FCOS's regression targets, as torchvision's `BoxLinearCoder.encode(anchors, boxes)`: the
 * distances `[l, t, r, b]` from each anchor's centre to the left, top, right and bottom edges of
 * its box (`[..., 4]` both, broadcast), divided by the anchor's size when `normalizeBySize`.
 */
export function encodeBoxDistances(anchors: Tensor, boxes: Tensor, options: BoxDistanceOptions = {}): Tensor {
  return opScope(() => {
    const [ax1, ay1, ax2, ay2] = columns('encodeBoxDistances', 'anchors', anchors);
    const [x1, y1, x2, y2] = columns('encodeBoxDistances', 'boxes', boxes);
    const cx = mul(add(ax1, ax2), 0.5);
    const cy = mul(add(ay1, ay2), 0.5);
    let l = sub(cx, x1);
    let t = sub(cy, y1);
    let r = sub(x2, cx);
    let b = sub(y2, cy);
    if (options.normalizeBySize ?? true) {
      const w = sub(ax2, ax1);
      const h = sub(ay2, ay1);
      [l, t, r, b] = [div(l, w), div(t, h), div(r, w), div(b, h)];
    }
    return concat([l, t, r, b], -1);
  });
}

/**
 * Boxes from FCOS's distances `[..., 4]` `[l, t, r, b]` around the anchors' centres, as
 * torchvision's `BoxLinearCoder.decode(distances, anchors)`; the inverse of
 * {@link encodeBoxDistances}. Differentiable, for FCOS's GIoU loss on decoded boxes.
 */
export function decodeBoxDistances(anchors: Tensor, distances: Tensor, options: BoxDistanceOptions = {}): Tensor {
  return opScope(() => {
    const [ax1, ay1, ax2, ay2] = columns('decodeBoxDistances', 'anchors', anchors);
    let [l, t, r, b] = columns('decodeBoxDistances', 'distances', distances);
    const cx = mul(add(ax1, ax2), 0.5);
    const cy = mul(add(ay1, ay2), 0.5);
    if (options.normalizeBySize ?? true) {
      const w = sub(ax2, ax1);
      const h = sub(ay2, ay1);
      [l, t, r, b] = [mul(l, w), mul(t, h), mul(r, w), mul(b, h)];
    }
    return concat([sub(cx, l), sub(cy, t), add(cx, r), add(cy, b)], -1);
  });
}
