import { expect, it } from 'vitest';
import * as ops from '../../ops/index.js';
import { sizeOf } from '../../shape.js';
import { randomArray, refOf } from '../helpers.js';
import * as R from '../reference.js';
import type { ConformanceSuite } from '../suite.js';

/** A conv2d case: input `[N, C, H, W]`, weight `[outC, inC/groups, kH, kW]` and geometry. */
export type Conv2dCase = readonly [name: string, input: number[], weight: number[], geometry: R.ConvGeo];

/** A convTranspose2d case: input, weight `[inC, outC/groups, kH, kW]`, geometry and output padding. */
export type ConvTranspose2dCase = readonly [name: string, input: number[], weight: number[], geometry: R.ConvGeo, outputPadding: [number, number]];

/** Geometries conv2d must get right (odd sizes, stride 2, dilation, groups, depthwise, 1×1, 7×7); the gradients suite reuses them. */
export const conv2dCases: readonly Conv2dCase[] = [
  ['3x3 s1 p1', [2, 3, 8, 7], [4, 3, 3, 3], { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }],
  ['3x3 s2 p1 odd input', [1, 4, 9, 11], [6, 4, 3, 3], { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 }],
  ['dilation 2', [2, 2, 10, 9], [3, 2, 3, 3], { stride: [1, 1], padding: [2, 2], dilation: [2, 2], groups: 1 }],
  ['groups 2', [2, 4, 7, 7], [6, 2, 3, 3], { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 2 }],
  ['depthwise', [2, 5, 6, 6], [5, 1, 3, 3], { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 5 }],
  ['1x1 stride 2', [3, 6, 5, 5], [4, 6, 1, 1], { stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 }],
  ['7x7 s2 p3 asymmetric stride', [1, 3, 13, 12], [2, 3, 7, 5], { stride: [2, 1], padding: [3, 2], dilation: [1, 1], groups: 1 }],
];

/** Geometries convTranspose2d must get right; the gradients suite reuses them. */
export const convTranspose2dCases: readonly ConvTranspose2dCase[] = [
  ['stride 2 output padding 1', [2, 3, 4, 5], [3, 4, 3, 3], { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 }, [1, 1]],
  ['2x2 stride 2 (U-Net up)', [1, 4, 3, 3], [4, 2, 2, 2], { stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 }, [0, 0]],
  ['groups 2 dilation 2', [1, 4, 5, 4], [4, 3, 3, 3], { stride: [1, 1], padding: [1, 1], dilation: [2, 2], groups: 2 }, [0, 0]],
];

/**
 * conv2d (with fused bias and relu, and PyTorch's asymmetric `'same'` padding) and
 * convTranspose2d forward results against float64 references.
 */
export const convSuite: ConformanceSuite = {
  name: 'conv',
  title: 'convolution',
  register(ctx) {
    const { check } = ctx;
    for (const [name, xs, ws, geo] of conv2dCases) {
      it(`conv2d ${name}`, async () => {
        const xd = randomArray(sizeOf(xs));
        const wd = randomArray(sizeOf(ws));
        const x = ops.tensor(xd, xs);
        const w = ops.tensor(wd, ws);
        const y = ops.conv2d(x, w, null, geo);
        await check(y, R.conv2dRef(refOf(xd, xs), refOf(wd, ws), geo), name);
        x.dispose();
        w.dispose();
      });
    }
    it('conv2d with bias and fused relu matches the composite', async () => {
      const xd = randomArray(2 * 3 * 6 * 6);
      const wd = randomArray(4 * 3 * 3 * 3);
      const bd = randomArray(4);
      const [x, w, b] = [ops.tensor(xd, [2, 3, 6, 6]), ops.tensor(wd, [4, 3, 3, 3]), ops.tensor(bd, [4])];
      const y = ops.conv2d(x, w, b, { padding: 1 }, 'relu');
      const r = R.conv2dRef(refOf(xd, [2, 3, 6, 6]), refOf(wd, [4, 3, 3, 3]), { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 });
      const expected = { shape: r.shape, data: r.data.map((v, i) => Math.max(0, v + bd[Math.floor(i / 36) % 4]!)) };
      await check(y, expected, 'conv2d+bias+relu');
      [x, w, b].forEach((v) => v.dispose());
    });
    it("padding 'same' with an even kernel pads after, like PyTorch", async () => {
      const xd = randomArray(1 * 2 * 5 * 5);
      const wd = randomArray(3 * 2 * 2 * 2);
      const [x, w] = [ops.tensor(xd, [1, 2, 5, 5]), ops.tensor(wd, [3, 2, 2, 2])];
      const y = ops.conv2d(x, w, null, { padding: 'same' });
      expect(y.shape).toEqual([1, 3, 5, 5]);
      // Equivalent: pad bottom/right by one, then a valid conv.
      const padded = new Float64Array(2 * 6 * 6);
      for (let c = 0; c < 2; c++) for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) padded[(c * 6 + i) * 6 + j] = xd[(c * 5 + i) * 5 + j]!;
      await check(
        y,
        R.conv2dRef({ shape: [1, 2, 6, 6], data: padded }, refOf(wd, [3, 2, 2, 2]), { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 }),
        'same',
      );
      x.dispose();
      w.dispose();
    });
    for (const [name, xs, ws, geo, op] of convTranspose2dCases) {
      it(`convTranspose2d ${name}`, async () => {
        const xd = randomArray(sizeOf(xs));
        const wd = randomArray(sizeOf(ws));
        const x = ops.tensor(xd, xs);
        const w = ops.tensor(wd, ws);
        const y = ops.convTranspose2d(x, w, null, { ...geo, outputPadding: op });
        await check(y, R.convTranspose2dRef(refOf(xd, xs), refOf(wd, ws), geo, op), name);
        x.dispose();
        w.dispose();
      });
    }
  },
};
