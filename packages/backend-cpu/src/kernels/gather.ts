/** `gather` kernel (index_select). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asInt, prod, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { copyRun } from '../strided.js';

/** `y = index_select(x, axis, indices)`: with x as `[outer, A, inner]`, each pick copies one run of `inner`. */
export function gather(inputs: KernelInputs<'gather', CpuHandle>, attrs: KernelAttrs<'gather'>, st: CpuStorage): KernelOutput<'gather', CpuHandle> {
  const { x, indices } = inputs;
  const { axis, outShape } = attrs;
  const idx = asInt(indices.handle, 'gather');
  const L = sizeOf(indices.shape);
  const y = st.alloc(x.dtype, sizeOf(outShape));
  const outer = prod(x.shape, 0, axis);
  const A = x.shape[axis]!;
  const inner = prod(x.shape, axis + 1, x.shape.length);
  const xh = x.handle;
  if (inner === 1) {
    for (let o = 0, k = 0; o < outer; o++) for (let l = 0; l < L; l++, k++) y[k] = xh[o * A + idx[l]!]!;
    return y;
  }
  for (let o = 0; o < outer; o++) {
    for (let l = 0; l < L; l++) copyRun(xh, (o * A + idx[l]!) * inner, y, (o * L + l) * inner, inner);
  }
  return y;
}
