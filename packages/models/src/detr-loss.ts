/**
 * DETR's set prediction loss (Carion et al. 2020 §3.1; facebookresearch/detr's
 * `HungarianMatcher` and `SetCriterion`): every ground-truth box is assigned one query by a
 * minimum-cost bipartite matching — cost `1·(−p(class)) + 5·L1 + 2·(−GIoU)` —, then the matched
 * queries learn their box's class, L1 and GIoU, and the unmatched ones the no-object class
 * (down-weighted by `eosCoef`). Boxes are normalised `cx, cy, w, h` in [0, 1].
 *
 * The costs are computed with tensor ops and read back once per call (`dataSync`: the
 * assignment runs on the host, {@link linearSumAssignment}); the losses are tensor ops on the
 * host-built targets, so their gradients flow to the logits and boxes.
 */
import {
  abs,
  concat,
  formatShape,
  gather,
  generalizedBoxIou,
  logSoftmax,
  matmul,
  mul,
  neg,
  noGrad,
  pairedGeneralizedBoxIou,
  reshape,
  slice,
  rsub,
  softmax,
  split,
  sub,
  sum,
  tensor,
  tidy,
  unsqueeze,
  add,
  div,
  type Tensor,
} from '@skipnet/core';
import { linearSumAssignment } from './hungarian.js';

/** `[..., 4]` boxes `cx, cy, w, h` → `x1, y1, x2, y2` (detr's `box_cxcywh_to_xyxy`), differentiable. */
export function boxCxcywhToXyxy(boxes: Tensor): Tensor {
  const [cx, cy, w, h] = split(boxes, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const hw = mul(w, 0.5);
  const hh = mul(h, 0.5);
  return concat([sub(cx, hw), sub(cy, hh), add(cx, hw), add(cy, hh)], -1);
}

/** Weights of the matching cost (detr's `set_cost_class`, `set_cost_bbox`, `set_cost_giou`). */
export interface MatchCostWeights {
  /** Weight of `−p(target class)` (default 1). */
  readonly costClass?: number;
  /** Weight of the L1 distance of the boxes (default 5). */
  readonly costBbox?: number;
  /** Weight of `−GIoU` (default 2). */
  readonly costGiou?: number;
}

/** Options of {@link setCriterion}. */
export interface SetCriterionOptions extends MatchCostWeights {
  /** Object classes; the logits have one more column, the last, for no-object. */
  readonly numClasses: number;
  /** Relative weight of the no-object class in the classification loss (default 0.1). */
  readonly eosCoef?: number;
}

/** A DETR targets tensor split on the host: per image, the rows that hold a box. */
interface HostTargets {
  readonly n: number;
  readonly k: number;
  /** `[N·K·5]` the values. */
  readonly values: Float32Array;
  /** Per image, the indices of its valid rows. */
  readonly valid: number[][];
}

/** Throws unless `targets` is float32 `[batch, Kmax, 5]`; reads it back. */
function hostTargets(op: string, targets: Tensor, batch: number, numClasses: number): HostTargets {
  if (targets.rank !== 3 || targets.shape[0] !== batch || targets.shape[2] !== 5 || targets.dtype !== 'float32') {
    throw new Error(
      `${op}: targets must be float32 [N, Kmax, 5] rows [cx, cy, w, h, label] (normalised; padding rows -1) with N = ${batch}; got ${targets.dtype} ${formatShape(targets.shape)}`,
    );
  }
  const k = targets.shape[1]!;
  const values = Float32Array.from(targets.dataSync());
  const valid: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const rows: number[] = [];
    for (let j = 0; j < k; j++) {
      const label = values[(b * k + j) * 5 + 4]!;
      if (label < 0) continue;
      if (!Number.isInteger(label) || label >= numClasses)
        throw new Error(`${op}: target label ${label} (image ${b}, row ${j}) is not a class index < ${numClasses}`);
      rows.push(j);
    }
    valid.push(rows);
  }
  return { n: batch, k, values, valid };
}

/** Checks `logits [N, Q, numClasses + 1]` against `boxes [N, Q, 4]`. */
function checkOutputs(op: string, logits: Tensor, boxes: Tensor, numClasses: number): [number, number] {
  const [n, q] = logits.shape as [number, number, number];
  if (logits.rank !== 3 || logits.shape[2] !== numClasses + 1 || boxes.rank !== 3 || boxes.shape[0] !== n || boxes.shape[1] !== q || boxes.shape[2] !== 4) {
    throw new Error(
      `${op}: expected logits [N, Q, ${numClasses + 1}] (numClasses + no-object) and boxes [N, Q, 4]; got ${formatShape(logits.shape)} and ${formatShape(boxes.shape)}`,
    );
  }
  return [n, q];
}

/**
 * DETR's matching cost of every query against every target row, as `HungarianMatcher`:
 * `costBbox·‖b − b̂‖₁ − costClass·p̂(c) − costGiou·GIoU(b, b̂)`, `[N, Q, Kmax]` (padding columns
 * hold the cost of a dummy box and must be ignored). No gradient.
 *
 * @param logits - `[N, Q, numClasses + 1]`.
 * @param boxes - `[N, Q, 4]` predicted `cx, cy, w, h`.
 * @param targets - `[N, Kmax, 5]` rows `[cx, cy, w, h, label]`, padding rows -1.
 */
