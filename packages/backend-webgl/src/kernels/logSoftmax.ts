/** `logSoftmax` kernel (optional) on tfjs's `LogSoftmax` composite (max, exp, sum, log kernels). */
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** Log-softmax over the last axis: `x - max - log Σ exp(x - max)`. */
export function logSoftmax(inputs: In<'logSoftmax'>, _attrs: Attrs<'logSoftmax'>, st: Storage): Out<'logSoftmax'> {
  const { x } = inputs;
  return produce(st, 'float32', () => (x.shape.length === 0 ? tf.zerosLike(dense(x)) : tf.logSoftmax(dense(x), -1)));
}
