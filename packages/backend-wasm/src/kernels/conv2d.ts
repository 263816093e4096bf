/** `conv2d` kernel: im2col into packed panels + the SIMD GEMM, in WebAssembly. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { convParams } from './convParams.js';

/** NCHW convolution, weight `[outC, inC/groups, kH, kW]`; units of (image, group, pixel chunk) run on every thread. */
export function conv2d({ x, w }: In<'conv2d'>, attrs: Attrs<'conv2d'>, rt: Runtime): Out<'conv2d'> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  const flops = convParams(rt, x.handle, w.handle, y, x.shape, w.shape, attrs.outShape, attrs);
  rt.call('convForward', flops);
  return y;
}
