/** `where` kernel: elementwise select. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { broadcastStrides, coalesce, rowStarts } from '../strided.js';

/** `y = cond ≠ 0 ? a : b` over `outShape`; y has a's dtype. */
export function where(inputs: KernelInputs<'where', CpuHandle>, attrs: KernelAttrs<'where'>, st: CpuStorage): KernelOutput<'where', CpuHandle> {
  const { cond, a, b } = inputs;
  const { outShape } = attrs;
  const n = sizeOf(outShape);
  const y = st.alloc(a.dtype, n);
  if (n === 0) return y;
  const c = coalesce(outShape, [broadcastStrides(cond, outShape), broadcastStrides(a, outShape), broadcastStrides(b, outShape)]);
  const last = c.shape.length - 1;
  const len = c.shape[last]!;
  const sc = c.strides[0]![last]!,
    sa = c.strides[1]![last]!,
    sb = c.strides[2]![last]!;
  const rc = rowStarts(c.shape, c.strides[0]!, cond.offset);
  const ra = rowStarts(c.shape, c.strides[1]!, a.offset);
  const rb = rowStarts(c.shape, c.strides[2]!, b.offset);
  const C = cond.handle,
    A = a.handle,
    B = b.handle;
  for (let r = 0, o = 0; r < rc.length; r++) {
    let ic = rc[r]!,
      ia = ra[r]!,
      ib = rb[r]!;
    for (let k = 0; k < len; k++, o++, ic += sc, ia += sa, ib += sb) y[o] = C[ic]! !== 0 ? A[ia]! : B[ib]!;
  }
  return y;
}
