/** Small shape helpers shared by the kernels and programs. */

// Element counts and row-major strides are core's, so every backend agrees with it.
export { sizeOf, stridesOf } from '@skipnet/core';

/** Product of `shape[from..to)`. */
export function prod(shape: readonly number[], from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/** A float literal for GLSL that reads back as exactly `Math.fround(v)` (9 significant digits round-trip float32). */
export function glslFloat(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return 'uintBitsToFloat(0x7fc00000u)';
  if (f === Infinity) return 'uintBitsToFloat(0x7f800000u)';
  if (f === -Infinity) return 'uintBitsToFloat(0xff800000u)';
  const s = f.toPrecision(9);
  return /[.e]/.test(s) ? s : `${s}.0`;
}
