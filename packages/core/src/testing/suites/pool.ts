import { it } from 'vitest';
import * as ops from '../../ops/index.js';
import { sizeOf } from '../../shape.js';
import { distinctArray, randomArray, refOf } from '../helpers.js';
import * as R from '../reference.js';
import type { ConformanceSuite } from '../suite.js';

/** A pooling case: input `[N, C, H, W]`, kernel, stride and padding (each `[h, w]`). */
export type PoolCase = readonly [name: string, input: number[], kernel: [number, number], stride: [number, number], padding: [number, number]];

/** A resize case of a `[1, 2, 4, 5]` input: output height and width, mode and `alignCorners`. */
export type ResizeCase = readonly [name: string, outHeight: number, outWidth: number, mode: 'nearest' | 'bilinear', alignCorners: boolean];

/** Geometries of max and average pooling; the gradients suite reuses them. */
export const poolCases: readonly PoolCase[] = [
  ['2x2 s2', [2, 3, 6, 7], [2, 2], [2, 2], [0, 0]],
  ['3x3 s2 p1', [1, 2, 9, 8], [3, 3], [2, 2], [1, 1]],
  ['3x3 s1 p1', [2, 1, 5, 5], [3, 3], [1, 1], [1, 1]],
  // A strided subsample (ResNet's option-A shortcut), odd sizes.
  ['1x1 s2', [2, 3, 7, 5], [1, 1], [2, 2], [0, 0]],
];

/** Input of every resize case. */
export const resizeInputShape = [1, 2, 4, 5];

/** Up- and down-sampling cases of `upsample`; the gradients suite reuses them. */
export const resizeCases: readonly ResizeCase[] = [
  ['nearest x2', 8, 10, 'nearest', false],
  ['nearest down', 3, 2, 'nearest', false],
  ['bilinear x2', 8, 10, 'bilinear', false],
  ['bilinear odd', 7, 3, 'bilinear', false],
  ['bilinear alignCorners', 9, 11, 'bilinear', true],
];

/** Input of the adaptive-pooling cases: 5×7 planes, which no output size below divides evenly but 1×1 and 5×7. */
export const adaptivePoolInputShape = [2, 3, 5, 7];

/** Max, average and adaptive-average pooling and nearest/bilinear resize against float64 references. */
export const poolSuite: ConformanceSuite = {
  name: 'pool',
  title: 'pooling and resizing',
  register(ctx) {
    const { check } = ctx;
    for (const [name, xs, k, s, p] of poolCases) {
      it(`maxPool2d ${name}`, async () => {
        const xd = distinctArray(sizeOf(xs));
        const x = ops.tensor(xd, xs);
        await check(ops.maxPool2d(x, k, { stride: s, padding: p }), R.pool2dRef(refOf(xd, xs), 'max', k, s, p), `maxPool ${name}`);
        x.dispose();
      });
      for (const cip of [true, false]) {
        it(`avgPool2d ${name} countIncludePad=${cip}`, async () => {
          const xd = randomArray(sizeOf(xs));
          const x = ops.tensor(xd, xs);
          await check(ops.avgPool2d(x, k, { stride: s, padding: p, countIncludePad: cip }), R.pool2dRef(refOf(xd, xs), 'avg', k, s, p, cip), `avgPool ${name}`);
          x.dispose();
        });
      }
    }
    it('adaptiveAvgPool2d to divisible, non-divisible and 1x1 sizes', async () => {
      const xs = adaptivePoolInputShape;
      const xd = randomArray(sizeOf(xs));
      const x = ops.tensor(xd, xs);
      for (const [oh, ow] of [
        [1, 1],
        [3, 2],
        [5, 7],
      ] as [number, number][]) {
        const out = new Float64Array(6 * oh * ow);
        for (let pl = 0; pl < 6; pl++)
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) {
              const [h0, h1] = [Math.floor((i * 5) / oh), Math.ceil(((i + 1) * 5) / oh)];
              const [w0, w1] = [Math.floor((j * 7) / ow), Math.ceil(((j + 1) * 7) / ow)];
              let s = 0;
              for (let a = h0; a < h1; a++) for (let b = w0; b < w1; b++) s += xd[pl * 35 + a * 7 + b]!;
              out[(pl * oh + i) * ow + j] = s / ((h1 - h0) * (w1 - w0));
            }
        await check(ops.adaptiveAvgPool2d(x, [oh, ow]), { shape: [2, 3, oh, ow], data: out }, `adaptive ${oh}x${ow}`);
      }
      x.dispose();
    });
    for (const [name, oh, ow, mode, ac] of resizeCases) {
      it(`upsample ${name}`, async () => {
        const xs = resizeInputShape;
        const xd = randomArray(sizeOf(xs));
        const x = ops.tensor(xd, xs);
        await check(ops.upsample(x, { size: [oh, ow], mode, alignCorners: ac }), R.resizeRef(refOf(xd, xs), oh, ow, mode, ac), name);
        x.dispose();
      });
    }
  },
};
