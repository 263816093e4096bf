/** `avgPool2dBackward` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { divisor } from './avgPool2d.js';

/** The adjoint of avgPool2d: each `dy / divisor` is added to every in-bounds cell of its window. */
export function avgPool2dBackward({ dy }: In<'avgPool2dBackward'>, attrs: Attrs<'avgPool2dBackward'>, rt: Runtime): Out<'avgPool2dBackward'> {
  const [N, C, H, W] = attrs.inShape as [number, number, number, number];
  const [, , OH, OW] = dy.shape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const dx = rt.heap.alloc(numel(attrs.inShape));
  const F = rt.heap.f32;
  let o = dy.handle >>> 2;
  const db = dx >>> 2;
  for (let p = 0; p < N * C; p++) {
    const plane = db + p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const hs = Math.max(h0, 0), he = Math.min(h0 + kh, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pw;
        const ws = Math.max(w0, 0), we = Math.min(w0 + kw, W);
        const v = F[o++]! / divisor(h0, w0, kh, kw, H, W, ph, pw, attrs.countIncludePad);
        for (let hh = hs; hh < he; hh++) for (let ww = ws, r = plane + hh * W; ww < we; ww++) F[r + ww] += v;
      }
    }
  }
  return dx;
}
