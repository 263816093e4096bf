/** `conv2dBackwardWeight` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { convolveBackwardWeight } from './convolve.js';

/** Gradient of conv2d with respect to its weight, in WebAssembly (see `convolveBackwardWeight`). */
export function conv2dBackwardWeight(
  { x, dy }: KernelInputs<'conv2dBackwardWeight', WasmHandle>,
  attrs: KernelAttrs<'conv2dBackwardWeight'>,
  rt: Runtime,
): KernelOutput<'conv2dBackwardWeight', WasmHandle> {
  const dw = rt.heap.allocUninit(numel(attrs.wShape));
  convolveBackwardWeight(rt, x.handle, dy.handle, dw, x.shape, attrs.wShape, dy.shape, attrs);
  return dw;
}
