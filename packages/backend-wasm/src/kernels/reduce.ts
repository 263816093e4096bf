/** `reduce` kernel (TypeScript, double accumulators). */
import type { KernelAttrs, KernelInputs, KernelOutput, ReduceOp } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { denseStrides, numel, plan } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { REDUCE_PARAMS, writeParams } from './params.js';

function init(op: ReduceOp): number {
  return op === 'max' ? -Infinity : op === 'min' ? Infinity : op === 'prod' ? 1 : 0;
}

type Arr = Float32Array | Int32Array;

/** Reductions the WebAssembly `reduceRows` kernel implements (float32), by op code. */
const SIMD_OPS: Partial<Record<ReduceOp, number>> = { sum: 0, mean: 0, max: 1, min: 2 };
/** Below this many elements the TypeScript loop is as fast as a call into wasm. */
const SIMD_MIN = 256;

/** The walk plan of a reduction: input rows, the accumulator each row folds into, its step. */
function walkOf(xh: number, shape: readonly number[], red: ReadonlySet<number>, outShape: readonly number[]) {
  const os = denseStrides(outShape);
  const accStrides: number[] = [];
  for (let i = 0, k = 0; i < shape.length; i++) accStrides.push(red.has(i) ? 0 : os[k++]!);
  return plan(shape, [denseStrides(shape), accStrides], [xh >>> 2, 0]);
}

/** float32 sum/mean/max/min in WebAssembly SIMD with float64 accumulators in scratch memory. */
function simdReduce(
  xh: number,
  shape: readonly number[],
  red: ReadonlySet<number>,
  outShape: readonly number[],
  m: number,
  count: number,
  op: ReduceOp,
  code: number,
  y: number,
  rt: Runtime,
): number {
  const w = walkOf(xh, shape, red, outShape);
  const h = rt.heap;
  const acc = h.allocRaw(m * 8);
  const starts = h.allocRaw(w.rows * 8);
  try {
    h.refresh();
    new Float64Array(h.memory.buffer, acc, m).fill(init(op));
    h.i32.set(w.starts[0]!, starts >>> 2);
    h.i32.set(w.starts[1]!, (starts >>> 2) + w.rows);
    writeParams(rt, REDUCE_PARAMS, { xStarts: starts, accStarts: starts + w.rows * 4, acc, rows: w.rows, len: w.len, accStep: w.step[1]!, op: code });
    rt.call('reduceRows', 0);
    const a = new Float64Array(h.memory.buffer, acc, m);
    const Y = h.f32;
    const yb = y >>> 2;
    if (op === 'mean') for (let i = 0; i < m; i++) Y[yb + i] = a[i]! / count;
    else for (let i = 0; i < m; i++) Y[yb + i] = a[i]!;
  } finally {
    h.freeRaw(starts);
    h.freeRaw(acc);
  }
  return y;
}

/**
 * Reduces a dense tensor over `axes`. The input is walked once in storage order with an
 * accumulator index that has stride 0 along reduced axes: a row whose accumulator stride is 0
 * folds into one accumulator, any other row folds elementwise into a row of accumulators.
 * NaN propagates through max/min, as in torch; int32 products wrap.
 */
export function reduce({ x }: KernelInputs<'reduce', WasmHandle>, { op, axes }: KernelAttrs<'reduce'>, rt: Runtime): KernelOutput<'reduce', WasmHandle> {
  const shape = x.shape;
  const red = new Set(axes);
  const outShape = shape.filter((_, i) => !red.has(i));
  const m = numel(outShape);
  const y = rt.heap.allocUninit(m);
  if (m === 0) return y;
  let count = 1;
  for (const a of axes) count *= shape[a]!;
  const isInt = x.dtype === 'int32';
  const code = SIMD_OPS[op];
  if (!isInt && code !== undefined && numel(shape) >= SIMD_MIN) return simdReduce(x.handle, shape, red, outShape, m, count, op, code, y, rt);
  const acc = new Float64Array(m).fill(init(op));
  const X: Arr = isInt ? rt.heap.i32 : rt.heap.f32;
  if (numel(shape) > 0) {
    const w = walkOf(x.handle, shape, red, outShape);
    const xs = w.starts[0]!,
      as = w.starts[1]!;
    const sa = w.step[1]!;
    const len = w.len;
    for (let r = 0; r < w.rows; r++) {
      let xi = xs[r]!;
      const end = xi + len;
      let ai = as[r]!;
      if (sa === 0) {
        let v = acc[ai]!;
        switch (op) {
          case 'sum':
          case 'mean':
            for (; xi < end; xi++) v += X[xi]!;
            break;
          case 'prod':
            if (isInt) for (; xi < end; xi++) v = Math.imul(v, X[xi]!);
            else for (; xi < end; xi++) v *= X[xi]!;
            break;
          case 'max':
            for (; xi < end; xi++) {
              const e = X[xi]!;
              if (e > v || e !== e) v = e;
            }
            break;
          case 'min':
            for (; xi < end; xi++) {
              const e = X[xi]!;
              if (e < v || e !== e) v = e;
            }
            break;
        }
        acc[ai] = v;
        continue;
      }
      switch (op) {
        case 'sum':
        case 'mean':
          for (; xi < end; xi++, ai += sa) acc[ai]! += X[xi]!;
          break;
        case 'prod':
          if (isInt) for (; xi < end; xi++, ai += sa) acc[ai] = Math.imul(acc[ai]!, X[xi]!);
          else for (; xi < end; xi++, ai += sa) acc[ai]! *= X[xi]!;
          break;
        case 'max':
          for (; xi < end; xi++, ai += sa) {
            const e = X[xi]!,
              v = acc[ai]!;
            if (e > v || e !== e) acc[ai] = e;
          }
          break;
        case 'min':
          for (; xi < end; xi++, ai += sa) {
            const e = X[xi]!,
              v = acc[ai]!;
            if (e < v || e !== e) acc[ai] = e;
          }
          break;
      }
    }
  }
  const Y: Arr = isInt ? rt.heap.i32 : rt.heap.f32;
  const yb = y >>> 2;
  if (op === 'mean') for (let i = 0; i < m; i++) Y[yb + i] = acc[i]! / count;
  else for (let i = 0; i < m; i++) Y[yb + i] = acc[i]!;
  return y;
}
