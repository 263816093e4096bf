/** `unary` kernel: elementwise math on a strided view. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { applyUnary } from '../math.js';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { copyStrided, isContiguous } from '../strided.js';

/** `y = op(x)`, dense with x's shape and dtype. Contiguous input is read in place; otherwise it is gathered into `y` first and transformed there. */
export function unary(inputs: KernelInputs<'unary', CpuHandle>, attrs: KernelAttrs<'unary'>, st: CpuStorage): KernelOutput<'unary', CpuHandle> {
  const { x } = inputs;
  const n = sizeOf(x.shape);
  const y = st.alloc(x.dtype, n);
  if (n === 0) return y;
  const alpha = attrs.alpha ?? 0.01;
  if (isContiguous(x.shape, x.strides)) {
    applyUnary(attrs.op, x.handle, x.offset, y, n, alpha);
  } else {
    copyStrided(x, x.shape, y, 0);
    applyUnary(attrs.op, y, 0, y, n, alpha);
  }
  return y;
}
