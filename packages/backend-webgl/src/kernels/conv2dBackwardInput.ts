/** `conv2dBackwardInput` kernel (optional). */
import { convBackpropInput } from '../convolve.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** Gradient of conv2d with respect to its input: tfjs's Conv2DBackpropInput (NCHW) or the grouped program. */
export function conv2dBackwardInput(inputs: In<'conv2dBackwardInput'>, attrs: Attrs<'conv2dBackwardInput'>, st: Storage): Out<'conv2dBackwardInput'> {
  return produce(st, 'float32', () => convBackpropInput(dense(inputs.dy), dense(inputs.w), attrs, attrs.inShape));
}
