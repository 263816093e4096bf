/** Small shape helpers used by every kernel. */
import type { DType } from '@skipnet/core';
import type { CpuHandle } from './storage.js';

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Product of `shape[from..to)`. */
export function prod(shape: readonly number[], from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/** The dtype a typed array holds. */
export function dtypeOf(h: CpuHandle): DType {
  return h instanceof Int32Array ? 'int32' : 'float32';
}

/** Throws unless `h` is a float32 buffer (kernels that only make sense on floats). */
export function asFloat(h: CpuHandle, kernel: string): Float32Array {
  if (!(h instanceof Float32Array)) throw new Error(`cpu ${kernel}: float32 input expected, got int32`);
  return h;
}

/** Throws unless `h` is an int32 buffer (index inputs). */
export function asInt(h: CpuHandle, kernel: string): Int32Array {
  if (!(h instanceof Int32Array)) throw new Error(`cpu ${kernel}: int32 indices expected, got float32`);
  return h;
}
