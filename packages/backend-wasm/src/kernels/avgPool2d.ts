/** `avgPool2d` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';

/**
 * PyTorch's divisor for the window starting at `(h0, w0)`: with `countIncludePad` the window
 * clipped to the padded input, otherwise the window clipped to the input itself.
 */
export function divisor(h0: number, w0: number, kh: number, kw: number, H: number, W: number, ph: number, pw: number, includePad: boolean): number {
  if (includePad) return (Math.min(h0 + kh, H + ph) - h0) * (Math.min(w0 + kw, W + pw) - w0);
  return (Math.min(h0 + kh, H) - Math.max(h0, 0)) * (Math.min(w0 + kw, W) - Math.max(w0, 0));
}

/** Average pooling over NCHW planes (double sums). */
export function avgPool2d({ x }: In<'avgPool2d'>, attrs: Attrs<'avgPool2d'>, rt: Runtime): Out<'avgPool2d'> {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , OH, OW] = attrs.outShape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  const X = rt.heap.f32;
  const xb = x.handle >>> 2;
  let o = y >>> 2;
  for (let p = 0; p < N * C; p++) {
    const plane = xb + p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const hs = Math.max(h0, 0), he = Math.min(h0 + kh, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pw;
        const ws = Math.max(w0, 0), we = Math.min(w0 + kw, W);
        let s = 0;
        for (let hh = hs; hh < he; hh++) for (let ww = ws, r = plane + hh * W; ww < we; ww++) s += X[r + ww]!;
        X[o++] = s / divisor(h0, w0, kh, kw, H, W, ph, pw, attrs.countIncludePad);
      }
    }
  }
  return y;
}
