/** `convTranspose2d` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convBackpropInput } from '../convolve.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/**
 * Transposed convolution, weight `[inC, outC/groups, kH, kW]`: exactly conv2d's input gradient
 * with x as the output gradient and `outShape` (which carries `outputPadding`) as the input shape.
 */
export function convTranspose2d(
  inputs: KernelInputs<'convTranspose2d', WebglHandle>,
  attrs: KernelAttrs<'convTranspose2d'>,
  st: WebglStorage,
): KernelOutput<'convTranspose2d', WebglHandle> {
  return produce(st, 'float32', () => convBackpropInput(dense(inputs.x), dense(inputs.w), attrs, attrs.outShape));
}
