/** `reduce` kernel: sum / mean / max / min / prod over a set of axes. */
import type { KernelAttrs, KernelInputs, KernelOutput, ReduceOp } from '@skipnet/core';
import { sizeOf, stridesOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { coalesce, rowStarts } from '../strided.js';

function initial(op: ReduceOp): number {
  switch (op) {
    case 'max':
      return -Infinity;
    case 'min':
      return Infinity;
    case 'prod':
      return 1;
    default:
      return 0;
  }
}

/** Folds `n` elements `x[xi + k]` into the scalar `acc` (last axis reduced). */
function foldRow(op: ReduceOp, x: CpuHandle, xi: number, n: number, acc: number, intProd: boolean): number {
  const end = xi + n;
  switch (op) {
    case 'sum':
    case 'mean':
      for (; xi < end; xi++) acc += x[xi]!;
      return acc;
    case 'prod':
      if (intProd) for (; xi < end; xi++) acc = Math.imul(acc, x[xi]!);
      else for (; xi < end; xi++) acc *= x[xi]!;
      return acc;
    case 'max':
      // NaN wins and then sticks, as in torch.
      for (; xi < end; xi++) {
        const v = x[xi]!;
        if (v > acc || v !== v) acc = v;
      }
      return acc;
    case 'min':
      for (; xi < end; xi++) {
        const v = x[xi]!;
        if (v < acc || v !== v) acc = v;
      }
      return acc;
  }
}

/** Folds the run `x[xi + k]` elementwise into `acc[ai + k·sa]` (last axis kept). */
function foldVec(op: ReduceOp, x: CpuHandle, xi: number, n: number, acc: Float64Array, ai: number, sa: number, intProd: boolean): void {
  const end = xi + n;
  switch (op) {
    case 'sum':
    case 'mean':
      for (; xi < end; xi++, ai += sa) acc[ai]! += x[xi]!;
      return;
    case 'prod':
      if (intProd) for (; xi < end; xi++, ai += sa) acc[ai] = Math.imul(acc[ai]!, x[xi]!);
      else for (; xi < end; xi++, ai += sa) acc[ai]! *= x[xi]!;
      return;
    case 'max':
      for (; xi < end; xi++, ai += sa) {
        const v = x[xi]!;
        const a = acc[ai]!;
        if (v > a || v !== v) acc[ai] = v;
      }
      return;
    case 'min':
      for (; xi < end; xi++, ai += sa) {
        const v = x[xi]!;
        const a = acc[ai]!;
        if (v < a || v !== v) acc[ai] = v;
      }
      return;
  }
}

/**
 * Reduces a dense tensor over `axes`; the output drops those axes. The input is walked once in
 * storage order: each input row either folds into one accumulator (last axis reduced) or adds
 * elementwise into a row of accumulators (last axis kept), so both `sum(x, -1)` and
 * `sum(x, 0)` stream through memory. Accumulation is in double.
 */
export function reduce(inputs: KernelInputs<'reduce', CpuHandle>, attrs: KernelAttrs<'reduce'>, st: CpuStorage): KernelOutput<'reduce', CpuHandle> {
  const { x } = inputs;
  const { op, axes } = attrs;
  const shape = x.shape;
  const reduced = new Set(axes);
  const outShape = shape.filter((_, i) => !reduced.has(i));
  const m = sizeOf(outShape);
  const y = st.alloc(x.dtype, m);
  if (m === 0) return y;
  let count = 1;
  for (const a of axes) count *= shape[a]!;
  const acc = new Float64Array(m).fill(initial(op));
  const n = sizeOf(shape);
  const intProd = op === 'prod' && x.handle instanceof Int32Array;
  if (n > 0) {
    // Accumulator strides per input axis: 0 on reduced axes, the output's strides elsewhere.
    const os = stridesOf(outShape);
    const accStrides: number[] = [];
    for (let i = 0, k = 0; i < shape.length; i++) accStrides.push(reduced.has(i) ? 0 : os[k++]!);
    const c = coalesce(shape, [stridesOf(shape), accStrides]);
    const last = c.shape.length - 1;
    const len = c.shape[last]!;
    const sa = c.strides[1]![last]!;
    const ra = rowStarts(c.shape, c.strides[1]!, 0);
    const xh = x.handle;
    for (let r = 0, xi = 0; r < ra.length; r++, xi += len) {
      const ai = ra[r]!;
      if (sa === 0) acc[ai] = foldRow(op, xh, xi, len, acc[ai]!, intProd);
      else foldVec(op, xh, xi, len, acc, ai, sa, intProd);
    }
  }
  if (op === 'mean') for (let i = 0; i < m; i++) y[i] = acc[i]! / count;
  else for (let i = 0; i < m; i++) y[i] = acc[i]!;
  return y;
}
