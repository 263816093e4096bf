/** `gather` kernel (index_select) on tfjs's `GatherV2`. */
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** `y = index_select(x, axis, indices)`; indices are 1-D int32 and in range (core checks). */
export function gather(inputs: In<'gather'>, attrs: Attrs<'gather'>, st: Storage): Out<'gather'> {
  const { x, indices } = inputs;
  return produce(st, x.dtype, () => tf.reshape(tf.gather(dense(x), dense(indices), attrs.axis), [...attrs.outShape]));
}
