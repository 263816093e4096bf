/** `concat` kernel on tfjs's `Concat`. */
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** Joins dense tensors along `axis`. */
export function concat(inputs: In<'concat'>, attrs: Attrs<'concat'>, st: Storage): Out<'concat'> {
  const { xs } = inputs;
  if (xs.length === 0) throw new Error('webgl concat: no inputs');
  return produce(st, xs[0]!.dtype, () => {
    const parts = xs.filter((x) => x.shape[attrs.axis] !== 0).map(dense);
    if (parts.length === 0) return tf.zeros([...attrs.outShape], xs[0]!.dtype);
    return parts.length === 1 ? tf.clone(parts[0]!) : tf.concat(parts, attrs.axis);
  });
}
