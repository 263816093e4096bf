/** `assign` kernel: in-place update. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { gather, numel } from '../strided.js';

/**
 * Writes `source` (broadcast to the target's shape) into the dense target. A source reading the
 * target's own storage is staged through scratch first, so overlapping reads see old values.
 */
export function assign({ target, source }: In<'assign'>, _attrs: Attrs<'assign'>, rt: Runtime): Out<'assign'> {
  const n = numel(target.shape);
  if (n === 0) return;
  const h = rt.heap;
  const src = source.dtype === 'int32' ? h.i32 : h.f32;
  const dst = target.dtype === 'int32' ? h.i32 : h.f32;
  if (source.handle !== target.handle) {
    gather(src, source, target.shape, dst, target.handle >>> 2);
    return;
  }
  const tmp = h.allocRaw(n * 4);
  try {
    h.refresh();
    gather(src, source, target.shape, src, tmp >>> 2);
    const s = h.u8;
    s.copyWithin(target.handle, tmp, tmp + n * 4);
  } finally {
    h.freeRaw(tmp);
  }
}
