/** `gather` kernel (index_select) on tfjs's `GatherV2`. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** `y = index_select(x, axis, indices)`; indices are 1-D int32 and in range (core checks). */
export function gather(inputs: KernelInputs<'gather', WebglHandle>, attrs: KernelAttrs<'gather'>, st: WebglStorage): KernelOutput<'gather', WebglHandle> {
  const { x, indices } = inputs;
  return produce(st, x.dtype, () => tf.reshape(tf.gather(dense(x), dense(indices), attrs.axis), [...attrs.outShape]));
}
