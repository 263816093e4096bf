/** `argReduce` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { span } from '../strided.js';
import type { WasmHandle } from '../types.js';

/**
 * Index of the max (min) along `axis`, int32, first index on ties; a NaN wins at its first
 * occurrence, as in torch. Viewed as `[outer, L, inner]`, walked in storage order.
 */
export function argReduce(
  { x }: KernelInputs<'argReduce', WasmHandle>,
  { op, axis }: KernelAttrs<'argReduce'>,
  rt: Runtime,
): KernelOutput<'argReduce', WasmHandle> {
  const shape = x.shape;
  const outer = span(shape, 0, axis);
  const L = shape[axis]!;
  const inner = span(shape, axis + 1, shape.length);
  const y = rt.heap.alloc(outer * inner);
  if (L === 0 || outer * inner === 0) return y;
  const X = x.dtype === 'int32' ? rt.heap.i32 : rt.heap.f32;
  const Y = rt.heap.i32;
  const xb = x.handle >>> 2,
    yb = y >>> 2;
  const max = op === 'argmax';
  const best = new Float64Array(inner);
  const done = new Uint8Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = xb + o * L * inner;
    for (let i = 0; i < inner; i++) {
      const v = X[base + i]!;
      best[i] = v;
      done[i] = v !== v ? 1 : 0;
    }
    for (let k = 1; k < L; k++) {
      const rowBase = base + k * inner;
      for (let i = 0; i < inner; i++) {
        if (done[i]) continue;
        const v = X[rowBase + i]!;
        if (v !== v) {
          done[i] = 1;
          Y[yb + o * inner + i] = k;
        } else if (max ? v > best[i]! : v < best[i]!) {
          best[i] = v;
          Y[yb + o * inner + i] = k;
        }
      }
    }
  }
  return y;
}
