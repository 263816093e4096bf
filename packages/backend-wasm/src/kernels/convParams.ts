/** The parameter block shared by the WebAssembly convolution kernels. */
import type { Conv2dGeometry } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { CONV_PARAMS, writeParams } from './params.js';

/**
 * Writes a convolution's parameter block (`CONV_PARAMS`): the pointers `input`, `operand` and
 * `output` (which tensor each is depends on the kernel; see `ConvParams` in
 * assembly/conv_common.ts), the forward-direction geometry (input `xShape`, output `outShape`,
 * kernel from `wShape`), bias pointer and activation code. Returns the forward flop count (for
 * the threading decision).
 */
export function convParams(
  rt: Runtime,
  input: number,
  operand: number,
  output: number,
  xShape: readonly number[],
  wShape: readonly number[],
  outShape: readonly number[],
  geo: Conv2dGeometry,
  bias = 0,
  act = 0,
): number {
  if (xShape.length !== 4 || wShape.length !== 4 || outShape.length !== 4) {
    throw new Error(`wasm conv: 4-D input, weight and output expected, got [${xShape.join(',')}], [${wShape.join(',')}], [${outShape.join(',')}]`);
  }
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [, OC, OH, OW] = outShape as [number, number, number, number];
  const [, , kh, kw] = wShape as [number, number, number, number];
  writeParams(rt, CONV_PARAMS, {
    input,
    operand,
    output,
    N,
    C,
    H,
    W,
    OC,
    OH,
    OW,
    kh,
    kw,
    sh: geo.stride[0],
    sw: geo.stride[1],
    ph: geo.padding[0],
    pw: geo.padding[1],
    dh: geo.dilation[0],
    dw: geo.dilation[1],
    groups: geo.groups,
    bias,
    act,
    scratch: rt.scratch,
    scratchStride: rt.scratchStride,
  });
  return 2 * N * OC * OH * OW * (C / geo.groups) * kh * kw;
}
