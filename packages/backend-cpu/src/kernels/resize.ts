/** `resize` kernel: nearest / bilinear spatial resize of NCHW tensors. */
import type { ResizeMode } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { Attrs, In, Out } from '../spec.js';
import type { CpuStorage } from '../storage.js';

/** Per-axis source taps: output index `o` reads `w0[o]·in[i0[o]] + w1[o]·in[i1[o]]`. */
export interface AxisTaps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w0: Float64Array;
  readonly w1: Float64Array;
}

/**
 * Source taps along one axis, following PyTorch exactly:
 * - nearest: `min(floor(dst · (in/out)), in-1)`, evaluated in float32 as torch does, so
 *   indices agree even where the float product rounds below an integer;
 * - bilinear, alignCorners: `src = dst·(in-1)/(out-1)`;
 * - bilinear, otherwise: `src = max(0, (dst+0.5)·in/out - 0.5)`;
 *   then `i0 = ⌊src⌋`, `i1 = min(i0+1, in-1)`, weights `1-λ, λ` with `λ = src - i0`.
 */
export function axisTaps(mode: ResizeMode, alignCorners: boolean, inSize: number, outSize: number): AxisTaps {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize);
  const w0 = new Float64Array(outSize), w1 = new Float64Array(outSize);
  if (mode === 'nearest') {
    const scale = Math.fround(inSize / outSize);
    for (let o = 0; o < outSize; o++) {
      i0[o] = i1[o] = Math.min(Math.floor(Math.fround(o * scale)), inSize - 1);
      w0[o] = 1;
    }
    return { i0, i1, w0, w1 };
  }
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    let src = alignCorners ? o * scale : (o + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    const a = Math.min(Math.floor(src), inSize - 1);
    const l = src - a;
    i0[o] = a;
    i1[o] = a < inSize - 1 ? a + 1 : a;
    w0[o] = 1 - l;
    w1[o] = l;
  }
  return { i0, i1, w0, w1 };
}

/** Resizes each NCHW plane to `outShape`'s `[OH, OW]` (separable taps precomputed per axis). */
export function resize(inputs: In<'resize'>, attrs: Attrs<'resize'>, st: CpuStorage): Out<'resize'> {
  const { x } = inputs;
  const xs = asFloat(x.handle, 'resize');
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , OH, OW] = attrs.outShape as [number, number, number, number];
  const y = st.float32(sizeOf(attrs.outShape));
  const th = axisTaps(attrs.mode, attrs.alignCorners, H, OH);
  const tw = axisTaps(attrs.mode, attrs.alignCorners, W, OW);
  const planes = N * C;
  const nearest = attrs.mode === 'nearest';
  for (let p = 0; p < planes; p++) {
    const xo = p * H * W;
    let o = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = xo + th.i0[oh]! * W;
      if (nearest) {
        for (let ow = 0; ow < OW; ow++, o++) y[o] = xs[r0 + tw.i0[ow]!]!;
        continue;
      }
      const r1 = xo + th.i1[oh]! * W;
      const a0 = th.w0[oh]!, a1 = th.w1[oh]!;
      for (let ow = 0; ow < OW; ow++, o++) {
        const c0 = tw.i0[ow]!, c1 = tw.i1[ow]!, b0 = tw.w0[ow]!, b1 = tw.w1[ow]!;
        y[o] = a0 * (b0 * xs[r0 + c0]! + b1 * xs[r0 + c1]!) + a1 * (b0 * xs[r1 + c0]! + b1 * xs[r1 + c1]!);
      }
    }
  }
  return y;
}
