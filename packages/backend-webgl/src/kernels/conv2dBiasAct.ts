/** `conv2dBiasAct` kernel (optional): the fused conv + bias + activation. */
import { convForward } from '../convolve.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/**
 * `act(conv2d(x, w) + bias)`: tfjs's FusedConv2D (NCHW, bias and relu/sigmoid fused) for
 * groups 1, the grouped program (bias and every activation fused) otherwise.
 */
export function conv2dBiasAct(inputs: In<'conv2dBiasAct'>, attrs: Attrs<'conv2dBiasAct'>, st: Storage): Out<'conv2dBiasAct'> {
  const { x, w, bias } = inputs;
  return produce(st, 'float32', () => convForward(dense(x), dense(w), attrs, attrs.outShape, bias ? dense(bias) : null, attrs.activation));
}
