/** `conv2dBackwardWeight` kernel (optional). */
import { convBackwardFilter, geometry } from '../conv.js';
import { asFloat, sizeOf } from '../shape.js';
import type { Attrs, In, Out } from '../spec.js';
import type { CpuStorage } from '../storage.js';

/** Gradient of conv2d with respect to its weight: im2col, then `dy · colsᵀ` summed over images. */
export function conv2dBackwardWeight(inputs: In<'conv2dBackwardWeight'>, attrs: Attrs<'conv2dBackwardWeight'>, st: CpuStorage): Out<'conv2dBackwardWeight'> {
  const { x, dy } = inputs;
  const dw = st.float32(sizeOf(attrs.wShape));
  convBackwardFilter(asFloat(x.handle, 'conv2dBackwardWeight'), asFloat(dy.handle, 'conv2dBackwardWeight'), dw, geometry(x.shape, attrs.wShape, dy.shape, attrs));
  return dw;
}
