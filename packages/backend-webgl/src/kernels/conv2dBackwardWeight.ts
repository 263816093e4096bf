/** `conv2dBackwardWeight` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convBackpropFilter } from '../convolve.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Gradient of conv2d with respect to its weight: tfjs's Conv2DBackpropFilter (NCHW) or the grouped program. */
export function conv2dBackwardWeight(
  inputs: KernelInputs<'conv2dBackwardWeight', WebglHandle>,
  attrs: KernelAttrs<'conv2dBackwardWeight'>,
  st: WebglStorage,
): KernelOutput<'conv2dBackwardWeight', WebglHandle> {
  return produce(st, 'float32', () => convBackpropFilter(dense(inputs.x), dense(inputs.dy), attrs, attrs.wShape));
}
