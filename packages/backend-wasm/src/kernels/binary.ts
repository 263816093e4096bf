/** `binary` kernel: SIMD for dense same-shape float32 arithmetic, TypeScript for the rest. */
import type { BinaryOp, KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { baseOf, isDense, numel, plan, stridesFor } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { EW_PARAMS, ROW_PARAMS, writeParams } from './params.js';

const COMPARE = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
/** Ops the WebAssembly `binaryDense` kernel implements (same-shape dense operands), by op code. */
const DENSE_OPS: Partial<Record<BinaryOp, number>> = { add: 2, mul: 3, sub: 4, div: 5 };
/** Ops the WebAssembly `binaryRows` kernel implements (any strides, broadcasting), by op code. */
const ROW_OPS: Partial<Record<BinaryOp, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
  eq: 6,
  ne: 7,
  lt: 8,
  le: 9,
  gt: 10,
  ge: 11,
};
/** Below this many elements the TypeScript loop is as fast as a call into wasm. */
const SIMD_MIN = 256;

type Arr = Float32Array | Int32Array;

/** `pow` with C's special cases (`pow(1, NaN) = 1`, `pow(-1, ±∞) = 1`). */
function powC(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

/** One row: `y[o + k] = A[ia + k·sa] op B[ib + k·sb]` for k < n. */
function row(op: BinaryOp, A: Arr, ia: number, sa: number, B: Arr, ib: number, sb: number, y: Arr, o: number, n: number): void {
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
      throw new Error(`wasm binary: unknown op '${String(op)}'`);
  }
}

/** `y = a op b` over `outShape` (inputs already broadcast by stride-0 views); comparisons give int32 0/1. */
export function binary({ a, b }: KernelInputs<'binary', WasmHandle>, { op, outShape }: KernelAttrs<'binary'>, rt: Runtime): KernelOutput<'binary', WasmHandle> {
  const n = numel(outShape);
  const y = rt.heap.allocUninit(n);
  if (n === 0) return y;
  const sa = stridesFor(a, outShape);
  const sb = stridesFor(b, outShape);
  const code = DENSE_OPS[op];
  if (code !== undefined && a.dtype === 'float32' && n >= SIMD_MIN && isDense(outShape, sa) && isDense(outShape, sb)) {
    writeParams(rt, EW_PARAMS, { a: a.handle + a.offset * 4, b: b.handle + b.offset * 4, c: 0, d: 0, y, n, op: code, flag: 0 });
    rt.call('binaryDense', n * 4);
    return y;
  }
  const h = rt.heap;
  const rowCode = ROW_OPS[op];
  if (rowCode !== undefined && a.dtype === 'float32' && n >= SIMD_MIN) {
    // Broadcasting SIMD in WebAssembly: row starts go to scratch memory as i32 element indices.
    const w = plan(outShape, [sa, sb], [baseOf(a), baseOf(b)]);
    const starts = h.allocRaw(w.rows * 8);
    try {
      h.refresh();
      h.i32.set(w.starts[0]!, starts >>> 2);
      h.i32.set(w.starts[1]!, (starts >>> 2) + w.rows);
      writeParams(rt, ROW_PARAMS, { aStarts: starts, bStarts: starts + w.rows * 4, y, rows: w.rows, len: w.len, sa: w.step[0]!, sb: w.step[1]!, op: rowCode });
      rt.call('binaryRows', n * 4);
    } finally {
      h.freeRaw(starts);
    }
    return y;
  }
  const src = a.dtype === 'int32' ? h.i32 : h.f32;
  const dst = COMPARE.has(op) || a.dtype === 'int32' ? h.i32 : h.f32;
  const w = plan(outShape, [sa, sb], [baseOf(a), baseOf(b)]);
  const ra = w.starts[0]!,
    rb = w.starts[1]!;
  for (let r = 0, o = y >>> 2; r < w.rows; r++, o += w.len) row(op, src, ra[r]!, w.step[0]!, src, rb[r]!, w.step[1]!, dst, o, w.len);
  return y;
}
