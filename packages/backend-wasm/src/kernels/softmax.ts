/** `softmax` kernel (optional). */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';

/** Softmax over the last axis: subtract the row max, exponentiate, normalise (double sums). */
export function softmax({ x }: In<'softmax'>, _attrs: Attrs<'softmax'>, rt: Runtime): Out<'softmax'> {
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
    for (let i = o; i < o + L; i++) {
      const e = Math.exp(F[xb + i]! - m);
      F[yb + i] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let i = o; i < o + L; i++) F[yb + i] *= inv;
  }
  return y;
}
