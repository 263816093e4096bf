/** `contiguous` kernel: materialises a strided view. */
import { sizeOf } from '../shape.js';
import type { Attrs, In, Out } from '../spec.js';
import type { CpuStorage } from '../storage.js';
import { copyStrided } from '../strided.js';

/** Copies a strided view (any strides, offset, stride-0 broadcast) into fresh dense storage. */
export function contiguous(inputs: In<'contiguous'>, _attrs: Attrs<'contiguous'>, st: CpuStorage): Out<'contiguous'> {
  const { x } = inputs;
  const y = st.alloc(x.dtype, sizeOf(x.shape));
  copyStrided(x, x.shape, y, 0);
  return y;
}
