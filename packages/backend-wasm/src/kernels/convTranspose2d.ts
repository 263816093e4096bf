/** `convTranspose2d` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { convolveBackwardInput } from './convolve.js';

/**
 * Transposed convolution, weight `[inC, outC/groups, kH, kW]`: the input gradient of the conv2d
 * mapping our output `[N, outC, OH, OW]` to our input, with this weight read as that conv's
 * `[its outC, its inC/groups, kH, kW]`. Output padding only enlarges the output (zero there).
 */
export function convTranspose2d({ x, w }: In<'convTranspose2d'>, attrs: Attrs<'convTranspose2d'>, rt: Runtime): Out<'convTranspose2d'> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  convolveBackwardInput(rt, x.handle, w.handle, y, attrs.outShape, w.shape, x.shape, attrs);
  return y;
}
