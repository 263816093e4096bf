/** `resize` kernel: nearest / bilinear spatial resize of NCHW tensors. */
import { resizeTaps, type KernelAttrs, type KernelInputs, type KernelOutput } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** Resizes each NCHW plane to `outShape`'s `[OH, OW]` (separable taps precomputed per axis). */
export function resize(inputs: KernelInputs<'resize', CpuHandle>, attrs: KernelAttrs<'resize'>, st: CpuStorage): KernelOutput<'resize', CpuHandle> {
  const { x } = inputs;
  const xs = asFloat(x.handle, 'resize');
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , OH, OW] = attrs.outShape as [number, number, number, number];
  const y = st.float32(sizeOf(attrs.outShape));
  const th = resizeTaps(attrs.mode, attrs.alignCorners, H, OH);
  const tw = resizeTaps(attrs.mode, attrs.alignCorners, W, OW);
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
      const a0 = th.w0[oh]!,
        a1 = th.w1[oh]!;
      for (let ow = 0; ow < OW; ow++, o++) {
        const c0 = tw.i0[ow]!,
          c1 = tw.i1[ow]!,
          b0 = tw.w0[ow]!,
          b1 = tw.w1[ow]!;
        y[o] = a0 * (b0 * xs[r0 + c0]! + b1 * xs[r0 + c1]!) + a1 * (b0 * xs[r1 + c0]! + b1 * xs[r1 + c1]!);
      }
    }
  }
  return y;
}
