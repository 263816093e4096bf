/** `conv2dBackwardWeight` kernel (optional). */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { convParams } from './convParams.js';

/** Gradient of conv2d with respect to its weight: `Σ_n dy · colsᵀ` with transposed-im2col packing, in WebAssembly. */
export function conv2dBackwardWeight({ x, dy }: In<'conv2dBackwardWeight'>, attrs: Attrs<'conv2dBackwardWeight'>, rt: Runtime): Out<'conv2dBackwardWeight'> {
  const dw = rt.heap.allocUninit(numel(attrs.wShape));
  const flops = convParams(rt, x.handle, dy.handle, dw, x.shape, attrs.wShape, dy.shape, attrs);
  rt.call('convBackwardWeight', flops);
  return dw;
}
