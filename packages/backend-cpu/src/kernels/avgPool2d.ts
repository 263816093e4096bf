/** `avgPool2d` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/**
 * PyTorch's window divisor: with `countIncludePad` the window clipped to the *padded* input
 * (so cells past the padding never count), otherwise the window clipped to the input.
 */
export function poolDivisor(h0: number, w0: number, kh: number, kw: number, H: number, W: number, ph: number, pw: number, countIncludePad: boolean): number {
  if (countIncludePad) return (Math.min(h0 + kh, H + ph) - h0) * (Math.min(w0 + kw, W + pw) - w0);
  return (Math.min(h0 + kh, H) - Math.max(h0, 0)) * (Math.min(w0 + kw, W) - Math.max(w0, 0));
}

/** Average pooling over NCHW planes (sums in double, divides by {@link poolDivisor}). */
export function avgPool2d(inputs: KernelInputs<'avgPool2d', CpuHandle>, attrs: KernelAttrs<'avgPool2d'>, st: CpuStorage): KernelOutput<'avgPool2d', CpuHandle> {
  const { x } = inputs;
  const xs = asFloat(x.handle, 'avgPool2d');
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , OH, OW] = attrs.outShape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const out = st.float32(sizeOf(attrs.outShape));
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
        let s = 0;
        for (let h = hs; h < he; h++) {
          const row = xo + h * W;
          for (let w = ws; w < we; w++) s += xs[row + w]!;
        }
        out[o] = s / poolDivisor(h0, w0, kh, kw, H, W, ph, pw, attrs.countIncludePad);
      }
    }
  }
  return out;
}
