/** `avgPool2dBackward` kernel, in WebAssembly. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { poolParams } from './poolParams.js';

/** The adjoint of avgPool2d: each `dy / divisor` is added to every in-bounds cell of its window; threads split the planes. */
export function avgPool2dBackward({ dy }: In<'avgPool2dBackward'>, attrs: Attrs<'avgPool2dBackward'>, rt: Runtime): Out<'avgPool2dBackward'> {
  const dx = rt.heap.allocUninit(numel(attrs.inShape));
  rt.call('avgPoolBackward', poolParams(rt, dx, dy.handle, 0, attrs.inShape, dy.shape, attrs, attrs.countIncludePad));
  return dx;
}
