/** `conv2d` kernel, in WebAssembly (see `convolve` for how each convolution runs). */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { convolve } from './convolve.js';

/** NCHW convolution, weight `[outC, inC/groups, kH, kW]`, on every thread. */
export function conv2d({ x, w }: In<'conv2d'>, attrs: Attrs<'conv2d'>, rt: Runtime): Out<'conv2d'> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  convolve(rt, x.handle, w.handle, y, x.shape, w.shape, attrs.outShape, attrs);
  return y;
}
