/** `resizeBackward` kernel, in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { runResize } from './resize.js';

/** The adjoint of resize: each output gradient goes back through the same taps and weights. */
export function resizeBackward(
  { dy }: KernelInputs<'resizeBackward', WasmHandle>,
  attrs: KernelAttrs<'resizeBackward'>,
  rt: Runtime,
): KernelOutput<'resizeBackward', WasmHandle> {
  const dx = rt.heap.allocUninit(numel(attrs.inShape));
  runResize('resizeBackward', rt, dx, dy.handle, attrs.inShape, dy.shape, attrs.mode, attrs.alignCorners);
  return dx;
}
