/** `conv2dBackwardInput` kernel (optional). */
import { convBackwardData, geometry } from '../conv.js';
import { asFloat, sizeOf } from '../shape.js';
import type { Attrs, In, Out } from '../spec.js';
import type { CpuStorage } from '../storage.js';

/** Gradient of conv2d with respect to its input: GEMM with Wᵀ, then col2im. */
export function conv2dBackwardInput(inputs: In<'conv2dBackwardInput'>, attrs: Attrs<'conv2dBackwardInput'>, st: CpuStorage): Out<'conv2dBackwardInput'> {
  const { dy, w } = inputs;
  const dx = st.float32(sizeOf(attrs.inShape));
  convBackwardData(asFloat(dy.handle, 'conv2dBackwardInput'), asFloat(w.handle, 'conv2dBackwardInput'), dx, geometry(attrs.inShape, w.shape, dy.shape, attrs));
  return dx;
}
