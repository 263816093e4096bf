/** `conv2d` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convForward } from '../convolve.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** NCHW convolution, OIHW weight, no bias: tfjs's Conv2D (NCHW) for groups 1, the grouped program otherwise. */
export function conv2d(inputs: KernelInputs<'conv2d', WebglHandle>, attrs: KernelAttrs<'conv2d'>, st: WebglStorage): KernelOutput<'conv2d', WebglHandle> {
  return produce(st, 'float32', () => convForward(dense(inputs.x), dense(inputs.w), attrs, attrs.outShape, null, 'none'));
}
