/** `conv2d` kernel. */
import { convForward } from '../convolve.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** NCHW convolution, OIHW weight, no bias: tfjs's Conv2D (NCHW) for groups 1, the grouped program otherwise. */
export function conv2d(inputs: In<'conv2d'>, attrs: Attrs<'conv2d'>, st: Storage): Out<'conv2d'> {
  return produce(st, 'float32', () => convForward(dense(inputs.x), dense(inputs.w), attrs, attrs.outShape, null, 'none'));
}
