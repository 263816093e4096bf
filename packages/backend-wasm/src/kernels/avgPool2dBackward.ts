/** `avgPool2dBackward` kernel, in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { poolParams } from './poolParams.js';

/** The adjoint of avgPool2d: each `dy / divisor` is added to every in-bounds cell of its window; threads split the planes. */
export function avgPool2dBackward(
  { dy }: KernelInputs<'avgPool2dBackward', WasmHandle>,
  attrs: KernelAttrs<'avgPool2dBackward'>,
  rt: Runtime,
): KernelOutput<'avgPool2dBackward', WasmHandle> {
  const dx = rt.heap.allocUninit(numel(attrs.inShape));
  rt.call('avgPoolBackward', poolParams(rt, dx, dy.handle, 0, attrs.inShape, dy.shape, attrs, attrs.countIncludePad));
  return dx;
}
