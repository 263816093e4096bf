/**
 * Helpers for the cpu backend's unit tests (excluded from the build): a seeded generator,
 * tensor constructors over a shared backend, and a float64-tolerant comparison.
 * @internal
 */
import { expect } from 'vitest';
import type { DType, Dense, View } from '@skipnet/core';
import { createCpuBackend } from './index.js';
import type { CpuHandle } from './storage.js';

/** One backend for a test file. */
export const be = createCpuBackend();
/** Its kernel table. */
export const k = be.kernels;

/** Mulberry32: small, seeded, good enough for test data. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` float32 values uniform in `[lo, hi)`. */
export function randArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/** `n` int32 values uniform in `[lo, hi)`. */
export function randInts(n: number, seed: number, lo: number, hi: number): Int32Array {
  const r = rng(seed);
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor((hi - lo) * r());
  return a;
}

/** Number of elements. */
export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
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
  return { ...d, strides: strides(d.shape), offset: 0 };
}

/** Element at a multi-index of a strided view, read straight from its storage. */
export function at(v: View<CpuHandle>, idx: readonly number[]): number {
  let o = v.offset;
  for (let i = 0; i < idx.length; i++) o += idx[i]! * v.strides[i]!;
  return v.handle[o]!;
}

/** Calls `f` for every multi-index of `shape` in row-major order. */
export function forEachIndex(shape: readonly number[], f: (idx: number[], flat: number) => void): void {
  const n = size(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/** Asserts `|a - e| ≤ atol + rtol·|e|` elementwise (NaN must match NaN), reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) {
        worst = i;
        worstExcess = Infinity;
      }
      continue;
    }
    if (a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess || (excess > 0 && worst < 0)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${actual[worst]} but expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
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
