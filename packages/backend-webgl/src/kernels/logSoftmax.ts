/** `logSoftmax` kernel (optional) on tfjs's `LogSoftmax` composite (max, exp, sum, log kernels). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Log-softmax over the last axis: `x - max - log Σ exp(x - max)`. */
export function logSoftmax(
  inputs: KernelInputs<'logSoftmax', WebglHandle>,
  _attrs: KernelAttrs<'logSoftmax'>,
  st: WebglStorage,
): KernelOutput<'logSoftmax', WebglHandle> {
  const { x } = inputs;
  return produce(st, 'float32', () => (x.shape.length === 0 ? tf.zerosLike(dense(x)) : tf.logSoftmax(dense(x), -1)));
}
