/** `argReduce` kernel: argmax / argmin along one axis, on tfjs's `ArgMax` / `ArgMin`. */
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** Index of the max (min) along `axis`, int32, first index on ties. */
export function argReduce(inputs: In<'argReduce'>, attrs: Attrs<'argReduce'>, st: Storage): Out<'argReduce'> {
  const { x } = inputs;
  return produce(st, 'int32', () => {
    const t = x.dtype === 'int32' ? tf.cast(dense(x), 'float32') : dense(x);
    return attrs.op === 'argmax' ? tf.argMax(t, attrs.axis) : tf.argMin(t, attrs.axis);
  });
}
