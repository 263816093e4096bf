/** `convTranspose2d` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convBackwardData, geometry } from '../conv.js';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/**
 * Transposed convolution, weight `[inC, outC/groups, kH, kW]`: exactly the input gradient of
 * the conv2d that maps the output `[N, outC, OH, OW]` back to `x` `[N, inC, H, W]` with this
 * weight read as `[inC (its outC), outC/groups (its inC/groups), kH, kW]`. `outputPadding` only
 * enlarges `outShape`; the extra border receives no taps beyond what col2im scatters there.
 */
export function convTranspose2d(
  inputs: KernelInputs<'convTranspose2d', CpuHandle>,
  attrs: KernelAttrs<'convTranspose2d'>,
  st: CpuStorage,
): KernelOutput<'convTranspose2d', CpuHandle> {
  const { x, w } = inputs;
  const y = st.float32(sizeOf(attrs.outShape));
  // Forward-direction geometry of the adjoint conv: input = our output, output = our input.
  const g = geometry(attrs.outShape, w.shape, x.shape, attrs);
  convBackwardData(asFloat(x.handle, 'convTranspose2d'), asFloat(w.handle, 'convTranspose2d'), y, g);
  return y;
}
