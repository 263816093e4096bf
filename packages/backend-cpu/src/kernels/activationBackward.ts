/** `activationBackward` kernel (optional): an activation's gradient from its output, in one pass. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** `dy·[y > 0]` (relu), `dy·y·(1 − y)` (sigmoid) or `dy·(1 − y²)` (tanh). */
export function activationBackward(
  { dy, y }: KernelInputs<'activationBackward', CpuHandle>,
  { activation }: KernelAttrs<'activationBackward'>,
  st: CpuStorage,
): KernelOutput<'activationBackward', CpuHandle> {
  const n = sizeOf(y.shape);
  const G = dy.handle,
    Y = y.handle;
  const dx = st.alloc('float32', n);
  switch (activation) {
    case 'relu':
      for (let i = 0; i < n; i++) dx[i] = Y[i]! > 0 ? G[i]! : 0;
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dx[i] = G[i]! * Y[i]! * (1 - Y[i]!);
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) dx[i] = G[i]! * (1 - Y[i]! * Y[i]!);
      break;
  }
  return dx;
}
