/**
 * Box geometry and detection losses: hand-computed values, and torchvision 0.14's outputs and
 * input gradients on the same inputs (fixtures/detection/boxes.json, made by
 * fixtures/generate_detection.py). Every backend checks them again in the conformance suite.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '@skipnet/backend-cpu';
import { memory, tidy, type Tensor } from '../index.js';
import * as ops from './index.js';
import { assertClose, useBackend } from '../testing/helpers.js';

interface Data {
  shape: number[];
  data: number[];
}
interface OpCase {
  name: string;
  attrs: Record<string, unknown>;
  inputs: Record<string, Data>;
  output: Data;
  cot: Data;
  grads: Record<string, number[]>;
}

const fixture = JSON.parse(readFileSync(new URL('../../../../fixtures/detection/boxes.json', import.meta.url), 'utf8')) as { ops: OpCase[] };

beforeAll(() => useBackend('cpu', createCpuBackend));

const read = (t: Tensor): number[] => Array.from(t.dataSync());

/** The skipnet call for a fixture case, by the torchvision function it names. */
function run(c: OpCase, x: Record<string, Tensor>): Tensor {
  const a = c.attrs;
  const reduction = a.reduction as ops.Reduction;
  const [fn] = c.name.split(' ');
  const coder = c.name.split(' ').slice(0, 2).join(' ');
  switch (coder) {
    case 'box_coder encode':
      return ops.encodeBoxes(x.anchors!, x.boxes!, { weights: a.weights as ops.BoxCoderWeights });
    case 'box_coder decode':
      return ops.decodeBoxes(x.anchors!, x.deltas!, { weights: a.weights as ops.BoxCoderWeights });
    case 'linear_coder encode':
      return ops.encodeBoxDistances(x.anchors!, x.boxes!, { normalizeBySize: a.normalizeBySize as boolean });
    case 'linear_coder decode':
      return ops.decodeBoxDistances(x.anchors!, x.distances!, { normalizeBySize: a.normalizeBySize as boolean });
  }
  switch (fn) {
    case 'box_iou':
      return ops.boxIou(x.boxes1!, x.boxes2!);
    case 'generalized_box_iou':
      return ops.generalizedBoxIou(x.boxes1!, x.boxes2!);
    case 'generalized_box_iou_loss':
      return ops.giouLoss(x.boxes1!, x.boxes2!, { reduction, eps: a.eps as number });
    case 'sigmoid_focal_loss': {
      const targets = ops.tensor(a.targets as number[], x.logits!.shape);
      return ops.sigmoidFocalLoss(x.logits!, targets, { alpha: a.alpha as number, gamma: a.gamma as number, reduction });
    }
    case 'smooth_l1_loss':
      return ops.smoothL1Loss(x.input!, x.target!, { beta: a.beta as number, reduction });
    case 'l1_loss':
      return ops.l1Loss(x.input!, x.target!, reduction);
  }
  throw new Error(`boxes.test: no skipnet op for fixture case '${c.name}'`);
}

describe('torchvision 0.14 outputs and gradients', () => {
  it('the fixture has every case', () => {
    expect(fixture.ops.map((c) => c.name.split(' ')[0])).toEqual(
      expect.arrayContaining([
        'box_iou',
        'generalized_box_iou',
        'generalized_box_iou_loss',
        'sigmoid_focal_loss',
        'smooth_l1_loss',
        'l1_loss',
        'box_coder',
        'linear_coder',
      ]),
    );
  });
  for (const c of fixture.ops) {
    it(c.name, () => {
      const before = memory().tensors;
      tidy(() => {
        const leaves = Object.fromEntries(Object.entries(c.inputs).map(([role, d]) => [role, ops.tensor(d.data, d.shape)]));
        Object.values(leaves).forEach((t) => (t.requiresGrad = true));
        const out = run(c, leaves);
        expect(out.shape).toEqual(c.output.shape);
        assertClose(read(out), c.output.data, { atol: 1e-5, rtol: 1e-5 }, `${c.name}: output`);
        ops.sum(ops.mul(out, ops.tensor(c.cot.data, c.cot.shape))).backward();
        for (const [role, g] of Object.entries(c.grads)) assertClose(read(leaves[role]!.grad!), g, { atol: 1e-5, rtol: 1e-4 }, `${c.name}: grad ${role}`);
      });
      expect(memory().tensors).toBe(before);
    });
  }
});

