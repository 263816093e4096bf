/** `gather` kernel (index_select). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel, span } from '../strided.js';
import type { WasmHandle } from '../types.js';

/** `y = index_select(x, axis, indices)`: with x as `[outer, A, inner]`, each pick copies a run of `inner`. */
export function gather(
  { x, indices }: KernelInputs<'gather', WasmHandle>,
  { axis, outShape }: KernelAttrs<'gather'>,
  rt: Runtime,
): KernelOutput<'gather', WasmHandle> {
  const y = rt.heap.allocUninit(numel(outShape));
  const L = numel(indices.shape);
  const outer = span(x.shape, 0, axis);
  const A = x.shape[axis]!;
  const inner = span(x.shape, axis + 1, x.shape.length);
  const V = x.dtype === 'int32' ? rt.heap.i32 : rt.heap.f32;
  const I = rt.heap.i32;
  const xb = x.handle >>> 2,
    ib = indices.handle >>> 2;
  let o = y >>> 2;
  for (let q = 0; q < outer; q++) {
    for (let l = 0; l < L; l++, o += inner) {
      const s = xb + (q * A + I[ib + l]!) * inner;
      if (inner === 1) V[o] = V[s]!;
      else V.copyWithin(o, s, s + inner);
    }
  }
  return y;
}
