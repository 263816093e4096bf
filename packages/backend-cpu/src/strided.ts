/**
 * Strided iteration. Elementwise kernels walk their (possibly broadcast, possibly transposed)
 * inputs row by row: dimensions are first coalesced so the innermost loop is as long as
 * possible, then the start offset of every row is computed once by an odometer, and the inner
 * loop advances by a constant stride. No per-element division or index arithmetic.
 */
import type { View } from '@skipnet/core';
import type { CpuHandle } from './storage.js';
import { sizeOf } from './shape.js';

/** Strides of `view` broadcast to `shape` (missing leading dims and size-1 dims get stride 0). */
export function broadcastStrides(view: View<CpuHandle>, shape: readonly number[]): number[] {
  const r = shape.length;
  const vr = view.shape.length;
  if (vr > r) throw new Error(`cpu: view of rank ${vr} cannot broadcast to rank ${r}`);
  const out = new Array<number>(r).fill(0);
  for (let i = 0; i < vr; i++) {
    const d = view.shape[i]!;
    const target = shape[r - vr + i]!;
    if (d === target) out[r - vr + i] = d === 1 ? 0 : view.strides[i]!;
    else if (d === 1) out[r - vr + i] = 0;
    else throw new Error(`cpu: view of shape [${view.shape.join(',')}] cannot broadcast to [${shape.join(',')}]`);
  }
  return out;
}

/** Whether a view's elements are consecutive in row-major order starting at its offset. */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** A shape with one stride list per operand, after {@link coalesce}. */
export interface Coalesced {
  /** The simplified iteration shape (at least one dimension). */
  readonly shape: number[];
  /** One stride list per operand, aligned with `shape`. */
  readonly strides: number[][];
}

/**
 * Simplifies an iteration space shared by several operands (the dense output is implicit and
 * always mergeable): drops size-1 dimensions and merges a dimension into the next one when
 * every operand steps through both as one. Always returns at least one dimension.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Coalesced {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    if (merge) {
      for (let k = 0; k < strides.length; k++) {
        if (outStrides[k]![last] !== strides[k]![d]! * n) {
          merge = false;
          break;
        }
      }
    }
    if (merge) {
      outShape[last] = outShape[last]! * n;
      for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      outShape.push(n);
      for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Start offset of every row (every index of all dimensions but the last) of one operand, in
 * row-major order. `shape` and `strides` are usually the result of {@link coalesce}.
 */
export function rowStarts(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const outer = shape.length - 1;
  let rows = 1;
  for (let d = 0; d < outer; d++) rows *= shape[d]!;
  const out = new Int32Array(rows);
  if (rows === 0) return out;
  const idx = new Int32Array(Math.max(outer, 1));
  let off = offset;
  for (let r = 0; r < rows; r++) {
    out[r] = off;
    for (let d = outer - 1; d >= 0; d--) {
      off += strides[d]!;
      if (++idx[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Copies `n` consecutive elements (converting between dtypes when the arrays differ). Long runs
 * go through `set(subarray)` (a memcpy); short ones through a loop, which avoids allocating a
 * subarray view per run.
 */
export function copyRun(src: CpuHandle, srcOff: number, dst: CpuHandle, dstOff: number, n: number): void {
  if (n >= 256) {
    dst.set(src.subarray(srcOff, srcOff + n), dstOff);
  } else {
    for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!;
  }
}

/**
 * Writes the elements of a strided view, broadcast to `shape`, densely into `dst` from `dstOff`
 * (row-major). Values convert on store, so this is also the cast kernel (float → int truncates).
 */
export function copyStrided(view: View<CpuHandle>, shape: readonly number[], dst: CpuHandle, dstOff: number): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const strides = broadcastStrides(view, shape);
  const src = view.handle;
  if (isContiguous(shape, strides)) {
    copyRun(src, view.offset, dst, dstOff, n);
    return;
  }
  const c = coalesce(shape, [strides]);
  const len = c.shape[c.shape.length - 1]!;
  const s = c.strides[0]![c.shape.length - 1]!;
  const rows = rowStarts(c.shape, c.strides[0]!, view.offset);
  let o = dstOff;
  for (let r = 0; r < rows.length; r++) {
    let i = rows[r]!;
    if (s === 1) {
      copyRun(src, i, dst, o, len);
      o += len;
    } else if (s === 0) {
      const v = src[i]!;
      for (let k = 0; k < len; k++) dst[o++] = v;
    } else {
      for (let k = 0; k < len; k++, i += s) dst[o++] = src[i]!;
    }
  }
}

/**
 * A view's elements as a contiguous run: the storage itself when it already is one, otherwise
 * a dense scratch copy. Returns the array and the offset of element 0.
 */
export function contiguousData(view: View<CpuHandle>, shape: readonly number[]): { data: CpuHandle; offset: number } {
  const strides = broadcastStrides(view, shape);
  if (isContiguous(shape, strides)) return { data: view.handle, offset: view.offset };
  const n = sizeOf(shape);
  const tmp = view.handle instanceof Int32Array ? new Int32Array(n) : new Float32Array(n);
  copyStrided(view, shape, tmp, 0);
  return { data: tmp, offset: 0 };
}
