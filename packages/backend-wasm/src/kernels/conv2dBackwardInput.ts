/** `conv2dBackwardInput` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { convolveBackwardInput } from './convolve.js';

/** Gradient of conv2d with respect to its input, in WebAssembly (see `convolveBackwardInput`). */
export function conv2dBackwardInput(
  { dy, w }: KernelInputs<'conv2dBackwardInput', WasmHandle>,
  attrs: KernelAttrs<'conv2dBackwardInput'>,
  rt: Runtime,
): KernelOutput<'conv2dBackwardInput', WasmHandle> {
  const dx = rt.heap.allocUninit(numel(attrs.inShape));
  convolveBackwardInput(rt, dy.handle, w.handle, dx, attrs.inShape, w.shape, dy.shape, attrs);
  return dx;
}
