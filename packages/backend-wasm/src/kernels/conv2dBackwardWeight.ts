/** `conv2dBackwardWeight` kernel (optional). */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { convolveBackwardWeight } from './convolve.js';

/** Gradient of conv2d with respect to its weight, in WebAssembly (see `convolveBackwardWeight`). */
export function conv2dBackwardWeight({ x, dy }: In<'conv2dBackwardWeight'>, attrs: Attrs<'conv2dBackwardWeight'>, rt: Runtime): Out<'conv2dBackwardWeight'> {
  const dw = rt.heap.allocUninit(numel(attrs.wShape));
  convolveBackwardWeight(rt, x.handle, dy.handle, dw, x.shape, attrs.wShape, dy.shape, attrs);
  return dw;
}