export function matchingCost(logits: Tensor, boxes: Tensor, targets: Tensor, options: SetCriterionOptions): Tensor {
  const [n] = checkOutputs('matchingCost', logits, boxes, options.numClasses);
  const t = hostTargets('matchingCost', targets, n, options.numClasses);
  return costOf(logits, boxes, t, options);
}

function costOf(logits: Tensor, boxes: Tensor, t: HostTargets, options: SetCriterionOptions): Tensor {
  const c = options.numClasses + 1;
  // Padding rows get a harmless box (the costs stay finite) and a zero class column.
  const tgtBoxes = new Float32Array(t.n * t.k * 4).fill(0.5);
  const classPick = new Float32Array(t.n * c * t.k);
  t.valid.forEach((rows, b) => {
    for (const j of rows) {
      const o = (b * t.k + j) * 5;
      tgtBoxes.set(t.values.subarray(o, o + 4), (b * t.k + j) * 4);
      classPick[(b * c + t.values[o + 4]!) * t.k + j] = 1;
    }
  });
  return tidy(() =>
    noGrad(() => {
      const target = tensor(tgtBoxes, [t.n, t.k, 4]);
      const prob = matmul(softmax(logits, -1), tensor(classPick, [t.n, c, t.k])); // [N, Q, K]
      const l1 = sum(abs(sub(unsqueeze(boxes, 2), unsqueeze(target, 1))), -1);
      const giou = generalizedBoxIou(boxCxcywhToXyxy(boxes), boxCxcywhToXyxy(target));
      const w = (v: number | undefined, d: number): number => v ?? d;
      return sub(sub(mul(l1, w(options.costBbox, 5)), mul(prob, w(options.costClass, 1))), mul(giou, w(options.costGiou, 2)));
    }),
  );
}

/**
 * DETR's Hungarian matching of one decoder output: for each image, the query assigned to each
 * target row (minimum total {@link matchingCost}), `[N·Kmax]` row-major, -1 on padding rows.
 * Reads the costs back synchronously.
 */
export function hungarianMatch(logits: Tensor, boxes: Tensor, targets: Tensor, options: SetCriterionOptions): Int32Array {
  const [n, q] = checkOutputs('hungarianMatch', logits, boxes, options.numClasses);
  return matchHost(logits, boxes, hostTargets('hungarianMatch', targets, n, options.numClasses), q, options);
}

function matchHost(logits: Tensor, boxes: Tensor, t: HostTargets, q: number, options: SetCriterionOptions): Int32Array {
  const matched = new Int32Array(t.n * t.k).fill(-1);
  if (t.valid.every((r) => r.length === 0)) return matched;
  const costTensor = costOf(logits, boxes, t, options);
  const cost = costTensor.dataSync();
  costTensor.dispose();
  t.valid.forEach((rows, b) => {
    if (rows.length === 0) return;
    const sub = new Float64Array(q * rows.length);
    for (let i = 0; i < q; i++) rows.forEach((j, r) => (sub[i * rows.length + r] = cost[(b * q + i) * t.k + j]!));
    const a = linearSumAssignment(sub, q, rows.length);
    a.rows.forEach((query, p) => (matched[b * t.k + rows[a.cols[p]!]!] = query));
  });
  return matched;
}

/**
 * `SetCriterion.loss_labels` and `loss_boxes` for one decoder output and a given matching:
 * `loss_ce` (cross-entropy over every query, the unmatched ones against no-object, weighted by
 * class: no-object `eosCoef`, the others 1, divided by the total weight), `loss_bbox` (L1 of the
 * matched boxes) and `loss_giou` (`1 − GIoU`), both summed and divided by `numBoxes`.
 */
function setLosses(logits: Tensor, boxes: Tensor, t: HostTargets, matched: Int32Array, numBoxes: number, options: SetCriterionOptions): Record<string, Tensor> {
  const [n, q] = [t.n, logits.shape[1]!];
  const c = options.numClasses + 1;
  const eos = options.eosCoef ?? 0.1;
  // Class targets: no-object everywhere, the matched queries their box's class; the class
  // weight folded into the one-hot so the weighted mean is one product.
  const cls = new Int32Array(n * q).fill(c - 1);
  const src: number[] = [];
  const tgt: number[] = [];
  for (let b = 0; b < n; b++) {
    for (const j of t.valid[b]!) {
      const query = matched[b * t.k + j]!;
      if (query < 0) continue;
      const o = (b * t.k + j) * 5;
      cls[b * q + query] = t.values[o + 4]!;
      src.push(b * q + query);
      tgt.push(...t.values.subarray(o, o + 4));
    }
  }
  const weighted = new Float32Array(n * q * c);
  let totalWeight = 0;
  cls.forEach((k, i) => {
    const w = k === c - 1 ? eos : 1;
    weighted[i * c + k] = w;
    totalWeight += w;
  });
  const lossCe = div(neg(sum(mul(logSoftmax(logits, -1), tensor(weighted, [n, q, c])))), totalWeight);
  if (src.length === 0) {
    // No boxes in the batch: zero box losses that still reach the boxes (a gradient of 0).
    return { loss_ce: lossCe, loss_bbox: mul(sum(boxes), 0), loss_giou: mul(sum(boxes), 0) };
  }
  const picked = gather(reshape(boxes, [n * q, 4]), tensor(Int32Array.from(src), [src.length], { dtype: 'int32' }), 0);
  const target = tensor(Float32Array.from(tgt), [src.length, 4]);
  const lossBbox = div(sum(abs(sub(picked, target))), numBoxes);
  const lossGiou = div(sum(rsub(1, pairedGeneralizedBoxIou(boxCxcywhToXyxy(picked), boxCxcywhToXyxy(target)))), numBoxes);
  return { loss_ce: lossCe, loss_bbox: lossBbox, loss_giou: lossGiou };
}

