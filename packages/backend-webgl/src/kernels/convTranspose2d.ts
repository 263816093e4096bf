/** `convTranspose2d` kernel. */
import { convBackpropInput } from '../convolve.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/**
 * Transposed convolution, weight `[inC, outC/groups, kH, kW]`: exactly conv2d's input gradient
 * with x as the output gradient and `outShape` (which carries `outputPadding`) as the input shape.
 */
export function convTranspose2d(inputs: In<'convTranspose2d'>, attrs: Attrs<'convTranspose2d'>, st: Storage): Out<'convTranspose2d'> {
  return produce(st, 'float32', () => convBackpropInput(dense(inputs.x), dense(inputs.w), attrs, attrs.outShape));
}
