/** `conv2d` kernel. */
import { convForward, geometry } from '../conv.js';
import { asFloat, sizeOf } from '../shape.js';
import type { Attrs, In, Out } from '../spec.js';
import type { CpuStorage } from '../storage.js';

/** NCHW convolution, weight `[outC, inC/groups, kH, kW]`, no bias; im2col + GEMM (see conv.ts). */
export function conv2d(inputs: In<'conv2d'>, attrs: Attrs<'conv2d'>, st: CpuStorage): Out<'conv2d'> {
  const { x, w } = inputs;
  const y = st.float32(sizeOf(attrs.outShape));
  convForward(asFloat(x.handle, 'conv2d'), asFloat(w.handle, 'conv2d'), y, geometry(x.shape, w.shape, attrs.outShape, attrs));
  return y;
}
