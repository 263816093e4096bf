/** `binary` kernel: elementwise arithmetic and comparisons with broadcasting. */
import type { BinaryOp, KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { broadcastStrides, coalesce, rowStarts } from '../strided.js';

const COMPARE = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** `pow` with C's special cases (`pow(1, NaN) = 1`, `pow(-1, ±∞) = 1`) that `Math.pow` lacks. */
function powC(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

/**
 * `y[o..o+n) = A[ia + k·sa] op B[ib + k·sb]`. One loop per op; int32 multiplication wraps
 * through `Math.imul` (a double product would lose bits before the wrap).
 */
function run(op: BinaryOp, A: CpuHandle, ia: number, sa: number, B: CpuHandle, ib: number, sb: number, y: CpuHandle, o: number, n: number): void {
  const end = o + n;
  switch (op) {
    case 'add':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! + B[ib]!;
      return;
    case 'sub':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! - B[ib]!;
      return;
    case 'mul':
      if (y instanceof Int32Array) for (; o < end; o++, ia += sa, ib += sb) y[o] = Math.imul(A[ia]!, B[ib]!);
      else for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! * B[ib]!;
      return;
    case 'div':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! / B[ib]!;
      return;
    case 'pow':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = powC(A[ia]!, B[ib]!);
      return;
    case 'maximum':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = Math.max(A[ia]!, B[ib]!);
      return;
    case 'minimum':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = Math.min(A[ia]!, B[ib]!);
      return;
    case 'eq':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! === B[ib]! ? 1 : 0;
      return;
    case 'ne':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! !== B[ib]! ? 1 : 0;
      return;
    case 'lt':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! < B[ib]! ? 1 : 0;
      return;
    case 'le':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! <= B[ib]! ? 1 : 0;
      return;
    case 'gt':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! > B[ib]! ? 1 : 0;
      return;
    case 'ge':
      for (; o < end; o++, ia += sa, ib += sb) y[o] = A[ia]! >= B[ib]! ? 1 : 0;
      return;
    default:
      throw new Error(`cpu binary: unknown op '${String(op)}'`);
  }
}

/** `y = a op b` over `outShape` (inputs already broadcast by stride-0 views); comparisons give int32 0/1. */
export function binary(inputs: KernelInputs<'binary', CpuHandle>, attrs: KernelAttrs<'binary'>, st: CpuStorage): KernelOutput<'binary', CpuHandle> {
  const { a, b } = inputs;
  const { op, outShape } = attrs;
  const n = sizeOf(outShape);
  const y = st.alloc(COMPARE.has(op) ? 'int32' : a.dtype, n);
  if (n === 0) return y;
  const c = coalesce(outShape, [broadcastStrides(a, outShape), broadcastStrides(b, outShape)]);
  const last = c.shape.length - 1;
  const len = c.shape[last]!;
  const sa = c.strides[0]![last]!;
  const sb = c.strides[1]![last]!;
  if (last === 0) {
    run(op, a.handle, a.offset, sa, b.handle, b.offset, sb, y, 0, n);
    return y;
  }
  const ra = rowStarts(c.shape, c.strides[0]!, a.offset);
  const rb = rowStarts(c.shape, c.strides[1]!, b.offset);
  for (let r = 0, o = 0; r < ra.length; r++, o += len) run(op, a.handle, ra[r]!, sa, b.handle, rb[r]!, sb, y, o, len);
  return y;
}
