import { describe, expect, it } from 'vitest';
import { assertClose, randomArray } from '@skipnet/core/testing';
import { dense, dot, k, read } from '../test/helpers.js';

interface PoolCase {
  name: string;
  shape: [number, number, number, number];
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  ceil?: boolean;
}

const CASES: PoolCase[] = [
  { name: '2×2 stride 2', shape: [2, 3, 6, 8], kernel: [2, 2], stride: [2, 2], padding: [0, 0] },
  { name: '3×3 stride 2 pad 1, odd sizes', shape: [1, 2, 7, 9], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
  { name: 'overlapping 3×3 stride 1 pad 1', shape: [2, 1, 5, 5], kernel: [3, 3], stride: [1, 1], padding: [1, 1] },
  { name: 'asymmetric 3×2 kernel, stride (1,2), pad (1,0)', shape: [1, 2, 6, 7], kernel: [3, 2], stride: [1, 2], padding: [1, 0] },
  { name: 'ceil-mode output (last window past the padded input)', shape: [1, 2, 6, 6], kernel: [3, 3], stride: [2, 2], padding: [1, 1], ceil: true },
];

function outShape(c: PoolCase): number[] {
  const o = (n: number, kk: number, s: number, p: number): number => {
    const f = (n + 2 * p - kk) / s;
    return (c.ceil ? Math.ceil(f) : Math.floor(f)) + 1;
  };
  return [c.shape[0], c.shape[1], o(c.shape[2], c.kernel[0], c.stride[0], c.padding[0]), o(c.shape[3], c.kernel[1], c.stride[1], c.padding[1])];
}

/** Visits every output cell with the list of in-bounds input cells of its window and PyTorch's two divisors. */
function windows(c: PoolCase, f: (o: number, plane: number, cells: number[], padDivisor: number) => void): void {
  const [N, C, H, W] = c.shape;
  const [, , OH, OW] = outShape(c) as [number, number, number, number];
  let o = 0;
  for (let plane = 0; plane < N * C; plane++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        const cells: number[] = [];
        let padCount = 0;
        for (let i = 0; i < c.kernel[0]; i++) {
          for (let j = 0; j < c.kernel[1]; j++) {
            const h = oh * c.stride[0] - c.padding[0] + i;
            const w = ow * c.stride[1] - c.padding[1] + j;
            // Cells of the padded input count toward the include-pad divisor; cells beyond it do not.
            if (h < H + c.padding[0] && w < W + c.padding[1]) padCount++;
            if (h >= 0 && h < H && w >= 0 && w < W) cells.push(h * W + w);
          }
        }
        f(o, plane, cells, padCount);
      }
    }
  }
}

describe('maxPool2d', () => {
  for (const c of CASES) {
    it(`${c.name}: values, indices and the backward scatter`, () => {
      const [N, C, H, W] = c.shape;
      const x = randomArray(N * C * H * W);
      const os = outShape(c);
      const r = k.maxPool2d({ x: dense(x, c.shape) }, { kernel: c.kernel, stride: c.stride, padding: c.padding, outShape: os });
      expect(r.indices).toBeInstanceOf(Int32Array);
      const refV: number[] = [];
      const refI: number[] = [];
      windows(c, (_o, plane, cells) => {
        let best = -Infinity,
          bi = -1;
        for (const cell of cells) {
          const v = x[plane * H * W + cell]!;
          if (v > best) {
            best = v;
            bi = cell;
          }
        }
        refV.push(best);
        refI.push(bi);
      });
      assertClose(read(r.out), refV, { atol: 0, rtol: 0 }, 'values');
      expect(Array.from(r.indices)).toEqual(refI);
      const dy = randomArray(refV.length);
      const dx = k.maxPool2dBackward({ dy: dense(dy, os), indices: { handle: r.indices, shape: os, dtype: 'int32' } }, { inShape: c.shape });
      const refDx = new Float64Array(N * C * H * W);
      const P = os[2]! * os[3]!;
      refI.forEach((cell, o) => (refDx[Math.floor(o / P) * H * W + cell]! += dy[o]!));
      assertClose(read(dx), refDx, { atol: 1e-6, rtol: 1e-6 }, 'backward');
    });
  }

  it('keeps the first of tied maxima', () => {
    const r = k.maxPool2d(
      { x: dense(new Float32Array(16).fill(2), [1, 1, 4, 4]) },
      { kernel: [2, 2], stride: [2, 2], padding: [0, 0], outShape: [1, 1, 2, 2] },
    );
    expect(Array.from(r.indices)).toEqual([0, 2, 8, 10]);
  });

  it('treats padding as -∞ (all-negative input never yields 0)', () => {
    const r = k.maxPool2d(
      { x: dense(new Float32Array(9).fill(-5), [1, 1, 3, 3]) },
      { kernel: [3, 3], stride: [1, 1], padding: [1, 1], outShape: [1, 1, 3, 3] },
    );
    expect(Array.from(r.out)).toEqual(new Array(9).fill(-5));
  });
});

