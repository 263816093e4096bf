/** `avgPool2dBackward` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { poolDivisor } from './avgPool2d.js';

/** The adjoint of avgPool2d: each `dy / divisor` is added to every in-bounds cell of its window. */
export function avgPool2dBackward(
  inputs: KernelInputs<'avgPool2dBackward', CpuHandle>,
  attrs: KernelAttrs<'avgPool2dBackward'>,
  st: CpuStorage,
): KernelOutput<'avgPool2dBackward', CpuHandle> {
  const { dy } = inputs;
  const g = asFloat(dy.handle, 'avgPool2dBackward');
  const [N, C, H, W] = attrs.inShape as [number, number, number, number];
  const [, , OH, OW] = dy.shape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const dx = st.float32(sizeOf(attrs.inShape));
  const planes = N * C;
  for (let p = 0; p < planes; p++) {
    const xo = p * H * W;
    let o = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const hs = Math.max(h0, 0),
        he = Math.min(h0 + kh, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = ow * sw - pw;
        const ws = Math.max(w0, 0),
          we = Math.min(w0 + kw, W);
        const v = g[o]! / poolDivisor(h0, w0, kh, kw, H, W, ph, pw, attrs.countIncludePad);
        for (let h = hs; h < he; h++) {
          const row = xo + h * W;
          for (let w = ws; w < we; w++) dx[row + w]! += v;
        }
      }
    }
  }
  return dx;
}
