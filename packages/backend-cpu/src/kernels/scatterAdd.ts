/** `scatterAdd` kernel (index_add into zeros), the gradient of gather. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asInt, prod, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** `y = zeros(outShape); y.index_add_(axis, indices, updates)`; repeated indices accumulate. */
export function scatterAdd(
  inputs: KernelInputs<'scatterAdd', CpuHandle>,
  attrs: KernelAttrs<'scatterAdd'>,
  st: CpuStorage,
): KernelOutput<'scatterAdd', CpuHandle> {
  const { updates, indices } = inputs;
  const { axis, outShape } = attrs;
  const idx = asInt(indices.handle, 'scatterAdd');
  const L = sizeOf(indices.shape);
  const y = st.alloc(updates.dtype, sizeOf(outShape));
  const outer = prod(outShape, 0, axis);
  const A = outShape[axis]!;
  const inner = prod(outShape, axis + 1, outShape.length);
  const u = updates.handle;
  for (let o = 0; o < outer; o++) {
    for (let l = 0; l < L; l++) {
      const dst = (o * A + idx[l]!) * inner;
      const src = (o * L + l) * inner;
      for (let i = 0; i < inner; i++) y[dst + i]! += u[src + i]!;
    }
  }
  return y;
}
