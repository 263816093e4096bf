/** `conv2dBackwardWeight` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convBackwardFilter, geometry } from '../conv.js';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** Gradient of conv2d with respect to its weight: im2col, then `dy · colsᵀ` summed over images. */
export function conv2dBackwardWeight(
  inputs: KernelInputs<'conv2dBackwardWeight', CpuHandle>,
  attrs: KernelAttrs<'conv2dBackwardWeight'>,
  st: CpuStorage,
): KernelOutput<'conv2dBackwardWeight', CpuHandle> {
  const { x, dy } = inputs;
  const dw = st.float32(sizeOf(attrs.wShape));
  convBackwardFilter(
    asFloat(x.handle, 'conv2dBackwardWeight'),
    asFloat(dy.handle, 'conv2dBackwardWeight'),
    dw,
    geometry(x.shape, attrs.wShape, dy.shape, attrs),
  );
  return dw;
}
