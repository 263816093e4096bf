/** `addAct` kernel (optional): the fused residual merge. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { activateInPlace } from '../math.js';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** `act(a + b)` on dense tensors of one shape; `none` and `relu` (the ResNet merge) run in a single pass. */
export function addAct(inputs: KernelInputs<'addAct', CpuHandle>, attrs: KernelAttrs<'addAct'>, st: CpuStorage): KernelOutput<'addAct', CpuHandle> {
  const { a, b } = inputs;
  const n = sizeOf(a.shape);
  const y = st.alloc(a.dtype, n);
  const A = a.handle,
    B = b.handle;
  if (attrs.activation === 'relu') {
    for (let i = 0; i < n; i++) {
      const s = A[i]! + B[i]!;
      y[i] = s < 0 ? 0 : s;
    }
    return y;
  }
  for (let i = 0; i < n; i++) y[i] = A[i]! + B[i]!;
  if (attrs.activation !== 'none') {
    if (!(y instanceof Float32Array)) throw new Error(`cpu addAct: activation '${attrs.activation}' needs float32 inputs`);
    activateInPlace(attrs.activation, y, 0, n);
  }
  return y;
}
