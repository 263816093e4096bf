/** `contiguous` kernel: materialises a strided view. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { copyStrided } from '../strided.js';

/** Copies a strided view (any strides, offset, stride-0 broadcast) into fresh dense storage. */
export function contiguous(
  inputs: KernelInputs<'contiguous', CpuHandle>,
  _attrs: KernelAttrs<'contiguous'>,
  st: CpuStorage,
): KernelOutput<'contiguous', CpuHandle> {
  const { x } = inputs;
  const y = st.alloc(x.dtype, sizeOf(x.shape));
  copyStrided(x, x.shape, y, 0);
  return y;
}
