/** `resizeBackward` kernel, in WebAssembly. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { runResize } from './resize.js';

/** The adjoint of resize: each output gradient goes back through the same taps and weights. */
export function resizeBackward({ dy }: In<'resizeBackward'>, attrs: Attrs<'resizeBackward'>, rt: Runtime): Out<'resizeBackward'> {
  const dx = rt.heap.allocUninit(numel(attrs.inShape));
  runResize('resizeBackward', rt, dx, dy.handle, attrs.inShape, dy.shape, attrs.mode, attrs.alignCorners);
  return dx;
}
