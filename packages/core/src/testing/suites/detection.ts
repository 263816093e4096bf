import { it } from 'vitest';
import * as ops from '../../ops/index.js';
import type { Tensor } from '../../tensor.js';
import { gradCheck, randomArray, refOf, type Tolerance } from '../helpers.js';
import * as R from '../reference.js';
import type { ConformanceSuite } from '../suite.js';

/**
 * `n` boxes `[x1, y1, x2, y2]` on a 1-pixel grid shifted by `offset`, 6 to 25 pixels a side.
 * Two sets made with different offsets (0.25, 0.5) never share a coordinate, so no pair sits on
 * a kink of min/max or of the overlap clamp, and finite differences stay on one side of it.
 */
export function gridBoxes(n: number, offset: number): Float32Array {
  const u = randomArray(n * 4, 0, 1);
  const out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const x1 = Math.floor(u[4 * i]! * 24) + offset;
    const y1 = Math.floor(u[4 * i + 1]! * 24) + offset;
    out.set([x1, y1, x1 + 6 + Math.floor(u[4 * i + 2]! * 20), y1 + 6 + Math.floor(u[4 * i + 3]! * 20)], 4 * i);
  }
  return out;
}

/** 0/1 targets, about a third of them 1. */
function binaryTargets(n: number): Float32Array {
  return randomArray(n, 0, 1).map((u) => (u < 0.35 ? 1 : 0));
}

const CLAMP_LOG = Math.log(1000 / 16);

/**
 * Box IoU / GIoU, the GIoU, focal and smooth-L1 losses and the two box codings (RetinaNet's and
 * FCOS's) against float64 references. Their finite-difference checks are registered by the
 * gradients suite ({@link registerDetectionGradients}), with every other gradient check.
 */
export const detectionSuite: ConformanceSuite = {
  name: 'detection',
  title: 'detection boxes and losses',
  register(ctx) {
    const { check } = ctx;
    for (const generalized of [false, true]) {
      const name = generalized ? 'generalizedBoxIou' : 'boxIou';
      const op = generalized ? ops.generalizedBoxIou : ops.boxIou;
      it(`${name} [5,4] x [7,4]`, async () => {
        const [ad, bd] = [gridBoxes(5, 0.25), gridBoxes(7, 0.5)];
        bd.set(ad.subarray(4, 8), 8); // an identical pair: IoU 1
        const [a, b] = [ops.tensor(ad, [5, 4]), ops.tensor(bd, [7, 4])];
        await check(op(a, b), R.boxIouRef(refOf(ad, [5, 4]), refOf(bd, [7, 4]), generalized), name);
        a.dispose();
        b.dispose();
      });
      it(`${name} batched [2,3,4] x [2,4,4]`, async () => {
        const [ad, bd] = [gridBoxes(6, 0.25), gridBoxes(8, 0.5)];
        const [a, b] = [ops.tensor(ad, [2, 3, 4]), ops.tensor(bd, [2, 4, 4])];
        await check(op(a, b), R.boxIouRef(refOf(ad, [2, 3, 4]), refOf(bd, [2, 4, 4]), generalized), name);
        a.dispose();
        b.dispose();
      });
    }
    for (const reduction of ['none', 'mean', 'sum'] as const) {
      it(`giouLoss ${reduction}`, async () => {
        const [ad, bd] = [gridBoxes(9, 0.25), gridBoxes(9, 0.5)];
        const [a, b] = [ops.tensor(ad, [9, 4]), ops.tensor(bd, [9, 4])];
        await check(ops.giouLoss(a, b, { reduction }), R.giouLossRef(refOf(ad, [9, 4]), refOf(bd, [9, 4]), 1e-7, reduction), 'giouLoss');
        a.dispose();
        b.dispose();
      });
    }
    const focalCases: [alpha: number, gamma: number, reduction: 'none' | 'mean' | 'sum'][] = [
      [0.25, 2, 'none'],
      [0.25, 2, 'mean'],
      [-1, 1.5, 'sum'],
      [0.5, 0, 'none'],
    ];
    for (const [alpha, gamma, reduction] of focalCases) {
      it(`sigmoidFocalLoss alpha=${alpha} gamma=${gamma} ${reduction}`, async () => {
        const xd = randomArray(36, -6, 6);
        xd.set([25, -25], 0); // saturated logits: finite, near 0
        const td = binaryTargets(36);
        td.set([1, 0], 0);
        const [x, t] = [ops.tensor(xd, [4, 9]), ops.tensor(td, [4, 9])];
        await check(ops.sigmoidFocalLoss(x, t, { alpha, gamma, reduction }), R.sigmoidFocalLossRef(refOf(xd, [4, 9]), td, alpha, gamma, reduction), 'focal');
        x.dispose();
        t.dispose();
      });
    }
    for (const [beta, reduction] of [
      [1, 'none'],
      [0.3, 'mean'],
      [0, 'sum'],
    ] as const) {
      it(`smoothL1Loss beta=${beta} ${reduction}`, async () => {
        const [xd, td] = [randomArray(21, -2, 2), randomArray(21, -2, 2)];
        const [x, t] = [ops.tensor(xd, [3, 7]), ops.tensor(td, [3, 7])];
        await check(ops.smoothL1Loss(x, t, { beta, reduction }), R.smoothL1LossRef(refOf(xd, [3, 7]), refOf(td, [3, 7]), beta, reduction), 'smoothL1');
        x.dispose();
        t.dispose();
      });
    }
    it('l1Loss', async () => {
      const [xd, td] = [randomArray(21, -2, 2), randomArray(21, -2, 2)];
      const [x, t] = [ops.tensor(xd, [3, 7]), ops.tensor(td, [3, 7])];
      await check(ops.l1Loss(x, t), R.smoothL1LossRef(refOf(xd, [3, 7]), refOf(td, [3, 7]), 0, 'mean'), 'l1Loss');
      x.dispose();
      t.dispose();
    });
    for (const weights of [
      [1, 1, 1, 1],
      [10, 10, 5, 5],
    ] as const) {
      it(`decodeBoxes [6,4] anchors, [2,6,4] deltas, weights ${weights.join(',')}`, async () => {
        const ad = gridBoxes(6, 0.5);
        const dd = randomArray(48, -1, 1).map((v, i) => v * weights[i % 4]!);
        dd[2] = 5 * weights[2]; // past clampLog: the width grows by exactly exp(clampLog)
        const [a, d] = [ops.tensor(ad, [6, 4]), ops.tensor(dd, [2, 6, 4])];
        await check(ops.decodeBoxes(a, d, { weights }), R.decodeBoxesRef(refOf(ad, [6, 4]), refOf(dd, [2, 6, 4]), weights, CLAMP_LOG), 'decodeBoxes');
        a.dispose();
        d.dispose();
      });
      it(`encodeBoxes weights ${weights.join(',')}`, async () => {
        const [ad, bd] = [gridBoxes(6, 0.5), gridBoxes(12, 0.25)];
        const [a, b] = [ops.tensor(ad, [6, 4]), ops.tensor(bd, [2, 6, 4])];
        await check(ops.encodeBoxes(a, b, { weights }), R.encodeBoxesRef(refOf(ad, [6, 4]), refOf(bd, [2, 6, 4]), weights), 'encodeBoxes');
        a.dispose();
        b.dispose();
      });
    }
    for (const normalizeBySize of [true, false]) {
      it(`decodeBoxDistances / encodeBoxDistances normalizeBySize=${normalizeBySize}`, async () => {
        const ad = gridBoxes(6, 0.5);
        const dd = randomArray(48, 0, normalizeBySize ? 2 : 20);
        const bd = gridBoxes(12, 0.25);
        const [a, d, b] = [ops.tensor(ad, [6, 4]), ops.tensor(dd, [2, 6, 4]), ops.tensor(bd, [2, 6, 4])];
        const aRef = refOf(ad, [6, 4]);
        await check(ops.decodeBoxDistances(a, d, { normalizeBySize }), R.boxDistancesRef(aRef, refOf(dd, [2, 6, 4]), 'decode', normalizeBySize), 'decode');
        await check(ops.encodeBoxDistances(a, b, { normalizeBySize }), R.boxDistancesRef(aRef, refOf(bd, [2, 6, 4]), 'encode', normalizeBySize), 'encode');
        [a, d, b].forEach((t) => t.dispose());
      });
    }
  },
};

