/** `conv2dBiasAct` kernel (optional): the fused conv + bias + activation. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { convForward } from '../convolve.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/**
 * `act(conv2d(x, w) + bias)`: tfjs's FusedConv2D (NCHW, bias and relu/sigmoid fused) for
 * groups 1, the grouped program (bias and every activation fused) otherwise.
 */
export function conv2dBiasAct(
  inputs: KernelInputs<'conv2dBiasAct', WebglHandle>,
  attrs: KernelAttrs<'conv2dBiasAct'>,
  st: WebglStorage,
): KernelOutput<'conv2dBiasAct', WebglHandle> {
  const { x, w, bias } = inputs;
  return produce(st, 'float32', () => convForward(dense(x), dense(w), attrs, attrs.outShape, bias ? dense(bias) : null, attrs.activation));
}
