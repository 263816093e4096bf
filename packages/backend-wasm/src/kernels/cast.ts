/** `cast` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { gather, numel } from '../strided.js';

/** Converts a view to `dtype` (float → int32 truncates toward zero, NaN → 0). */
export function cast({ x }: In<'cast'>, { dtype }: Attrs<'cast'>, rt: Runtime): Out<'cast'> {
  const y = rt.heap.allocUninit(numel(x.shape));
  const h = rt.heap;
  gather(x.dtype === 'int32' ? h.i32 : h.f32, x, x.shape, dtype === 'int32' ? h.i32 : h.f32, y >>> 2);
  return y;
}
