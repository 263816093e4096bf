/** `conv2dBackwardInput` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convBackpropInput } from '../convolve.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Gradient of conv2d with respect to its input: tfjs's Conv2DBackpropInput (NCHW) or the grouped program. */
export function conv2dBackwardInput(
  inputs: KernelInputs<'conv2dBackwardInput', WebglHandle>,
  attrs: KernelAttrs<'conv2dBackwardInput'>,
  st: WebglStorage,
): KernelOutput<'conv2dBackwardInput', WebglHandle> {
  return produce(st, 'float32', () => convBackpropInput(dense(inputs.dy), dense(inputs.w), attrs, attrs.inShape));
}
