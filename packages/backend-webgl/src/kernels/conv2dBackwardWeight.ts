/** `conv2dBackwardWeight` kernel (optional). */
import { convBackpropFilter } from '../convolve.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** Gradient of conv2d with respect to its weight: tfjs's Conv2DBackpropFilter (NCHW) or the grouped program. */
export function conv2dBackwardWeight(inputs: In<'conv2dBackwardWeight'>, attrs: Attrs<'conv2dBackwardWeight'>, st: Storage): Out<'conv2dBackwardWeight'> {
  return produce(st, 'float32', () => convBackpropFilter(dense(inputs.x), dense(inputs.dy), attrs, attrs.wShape));
}
