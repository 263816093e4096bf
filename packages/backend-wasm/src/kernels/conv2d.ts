/** `conv2d` kernel, in WebAssembly (see `convolve` for how each convolution runs). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { convolve } from './convolve.js';

/** NCHW convolution, weight `[outC, inC/groups, kH, kW]`, on every thread. */
export function conv2d({ x, w }: KernelInputs<'conv2d', WasmHandle>, attrs: KernelAttrs<'conv2d'>, rt: Runtime): KernelOutput<'conv2d', WasmHandle> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  convolve(rt, x.handle, w.handle, y, x.shape, w.shape, attrs.outShape, attrs);
  return y;
}
