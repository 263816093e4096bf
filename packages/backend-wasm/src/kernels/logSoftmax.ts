/** `logSoftmax` kernel (optional). */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';

/** Log-softmax over the last axis: `x − max − log Σ exp(x − max)`. */
export function logSoftmax({ x }: In<'logSoftmax'>, _attrs: Attrs<'logSoftmax'>, rt: Runtime): Out<'logSoftmax'> {
  const n = numel(x.shape);
  const y = rt.heap.allocUninit(n);
  const L = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  if (n === 0 || L === 0) return y;
  const F = rt.heap.f32;
  const xb = x.handle >>> 2, yb = y >>> 2;
  for (let o = 0; o < n; o += L) {
    let m = -Infinity;
    for (let i = o; i < o + L; i++) if (F[xb + i]! > m) m = F[xb + i]!;
    let s = 0;
    for (let i = o; i < o + L; i++) s += Math.exp(F[xb + i]! - m);
    const lse = m + Math.log(s);
    for (let i = o; i < o + L; i++) F[yb + i] = F[xb + i]! - lse;
  }
  return y;
}
