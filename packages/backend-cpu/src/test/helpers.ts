/**
 * Helpers for the cpu backend's kernel tests (excluded from the build): one backend, tensor
 * constructors over it and strided reads. Data and comparisons come from `@skipnet/core/testing`.
 * @internal
 */
import { sizeOf, stridesOf, type DType, type Dense, type View } from '@skipnet/core';
import { randomArray } from '@skipnet/core/testing';
import { createCpuBackend } from '../index.js';
import type { CpuHandle } from '../storage.js';

/** One backend for a test file. */
export const be = createCpuBackend();
/** Its kernel table. */
export const k = be.kernels;

/** `n` int32 values uniform in `[lo, hi)`, from {@link randomArray}'s streams. */
export function randInts(n: number, lo: number, hi: number): Int32Array {
  // min: float32 rounding of a draw just below `hi` can land on it.
  return Int32Array.from(randomArray(n, lo, hi), (v) => Math.min(hi - 1, Math.floor(v)));
}

/** Uploads data as a dense tensor. */
export function dense(data: Float32Array | Int32Array, shape: readonly number[]): Dense<CpuHandle> {
  const dtype: DType = data instanceof Int32Array ? 'int32' : 'float32';
  return { handle: be.upload(data), shape, dtype };
}

/** A strided view over an uploaded buffer. */
export function view(data: Float32Array | Int32Array, shape: readonly number[], st: readonly number[], offset = 0): View<CpuHandle> {
  const dtype: DType = data instanceof Int32Array ? 'int32' : 'float32';
  return { handle: be.upload(data), shape, strides: st, offset, dtype };
}

/** The dense view of a dense tensor. */
export function asView(d: Dense<CpuHandle>): View<CpuHandle> {
  return { ...d, strides: stridesOf(d.shape), offset: 0 };
}

/** Element at a multi-index of a strided view, read straight from its storage. */
export function at(v: View<CpuHandle>, idx: readonly number[]): number {
  let o = v.offset;
  for (let i = 0; i < idx.length; i++) o += idx[i]! * v.strides[i]!;
  return v.handle[o]!;
}

/** Calls `f` for every multi-index of `shape` in row-major order. */
export function forEachIndex(shape: readonly number[], f: (idx: number[], flat: number) => void): void {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/** Reads a handle back synchronously as a float64 array (for comparisons). */
export function read(h: CpuHandle): Float64Array {
  return Float64Array.from(h);
}

/** Σ a·b in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
