/** The parameter block shared by the WebAssembly pooling kernels. */
import type { Pool2dGeometry } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { POOL_PARAMS, writeParams } from './params.js';

/**
 * Writes a pooling kernel's parameter block: pointers (input or its gradient, output or its
 * gradient, argmax indices), the NCHW input and output sizes, the window geometry and the
 * divisor mode. Returns the work estimate for the threading decision.
 */
export function poolParams(
  rt: Runtime,
  x: number,
  y: number,
  idx: number,
  inShape: readonly number[],
  outShape: readonly number[],
  geo: Pool2dGeometry,
  includePad = false,
): number {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const [, , OH, OW] = outShape as [number, number, number, number];
  writeParams(rt, POOL_PARAMS, {
    x,
    y,
    idx,
    planes: N * C,
    H,
    W,
    OH,
    OW,
    kh: geo.kernel[0],
    kw: geo.kernel[1],
    sh: geo.stride[0],
    sw: geo.stride[1],
    ph: geo.padding[0],
    pw: geo.padding[1],
    includePad: includePad ? 1 : 0,
  });
  return N * C * OH * OW * geo.kernel[0] * geo.kernel[1] * 2;
}
