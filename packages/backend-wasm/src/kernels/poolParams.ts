/** The parameter block shared by the WebAssembly pooling kernels. */
import type { Pool2dGeometry } from '@skipnet/core';
import type { Runtime } from '../runtime.js';

/**
 * Writes a pooling kernel's parameter block: pointers (input or its gradient, output or its
 * gradient, argmax indices), the NCHW input and output sizes, the window geometry and the
 * divisor mode. Returns the work estimate for the threading decision.
 */
export function poolParams(
  rt: Runtime, x: number, y: number, idx: number,
  inShape: readonly number[], outShape: readonly number[], geo: Pool2dGeometry, includePad = false,
): number {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const [, , OH, OW] = outShape as [number, number, number, number];
  rt.setSlots(0, [
    x, y, idx, N * C, H, W, OH, OW,
    geo.kernel[0], geo.kernel[1], geo.stride[0], geo.stride[1], geo.padding[0], geo.padding[1], includePad ? 1 : 0,
  ]);
  return N * C * OH * OW * geo.kernel[0] * geo.kernel[1] * 2;
}