describe('avgPool2d', () => {
  for (const c of CASES) {
    for (const countIncludePad of [true, false]) {
      it(`${c.name}, countIncludePad=${countIncludePad}: forward and the adjoint backward`, () => {
        const [N, C, H, W] = c.shape;
        const x = randomArray(N * C * H * W);
        const os = outShape(c);
        const attrs = { kernel: c.kernel, stride: c.stride, padding: c.padding, countIncludePad };
        const y = k.avgPool2d({ x: dense(x, c.shape) }, { ...attrs, outShape: os });
        const ref: number[] = [];
        windows(c, (_o, plane, cells, padCount) => {
          let s = 0;
          for (const cell of cells) s += x[plane * H * W + cell]!;
          ref.push(s / (countIncludePad ? padCount : cells.length));
        });
        assertClose(read(y), ref, { atol: 1e-6, rtol: 1e-6 }, 'forward');
        const dy = randomArray(ref.length);
        const dx = k.avgPool2dBackward({ dy: dense(dy, os) }, { ...attrs, inShape: c.shape });
        const refDx = new Float64Array(N * C * H * W);
        windows(c, (o, plane, cells, padCount) => {
          for (const cell of cells) refDx[plane * H * W + cell]! += dy[o]! / (countIncludePad ? padCount : cells.length);
        });
        assertClose(read(dx), refDx, { atol: 1e-6, rtol: 1e-6 }, 'backward');
        expect(Math.abs(dot(y, dy) - dot(x, dx))).toBeLessThan(1e-4);
      });
    }
  }
});

/** PyTorch's source index rules, evaluated independently of the kernel. */
function taps(mode: 'nearest' | 'bilinear', align: boolean, inSize: number, outSize: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let d = 0; d < outSize; d++) {
    if (mode === 'nearest') {
      // torch: floorf(dst * (float)(in/out)) in float32 arithmetic.
      const s = Math.fround(inSize / outSize);
      out.push([Math.min(Math.floor(Math.fround(d * s)), inSize - 1), 0, 0]);
      continue;
    }
    const src = align ? (outSize > 1 ? (d * (inSize - 1)) / (outSize - 1) : 0) : Math.max(0, ((d + 0.5) * inSize) / outSize - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    out.push([i0, Math.min(i0 + 1, inSize - 1), src - i0]);
  }
  return out;
}

describe('resize', () => {
  const sizes: [number, number, number, number][] = [
    [4, 5, 8, 10],
    [7, 6, 3, 4],
    [5, 5, 5, 5],
    [3, 4, 7, 9],
    [6, 9, 4, 3],
    [1, 1, 3, 2],
    [4, 4, 1, 1],
  ];
  for (const mode of ['nearest', 'bilinear'] as const) {
    for (const align of mode === 'nearest' ? [false] : [false, true]) {
      it(`${mode}${mode === 'bilinear' ? ` alignCorners=${align}` : ''}: up/down-sampling and the adjoint backward`, () => {
        for (const [H, W, OH, OW] of sizes) {
          const N = 2,
            C = 2;
          const x = randomArray(N * C * H * W);
          const attrs = { mode, alignCorners: align };
          const y = k.resize({ x: dense(x, [N, C, H, W]) }, { ...attrs, outShape: [N, C, OH, OW] });
          const th = taps(mode, align, H, OH),
            tw = taps(mode, align, W, OW);
          const ref = new Float64Array(N * C * OH * OW);
          const dy = randomArray(ref.length);
          const refDx = new Float64Array(N * C * H * W);
          let o = 0;
          for (let p = 0; p < N * C; p++) {
            for (let oh = 0; oh < OH; oh++) {
              for (let ow = 0; ow < OW; ow++, o++) {
                const [h0, h1, lh] = th[oh]!,
                  [w0, w1, lw] = tw[ow]!;
                const terms: [number, number][] =
                  mode === 'nearest'
                    ? [[h0 * W + w0, 1]]
                    : [
                        [h0 * W + w0, (1 - lh) * (1 - lw)],
                        [h0 * W + w1, (1 - lh) * lw],
                        [h1 * W + w0, lh * (1 - lw)],
                        [h1 * W + w1, lh * lw],
                      ];
                for (const [cell, wt] of terms) {
                  ref[o]! += wt * x[p * H * W + cell]!;
                  refDx[p * H * W + cell]! += wt * dy[o]!;
                }
              }
            }
          }
          assertClose(read(y), ref, { atol: 1e-6, rtol: 1e-5 }, `${H}×${W} → ${OH}×${OW}`);
          const dx = k.resizeBackward({ dy: dense(dy, [N, C, OH, OW]) }, { ...attrs, inShape: [N, C, H, W] });
          assertClose(read(dx), refDx, { atol: 1e-5, rtol: 1e-5 }, `${H}×${W} → ${OH}×${OW} backward`);
        }
      });
    }
  }

  it("nearest follows torch's float32 index rounding (2 → 82: output 41 reads input 0)", () => {
    const y = k.resize({ x: dense(Float32Array.of(10, 20), [1, 1, 1, 2]) }, { mode: 'nearest', alignCorners: false, outShape: [1, 1, 1, 82] });
    expect(y[40]).toBe(10);
    expect(y[41]).toBe(10);
    expect(y[42]).toBe(20);
  });
});
