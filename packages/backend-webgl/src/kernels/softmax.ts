/** `softmax` kernel (optional) on tfjs's `Softmax`. */
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** Softmax over the last axis. */
export function softmax(inputs: In<'softmax'>, _attrs: Attrs<'softmax'>, st: Storage): Out<'softmax'> {
  const { x } = inputs;
  return produce(st, 'float32', () => (x.shape.length === 0 ? tf.onesLike(dense(x)) : tf.softmax(dense(x), -1)));
}