describe('hand-computed values', () => {
  const boxes = (...rows: number[][]): Tensor => ops.tensor(rows.flat(), [rows.length, 4]);

  it('IoU and GIoU of overlapping, identical, touching and disjoint boxes', () => {
    tidy(() => {
      const a = boxes([0, 0, 2, 2]);
      // Offset by one pixel each way: intersection 1, union 7, enclosing 9.
      const b = boxes([1, 1, 3, 3], [0, 0, 2, 2], [2, 0, 4, 2], [3, 0, 4, 1]);
      assertClose(read(ops.boxIou(a, b)), [1 / 7, 1, 0, 0], { atol: 1e-7, rtol: 0 }, 'iou');
      // Touching: enclosing 8 = union, GIoU 0; disjoint: union 5, enclosing 8.
      assertClose(read(ops.generalizedBoxIou(a, b)), [1 / 7 - 2 / 9, 1, 0, -3 / 8], { atol: 1e-7, rtol: 0 }, 'giou');
      assertClose(read(ops.giouLoss(ops.expand(a, [4, 4]), b)), [1 - (1 / 7 - 2 / 9), 0, 1, 1 + 3 / 8], { atol: 1e-6, rtol: 0 }, 'giouLoss');
      assertClose(read(ops.boxArea(b)), [4, 4, 4, 1], { atol: 0, rtol: 0 }, 'area');
    });
  });

  it('pairs box sets into [N, M], and batches of them into [B, N, M]', () => {
    tidy(() => {
      const a = ops.tensor([0, 0, 2, 2, 0, 0, 4, 4], [2, 4]);
      const b = ops.tensor([1, 1, 3, 3, 0, 0, 2, 2, 0, 0, 1, 1], [3, 4]);
      const iou = ops.boxIou(a, b);
      expect(iou.shape).toEqual([2, 3]);
      assertClose(read(iou), [1 / 7, 1, 1 / 4, 4 / 16, 4 / 16, 1 / 16], { atol: 1e-7, rtol: 0 }, 'iou');
      const batched = ops.boxIou(ops.stack([a, a]), ops.stack([b, b]));
      expect(batched.shape).toEqual([2, 2, 3]);
      assertClose(read(batched), [...read(iou), ...read(iou)], { atol: 0, rtol: 0 }, 'batched');
      expect(ops.pairedBoxIou(a, ops.narrow(b, 0, 0, 2)).shape).toEqual([2]);
    });
  });

  it('smooth L1 is quadratic inside beta and linear outside, and beta 0 is L1', () => {
    tidy(() => {
      const x = ops.tensor([0, 0.25, -0.5, 3]);
      const t = ops.zeros([4]);
      assertClose(read(ops.smoothL1Loss(x, t, { beta: 0.5, reduction: 'none' })), [0, 0.0625, 0.25, 2.75], { atol: 1e-7, rtol: 0 }, 'beta 0.5');
      assertClose(read(ops.smoothL1Loss(x, t, { beta: 0, reduction: 'none' })), [0, 0.25, 0.5, 3], { atol: 0, rtol: 0 }, 'beta 0');
      assertClose(read(ops.l1Loss(x, t)), [3.75 / 4], { atol: 1e-7, rtol: 0 }, 'l1');
    });
  });

  it('focal loss: alpha weighting, the (1 − p_t)^gamma factor, and no NaN at saturated logits', () => {
    tidy(() => {
      const x = ops.tensor([0, 0, 200, -200, 200]);
      const t = ops.tensor([1, 0, 1, 0, 0]);
      // At logit 0, p = 1/2: BCE = ln 2 and the factor (1/2)² = 1/4. A confident mistake costs (1 − α)·200.
      const want = [0.25 * Math.LN2 * 0.25, 0.75 * Math.LN2 * 0.25, 0, 0, 0.75 * 200];
      assertClose(read(ops.sigmoidFocalLoss(x, t)), want, { atol: 1e-6, rtol: 1e-6 }, 'focal');
    });
  });

  it('decoding the encoding gives the boxes back, for both codings', () => {
    tidy(() => {
      const anchors = boxes([0, 0, 16, 16], [8, 4, 40, 20]);
      const gt = boxes([2, 3, 10, 19], [10, 0, 50, 30]);
      assertClose(read(ops.decodeBoxes(anchors, ops.encodeBoxes(anchors, gt))), read(gt), { atol: 1e-5, rtol: 0 }, 'BoxCoder');
      const w = { weights: [10, 10, 5, 5] as const };
      assertClose(read(ops.decodeBoxes(anchors, ops.encodeBoxes(anchors, gt, w), w)), read(gt), { atol: 1e-5, rtol: 0 }, 'BoxCoder weighted');
      assertClose(read(ops.decodeBoxDistances(anchors, ops.encodeBoxDistances(anchors, gt))), read(gt), { atol: 1e-5, rtol: 0 }, 'linear');
      // FCOS distances: the first anchor's centre (8, 8) to the box's edges, over the anchor's 16-pixel size.
      assertClose(read(ops.encodeBoxDistances(anchors, gt)).slice(0, 4), [6 / 16, 5 / 16, 2 / 16, 11 / 16], { atol: 1e-7, rtol: 0 }, 'ltrb');
    });
  });

  it('decodeBoxes clamps the log-size deltas at log(1000/16)', () => {
    tidy(() => {
      const anchors = boxes([0, 0, 16, 16]);
      const out = read(ops.decodeBoxes(anchors, ops.tensor([[0, 0, 10, 0]])));
      assertClose([out[2]! - out[0]!], [1000], { atol: 0, rtol: 1e-5 }, 'width');
    });
  });
});

describe('errors name the problem', () => {
  it('rejects boxes that are not [..., 4] float32, and mismatched pairs', () => {
    tidy(() => {
      expect(() => ops.boxIou(ops.zeros([3, 5]), ops.zeros([2, 4]))).toThrow(/boxIou: boxes1 must be \[N, 4\] boxes \(or \[\.\.\., N, 4\]\), got \[3,5\]/);
      expect(() => ops.boxIou(ops.zeros([4]), ops.zeros([2, 4]))).toThrow(/boxIou: boxes1 must be \[N, 4\] boxes \(or \[\.\.\., N, 4\]\), got \[4\]/);
      expect(() => ops.giouLoss(ops.zeros([3, 4]), ops.zeros([2, 4]))).toThrow(/giouLoss: boxes1 \[3,4\] and boxes2 \[2,4\] must have the same shape/);
      expect(() => ops.decodeBoxes(ops.zeros([3, 4], { dtype: 'int32' }), ops.zeros([3, 4]))).toThrow(/decodeBoxes: anchors must be float32, got int32/);
      expect(() => ops.smoothL1Loss(ops.zeros([3]), ops.zeros([3]), { beta: -1 })).toThrow(/beta must be >= 0/);
      expect(() => ops.sigmoidFocalLoss(ops.zeros([3]), ops.zeros([4]))).toThrow(/logits \[3\] and targets \[4\]/);
    });
  });
});
