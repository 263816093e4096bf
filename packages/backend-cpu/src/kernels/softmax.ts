/** `softmax` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** Softmax over the last axis: subtract the row max, exponentiate, normalise (sums in double). */
export function softmax(inputs: KernelInputs<'softmax', CpuHandle>, _attrs: KernelAttrs<'softmax'>, st: CpuStorage): KernelOutput<'softmax', CpuHandle> {
  const { x } = inputs;
  const xs = asFloat(x.handle, 'softmax');
  const n = sizeOf(x.shape);
  const y = st.float32(n);
  const L = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  if (n === 0 || L === 0) return y;
  for (let o = 0; o < n; o += L) {
    let m = -Infinity;
    for (let i = o; i < o + L; i++) if (xs[i]! > m) m = xs[i]!;
    // An all -∞ row would give NaN from ∞-∞; torch gives NaN too, so no special case.
    let s = 0;
    for (let i = o; i < o + L; i++) {
      const e = Math.exp(xs[i]! - m);
      y[i] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let i = o; i < o + L; i++) y[i]! *= inv;
  }
  return y;
}
