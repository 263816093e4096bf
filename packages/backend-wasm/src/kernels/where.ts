/** `where` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { baseOf, numel, plan, stridesFor } from '../strided.js';
import type { WasmHandle } from '../types.js';

/** `y = cond ≠ 0 ? a : b` over `outShape`; y has a's dtype. */
export function where({ cond, a, b }: KernelInputs<'where', WasmHandle>, { outShape }: KernelAttrs<'where'>, rt: Runtime): KernelOutput<'where', WasmHandle> {
  const n = numel(outShape);
  const y = rt.heap.allocUninit(n);
  if (n === 0) return y;
  const h = rt.heap;
  const C = h.i32;
  const V = a.dtype === 'int32' ? h.i32 : h.f32;
  const w = plan(outShape, [stridesFor(cond, outShape), stridesFor(a, outShape), stridesFor(b, outShape)], [baseOf(cond), baseOf(a), baseOf(b)]);
  const [rc, ra, rb] = w.starts as [Int32Array, Int32Array, Int32Array];
  const [sc, sa, sb] = w.step as [number, number, number];
  let o = y >>> 2;
  for (let r = 0; r < w.rows; r++) {
    let ic = rc[r]!,
      ia = ra[r]!,
      ib = rb[r]!;
    for (let k = 0; k < w.len; k++, ic += sc, ia += sa, ib += sb) V[o++] = C[ic]! !== 0 ? V[ia]! : V[ib]!;
  }
  return y;
}
