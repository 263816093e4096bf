/** `contiguous` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { gather, numel } from '../strided.js';

/** Copies a strided view (any strides and offset, stride-0 broadcast) into fresh dense storage. */
export function contiguous({ x }: In<'contiguous'>, _attrs: Attrs<'contiguous'>, rt: Runtime): Out<'contiguous'> {
  const y = rt.heap.allocUninit(numel(x.shape));
  const arr = x.dtype === 'int32' ? rt.heap.i32 : rt.heap.f32;
  gather(arr, x, x.shape, arr, y >>> 2);
  return y;
}
