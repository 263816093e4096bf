/** `conv2dBackwardInput` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convBackwardData, geometry } from '../conv.js';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** Gradient of conv2d with respect to its input: GEMM with Wᵀ, then col2im. */
export function conv2dBackwardInput(
  inputs: KernelInputs<'conv2dBackwardInput', CpuHandle>,
  attrs: KernelAttrs<'conv2dBackwardInput'>,
  st: CpuStorage,
): KernelOutput<'conv2dBackwardInput', CpuHandle> {
  const { dy, w } = inputs;
  const dx = st.float32(sizeOf(attrs.inShape));
  convBackwardData(asFloat(dy.handle, 'conv2dBackwardInput'), asFloat(w.handle, 'conv2dBackwardInput'), dx, geometry(attrs.inShape, w.shape, dy.shape, attrs));
  return dx;
}
