/** `softmax` kernel (optional) on tfjs's `Softmax`. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Softmax over the last axis. */
export function softmax(inputs: KernelInputs<'softmax', WebglHandle>, _attrs: KernelAttrs<'softmax'>, st: WebglStorage): KernelOutput<'softmax', WebglHandle> {
  const { x } = inputs;
  return produce(st, 'float32', () => (x.shape.length === 0 ? tf.onesLike(dense(x)) : tf.softmax(dense(x), -1)));
}
