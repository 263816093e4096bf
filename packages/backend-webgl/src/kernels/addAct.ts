/** `addAct` kernel (optional): the fused residual merge. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../context.js';
import { AddActProgram } from '../programs/addAct.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** `act(a + b)` on dense float tensors of one shape, in one custom program (tfjs would need two kernels). */
export function addAct(inputs: KernelInputs<'addAct', WebglHandle>, attrs: KernelAttrs<'addAct'>, st: WebglStorage): KernelOutput<'addAct', WebglHandle> {
  const { a, b } = inputs;
  return produce(st, 'float32', () => {
    const shape = a.shape.length === 0 ? [1] : [...a.shape];
    const y = runProgram(new AddActProgram(shape, attrs.activation), [tf.reshape(dense(a), shape), tf.reshape(dense(b), shape)], 'float32');
    return tf.reshape(y, [...a.shape]);
  });
}