/** What {@link setCriterion} returns. */
export interface SetCriterionResult {
  /** `loss_ce`, `loss_bbox`, `loss_giou` of the last decoder layer, and `loss_ce_0`, … of layers 0 … L−2. */
  readonly losses: Record<string, Tensor>;
  /** Per decoder layer, the query matched to each target row (`[N·Kmax]`, -1 on padding). */
  readonly matched: Int32Array[];
}

/**
 * DETR's `SetCriterion` over every decoder layer: each layer's output is matched on its own
 * ({@link hungarianMatch}) and gets the three losses; the last layer's keep DETR's names, the
 * auxiliary ones (layers 0 … L−2) get the suffix `_l`, as `aux_outputs`. `numBoxes` is the
 * number of target boxes in the batch (at least 1).
 *
 * @param logits - `[N, L, Q, numClasses + 1]`, every decoder layer's class logits.
 * @param boxes - `[N, L, Q, 4]` predicted normalised `cx, cy, w, h` (after the sigmoid).
 * @param targets - `[N, Kmax, 5]` rows `[cx, cy, w, h, label]` (normalised), padding rows -1.
 */
export function setCriterion(logits: Tensor, boxes: Tensor, targets: Tensor, options: SetCriterionOptions): SetCriterionResult {
  const [n, l, q, c] = logits.shape as [number, number, number, number];
  if (
    logits.rank !== 4 ||
    boxes.rank !== 4 ||
    boxes.shape[0] !== n ||
    boxes.shape[1] !== l ||
    boxes.shape[2] !== q ||
    boxes.shape[3] !== 4 ||
    c !== options.numClasses + 1
  ) {
    throw new Error(
      `setCriterion: expected logits [N, L, Q, ${options.numClasses + 1}] and boxes [N, L, Q, 4]; got ${formatShape(logits.shape)} and ${formatShape(boxes.shape)}`,
    );
  }
  const t = hostTargets('setCriterion', targets, n, options.numClasses);
  const numBoxes = Math.max(
    1,
    t.valid.reduce((s, r) => s + r.length, 0),
  );
  const losses: Record<string, Tensor> = {};
  const matched: Int32Array[] = [];
  for (let layer = 0; layer < l; layer++) {
    const layerLogits = reshape(slice(logits, [0, layer, 0, 0], [n, 1, q, c]), [n, q, c]);
    const layerBoxes = reshape(slice(boxes, [0, layer, 0, 0], [n, 1, q, 4]), [n, q, 4]);
    const m = matchHost(layerLogits, layerBoxes, t, q, options);
    matched.push(m);
    const suffix = layer === l - 1 ? '' : `_${layer}`;
    for (const [name, v] of Object.entries(setLosses(layerLogits, layerBoxes, t, m, numBoxes, options))) losses[`${name}${suffix}`] = v;
  }
  return { losses, matched };
}

/** DETR's `weight_dict`: `loss_ce` 1, `loss_bbox` 5, `loss_giou` 2 (and the same for every aux layer). */
export const DETR_LOSS_WEIGHTS: Readonly<Record<'loss_ce' | 'loss_bbox' | 'loss_giou', number>> = { loss_ce: 1, loss_bbox: 5, loss_giou: 2 };

/** The weighted sum of {@link setCriterion}'s losses, as DETR trains on: `Σ weight_dict[k]·loss[k]`. */
export function weightedSetLoss(losses: Record<string, Tensor>, weights: Readonly<Record<string, number>> = DETR_LOSS_WEIGHTS): Tensor {
  let total: Tensor | null = null;
  for (const [name, v] of Object.entries(losses)) {
    const base = name.replace(/_\d+$/, '');
    const w = weights[base];
    if (w === undefined) throw new Error(`weightedSetLoss: no weight for '${name}' (weights: ${Object.keys(weights).join(', ')})`);
    const term = mul(v, w);
    total = total ? add(total, term) : term;
  }
  if (!total) throw new Error('weightedSetLoss: no losses');
  return total;
}
