/**
 * Non-maximum suppression on the host, as torchvision.ops.nms / batched_nms. Detection
 * post-processing reads the scores and decoded boxes back (`await t.data()`) after the score
 * threshold and top-k have cut them to a few thousand, and suppresses here: NMS is sequential
 * and data-dependent, which suits no backend's kernels.
 */

/** Checks lengths: `boxes` holds `4·n` coordinates for `n` scores (and labels). */
function boxCount(op: string, boxes: ArrayLike<number>, scores: ArrayLike<number>, labels?: ArrayLike<number>): number {
  const n = scores.length;
  if (boxes.length !== 4 * n) {
    throw new Error(`${op}: boxes hold ${boxes.length} numbers for ${n} scores; pass [N, 4] boxes flattened row-major (4·N numbers)`);
  }
  if (labels && labels.length !== n) throw new Error(`${op}: ${labels.length} labels for ${n} scores; give one label per box`);
  return n;
}

/** Indices sorted by descending score; equal scores keep index order (torch's stable sort). */
function byScore(indices: readonly number[], scores: ArrayLike<number>): number[] {
  return [...indices].sort((i, j) => scores[j]! - scores[i]! || i - j);
}

/**
 * Greedy suppression over `order` (already sorted by score): keeps a box unless it overlaps a
 * kept one with IoU > `iouThreshold`. The IoU is rounded to float32 at each step, as
 * torchvision's CPU kernel computes it, so boxes at the threshold fall the same way.
 */
function suppress(boxes: ArrayLike<number>, order: readonly number[], iouThreshold: number): number[] {
  const f = Math.fround;
  const area = (i: number): number => f(f(boxes[4 * i + 2]! - boxes[4 * i]!) * f(boxes[4 * i + 3]! - boxes[4 * i + 1]!));
  const kept: number[] = [];
  const removed = new Uint8Array(order.length);
  for (let p = 0; p < order.length; p++) {
    if (removed[p]) continue;
    const i = order[p]!;
    kept.push(i);
    const [ix1, iy1, ix2, iy2] = [boxes[4 * i]!, boxes[4 * i + 1]!, boxes[4 * i + 2]!, boxes[4 * i + 3]!];
    const iArea = area(i);
    for (let q = p + 1; q < order.length; q++) {
      if (removed[q]) continue;
      const j = order[q]!;
      const w = Math.max(0, f(Math.min(ix2, boxes[4 * j + 2]!) - Math.max(ix1, boxes[4 * j]!)));
      const h = Math.max(0, f(Math.min(iy2, boxes[4 * j + 3]!) - Math.max(iy1, boxes[4 * j + 1]!)));
      const inter = f(w * h);
      const iou = f(inter / f(f(iArea + area(j)) - inter));
      if (iou > iouThreshold) removed[q] = 1;
    }
  }
  return kept;
}

/**
 * Non-maximum suppression, as torchvision.ops.nms: the indices of the boxes kept, by descending
 * score (equal scores in index order). A box is dropped when its IoU with a higher-scoring kept
 * box is greater than `iouThreshold`.
 *
 * @param boxes - `[N, 4]` boxes `[x1, y1, x2, y2]`, flattened row-major (`4·N` numbers).
 * @param scores - `[N]` scores.
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number): Int32Array {
  const n = boxCount('nms', boxes, scores);
  // float32, as torchvision holds them: the same ties and the same IoU at the threshold.
  const [b, s] = [Float32Array.from(boxes), Float32Array.from(scores)];
  return Int32Array.from(
    suppress(
      b,
      byScore(
        Array.from({ length: n }, (_, i) => i),
        s,
      ),
      iouThreshold,
    ),
  );
}

/**
 * Non-maximum suppression within each class, as torchvision.ops.batched_nms: boxes of
 * different labels never suppress each other. Returns the kept indices by descending score
 * (equal scores in index order).
 *
 * @param boxes - `[N, 4]` boxes, flattened row-major (`4·N` numbers).
 * @param scores - `[N]` scores.
 * @param labels - `[N]` class labels (any numbers; boxes are grouped by equal label).
 */
export function batchedNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, labels: ArrayLike<number>, iouThreshold: number): Int32Array {
  const n = boxCount('batchedNms', boxes, scores, labels);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const group = groups.get(labels[i]!);
    if (group) group.push(i);
    else groups.set(labels[i]!, [i]);
  }
  const [b, s] = [Float32Array.from(boxes), Float32Array.from(scores)];
  const kept: number[] = [];
  for (const members of groups.values()) kept.push(...suppress(b, byScore(members, s), iouThreshold));
  return Int32Array.from(byScore(kept, s));
}
