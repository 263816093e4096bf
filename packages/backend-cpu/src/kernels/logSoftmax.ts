/** `logSoftmax` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** Log-softmax over the last axis: `x - max - log Σ exp(x - max)`, stable for large logits. */
export function logSoftmax(
  inputs: KernelInputs<'logSoftmax', CpuHandle>,
  _attrs: KernelAttrs<'logSoftmax'>,
  st: CpuStorage,
): KernelOutput<'logSoftmax', CpuHandle> {
  const { x } = inputs;
  const xs = asFloat(x.handle, 'logSoftmax');
  const n = sizeOf(x.shape);
  const y = st.float32(n);
  const L = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  if (n === 0 || L === 0) return y;
  for (let o = 0; o < n; o += L) {
    let m = -Infinity;
    for (let i = o; i < o + L; i++) if (xs[i]! > m) m = xs[i]!;
    let s = 0;
    for (let i = o; i < o + L; i++) s += Math.exp(xs[i]! - m);
    const lse = m + Math.log(s);
    for (let i = o; i < o + L; i++) y[i] = xs[i]! - lse;
  }
  return y;
}
