/** `activationBackward` kernel (optional): an activation's gradient from its output, on tfjs kernels. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** `dy·[y > 0]` (relu), `dy·y·(1 − y)` (sigmoid) or `dy·(1 − y²)` (tanh). */
export function activationBackward(
  inputs: KernelInputs<'activationBackward', WebglHandle>,
  { activation }: KernelAttrs<'activationBackward'>,
  st: WebglStorage,
): KernelOutput<'activationBackward', WebglHandle> {
  const { dy, y } = inputs;
  return produce(st, 'float32', () => {
    const g = dense(dy),
      v = dense(y);
    switch (activation) {
      case 'relu':
        return tf.where(tf.greater(v, 0), g, tf.zerosLike(g));
      case 'sigmoid':
        return tf.mul(g, tf.mul(v, tf.sub(1, v)));
      case 'tanh':
        return tf.mul(g, tf.sub(1, tf.square(v)));
    }
  });
}
