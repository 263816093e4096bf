/** `assign` kernel: in-place update. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { gather, numel } from '../strided.js';
import type { WasmHandle } from '../types.js';

/**
 * Writes `source` (broadcast to the target's shape) into the dense target. A source reading the
 * target's own storage is staged through scratch first, so overlapping reads see old values.
 */
export function assign({ target, source }: KernelInputs<'assign', WasmHandle>, _attrs: KernelAttrs<'assign'>, rt: Runtime): KernelOutput<'assign', WasmHandle> {
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
