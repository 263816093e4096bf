/** `conv2dBackwardInput` kernel (optional). */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { convolveBackwardInput } from './convolve.js';

/** Gradient of conv2d with respect to its input, in WebAssembly (see `convolveBackwardInput`). */
export function conv2dBackwardInput({ dy, w }: In<'conv2dBackwardInput'>, attrs: Attrs<'conv2dBackwardInput'>, rt: Runtime): Out<'conv2dBackwardInput'> {
  const dx = rt.heap.allocUninit(numel(attrs.inShape));
  convolveBackwardInput(rt, dy.handle, w.handle, dx, attrs.inShape, w.shape, dy.shape, attrs);
  return dx;
}
