/** `convTranspose2d` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { convolveBackwardInput } from './convolve.js';

/**
 * Transposed convolution, weight `[inC, outC/groups, kH, kW]`: the input gradient of the conv2d
 * mapping our output `[N, outC, OH, OW]` to our input, with this weight read as that conv's
 * `[its outC, its inC/groups, kH, kW]`. Output padding only enlarges the output (zero there).
 */
export function convTranspose2d(
  { x, w }: KernelInputs<'convTranspose2d', WasmHandle>,
  attrs: KernelAttrs<'convTranspose2d'>,
  rt: Runtime,
): KernelOutput<'convTranspose2d', WasmHandle> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  convolveBackwardInput(rt, x.handle, w.handle, y, attrs.outShape, w.shape, x.shape, attrs);
  return y;
}
