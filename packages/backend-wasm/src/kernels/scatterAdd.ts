/** `scatterAdd` kernel (index_add into zeros), the gradient of gather. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel, span } from '../strided.js';
import type { WasmHandle } from '../types.js';

/** `y = zeros(outShape); y.index_add_(axis, indices, updates)`; repeated indices accumulate. */
export function scatterAdd(
  { updates, indices }: KernelInputs<'scatterAdd', WasmHandle>,
  { axis, outShape }: KernelAttrs<'scatterAdd'>,
  rt: Runtime,
): KernelOutput<'scatterAdd', WasmHandle> {
  const y = rt.heap.alloc(numel(outShape));
  const L = numel(indices.shape);
  const outer = span(outShape, 0, axis);
  const A = outShape[axis]!;
  const inner = span(outShape, axis + 1, outShape.length);
  const V = updates.dtype === 'int32' ? rt.heap.i32 : rt.heap.f32;
  const I = rt.heap.i32;
  const ub = updates.handle >>> 2,
    ib = indices.handle >>> 2,
    yb = y >>> 2;
  for (let q = 0; q < outer; q++) {
    for (let l = 0; l < L; l++) {
      const d = yb + (q * A + I[ib + l]!) * inner;
      const s = ub + (q * L + l) * inner;
      for (let i = 0; i < inner; i++) V[d + i]! += V[s + i]!;
    }
  }
  return y;
}
