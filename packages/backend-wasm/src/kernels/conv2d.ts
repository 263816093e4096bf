/** `conv2d` kernel: im2col into packed panels + the SIMD GEMM, in WebAssembly. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { convParams } from './convParams.js';

/** Whether a convolution is depthwise (one filter per channel), which runs as a direct kernel. */
export function isDepthwise(xShape: readonly number[], wShape: readonly number[], groups: number): boolean {
  return groups > 1 && xShape[1] === groups && wShape[0] === groups && wShape[1] === 1;
}

/**
 * NCHW convolution, weight `[outC, inC/groups, kH, kW]`: im2col + GEMM with units of (image,
 * group, pixel chunk) on every thread; depthwise convolutions run as a direct SIMD kernel.
 */
export function conv2d({ x, w }: In<'conv2d'>, attrs: Attrs<'conv2d'>, rt: Runtime): Out<'conv2d'> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  const flops = convParams(rt, x.handle, w.handle, y, x.shape, w.shape, attrs.outShape, attrs);
  rt.call(isDepthwise(x.shape, w.shape, attrs.groups) ? 'convDepthwise' : 'convForward', flops);
  return y;
}