/** Finite-difference checks of the detection ops, registered inside the gradients suite. */
export function registerDetectionGradients(tol: Tolerance): void {
  const boxes = (n: number, offset: number) => ({ shape: [n, 4], data: gridBoxes(n, offset) });
  it('boxIou', () => gradCheck('boxIou', ops.boxIou, [boxes(4, 0.25), boxes(5, 0.5)], tol));
  it('generalizedBoxIou', () => gradCheck('generalizedBoxIou', ops.generalizedBoxIou, [boxes(4, 0.25), boxes(5, 0.5)], tol));
  it('giouLoss', () => gradCheck('giouLoss', (a, b) => ops.giouLoss(a, b), [boxes(8, 0.25), boxes(8, 0.5)], tol));
  for (const [alpha, gamma] of [
    [0.25, 2],
    [-1, 1.5],
  ] as const) {
    it(`sigmoidFocalLoss alpha=${alpha} gamma=${gamma}`, () => {
      const t = ops.tensor(binaryTargets(18), [3, 6]);
      return gradCheck('sigmoidFocalLoss', (x) => ops.sigmoidFocalLoss(x, t, { alpha, gamma }), [{ shape: [3, 6], data: randomArray(18, -4, 4) }], tol).finally(
        () => t.dispose(),
      );
    });
  }
  it('smoothL1Loss beta=0.5', () => {
    // Inputs 0.0275 + k·0.11 against targets within ±0.004: |d| stays ≥ 0.02 from 0 and from beta.
    const x = { shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, i) => (i - 7) * 0.11 + 0.0275) };
    const t = { shape: [3, 5], data: randomArray(15, -0.004, 0.004) };
    return gradCheck('smoothL1Loss', (a, b) => ops.smoothL1Loss(a, b, { beta: 0.5, reduction: 'sum' }), [x, t], tol, { eps: 5e-3 });
  });
  it('decodeBoxes', () => {
    const f = (a: Tensor, d: Tensor): Tensor => ops.decodeBoxes(a, d, { weights: [10, 10, 5, 5] });
    return gradCheck('decodeBoxes', f, [boxes(5, 0.5), { shape: [2, 5, 4], data: randomArray(40, -2, 2) }], tol);
  });
  it('decodeBoxDistances', () =>
    gradCheck('decodeBoxDistances', (a, d) => ops.decodeBoxDistances(a, d), [boxes(5, 0.5), { shape: [2, 5, 4], data: randomArray(40, 0, 2) }], tol));
}
