/** `avgPool2d` kernel, in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { poolParams } from './poolParams.js';

/**
 * Average pooling over NCHW planes with torch's divisor (`countIncludePad`: the window clipped
 * to the padded input; otherwise to the input). 2×2 stride-2 windows run four outputs per SIMD
 * vector, others sum in float64; threads split the planes.
 */
export function avgPool2d({ x }: KernelInputs<'avgPool2d', WasmHandle>, attrs: KernelAttrs<'avgPool2d'>, rt: Runtime): KernelOutput<'avgPool2d', WasmHandle> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  rt.call('avgPool', poolParams(rt, x.handle, y, 0, x.shape, attrs.outShape, attrs, attrs.countIncludePad));
  return y;
}
