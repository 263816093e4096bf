/** `resizeBackward` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { taps } from './resize.js';

/** The adjoint of resize: each output gradient goes back through the same taps and weights. */
export function resizeBackward({ dy }: In<'resizeBackward'>, attrs: Attrs<'resizeBackward'>, rt: Runtime): Out<'resizeBackward'> {
  const [N, C, H, W] = attrs.inShape as [number, number, number, number];
  const [, , OH, OW] = dy.shape as [number, number, number, number];
  const dx = rt.heap.alloc(numel(attrs.inShape));
  const F = rt.heap.f32;
  const th = taps(attrs.mode, attrs.alignCorners, H, OH);
  const tw = taps(attrs.mode, attrs.alignCorners, W, OW);
  const db = dx >>> 2;
  let o = dy.handle >>> 2;
  for (let p = 0; p < N * C; p++) {
    const plane = db + p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = plane + th.i0[oh]! * W, r1 = plane + th.i1[oh]! * W;
      const a0 = th.w0[oh]!, a1 = th.w1[oh]!;
      for (let ow = 0; ow < OW; ow++) {
        const g = F[o++]!;
        const c0 = tw.i0[ow]!, c1 = tw.i1[ow]!, b0 = tw.w0[ow]!, b1 = tw.w1[ow]!;
        F[r0 + c0] += a0 * b0 * g;
        if (b1 !== 0) F[r0 + c1] += a0 * b1 * g;
        if (a1 !== 0) {
          F[r1 + c0] += a1 * b0 * g;
          if (b1 !== 0) F[r1 + c1] += a1 * b1 * g;
        }
      }
    }
  }
  return dx;
}
