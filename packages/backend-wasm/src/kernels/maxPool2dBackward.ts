/** `maxPool2dBackward` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';

/** Adds each `dy` into the input cell recorded in `indices` (overlapping windows accumulate). */
export function maxPool2dBackward({ dy, indices }: In<'maxPool2dBackward'>, { inShape }: Attrs<'maxPool2dBackward'>, rt: Runtime): Out<'maxPool2dBackward'> {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const dx = rt.heap.alloc(numel(inShape));
  const planes = N * C;
  const per = planes > 0 ? numel(dy.shape) / planes : 0;
  const G = rt.heap.f32, I = rt.heap.i32, D = rt.heap.f32;
  const gb = dy.handle >>> 2, ib = indices.handle >>> 2, db = dx >>> 2;
  for (let p = 0; p < planes; p++) {
    const plane = db + p * H * W;
    for (let o = p * per, end = o + per; o < end; o++) D[plane + I[ib + o]!] += G[gb + o]!;
  }
  return dx;
}
