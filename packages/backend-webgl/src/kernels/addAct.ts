/** `addAct` kernel (optional): the fused residual merge. */
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../context.js';
import { AddActProgram } from '../programs/addAct.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** `act(a + b)` on dense float tensors of one shape, in one custom program (tfjs would need two kernels). */
export function addAct(inputs: In<'addAct'>, attrs: Attrs<'addAct'>, st: Storage): Out<'addAct'> {
  const { a, b } = inputs;
  return produce(st, 'float32', () => {
    const shape = a.shape.length === 0 ? [1] : [...a.shape];
    const y = runProgram(new AddActProgram(shape, attrs.activation), [tf.reshape(dense(a), shape), tf.reshape(dense(b), shape)], 'float32');
    return tf.reshape(y, [...a.shape]);
  });
}
