/** `resizeBackward` kernel. */
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { resizeTaps, type KernelAttrs, type KernelInputs, type KernelOutput } from '@skipnet/core';

/** The exact adjoint of resize: every output gradient is scattered back through the same taps and weights. */
export function resizeBackward(
  inputs: KernelInputs<'resizeBackward', CpuHandle>,
  attrs: KernelAttrs<'resizeBackward'>,
  st: CpuStorage,
): KernelOutput<'resizeBackward', CpuHandle> {
  const { dy } = inputs;
  const g = asFloat(dy.handle, 'resizeBackward');
  const [N, C, H, W] = attrs.inShape as [number, number, number, number];
  const [, , OH, OW] = dy.shape as [number, number, number, number];
  const dx = st.float32(sizeOf(attrs.inShape));
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
        for (let ow = 0; ow < OW; ow++, o++) dx[r0 + tw.i0[ow]!]! += g[o]!;
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
        const v = g[o]!;
        dx[r0 + c0]! += a0 * b0 * v;
        dx[r0 + c1]! += a0 * b1 * v;
        dx[r1 + c0]! += a1 * b0 * v;
        dx[r1 + c1]! += a1 * b1 * v;
      }
    }
  }
  return dx;
}
