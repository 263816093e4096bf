/** Small shape helpers used by every kernel. */
import type { DType } from '@skipnet/core';
import type { CpuHandle } from './storage.js';

// Element counts and row-major strides are core's, so every backend agrees with it.
export { sizeOf, stridesOf } from '@skipnet/core';

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
