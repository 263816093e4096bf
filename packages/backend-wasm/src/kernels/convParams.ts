/** The parameter block shared by the WebAssembly convolution kernels. */
import type { Conv2dGeometry } from '@skipnet/core';
import type { Runtime } from '../runtime.js';

/**
 * Writes a convolution's parameter block: pointers `p0..p2`, the forward-direction geometry
 * (input `xShape`, output `outShape`, kernel from `wShape`), bias pointer and activation code.
 * Returns the forward flop count (for the threading decision).
 */
export function convParams(
  rt: Runtime, p0: number, p1: number, p2: number,
  xShape: readonly number[], wShape: readonly number[], outShape: readonly number[],
  geo: Conv2dGeometry, bias = 0, act = 0,
): number {
  if (xShape.length !== 4 || wShape.length !== 4 || outShape.length !== 4) {
    throw new Error(`wasm conv: 4-D input, weight and output expected, got [${xShape.join(',')}], [${wShape.join(',')}], [${outShape.join(',')}]`);
  }
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [, OC, OH, OW] = outShape as [number, number, number, number];
  const [, , kh, kw] = wShape as [number, number, number, number];
  rt.setSlots(0, [
    p0, p1, p2, N, C, H, W, OC, OH, OW, kh, kw,
    geo.stride[0], geo.stride[1], geo.padding[0], geo.padding[1], geo.dilation[0], geo.dilation[1], geo.groups,
    bias, act, rt.scratch, rt.scratchStride,
  ]);
  return 2 * N * OC * OH * OW * (C / geo.groups) * kh * kw;
}
