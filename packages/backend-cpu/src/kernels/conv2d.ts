/** `conv2d` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convForward, geometry } from '../conv.js';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** NCHW convolution, weight `[outC, inC/groups, kH, kW]`, no bias; im2col + GEMM (see conv.ts). */
export function conv2d(inputs: KernelInputs<'conv2d', CpuHandle>, attrs: KernelAttrs<'conv2d'>, st: CpuStorage): KernelOutput<'conv2d', CpuHandle> {
  const { x, w } = inputs;
  const y = st.float32(sizeOf(attrs.outShape));
  convForward(asFloat(x.handle, 'conv2d'), asFloat(w.handle, 'conv2d'), y, geometry(x.shape, w.shape, attrs.outShape, attrs));
  return y;
}
