/** `concat` kernel on tfjs's `Concat`. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Joins dense tensors along `axis`. */
export function concat(inputs: KernelInputs<'concat', WebglHandle>, attrs: KernelAttrs<'concat'>, st: WebglStorage): KernelOutput<'concat', WebglHandle> {
  const { xs } = inputs;
  if (xs.length === 0) throw new Error('webgl concat: no inputs');
  return produce(st, xs[0]!.dtype, () => {
    const parts = xs.filter((x) => x.shape[attrs.axis] !== 0).map(dense);
    if (parts.length === 0) return tf.zeros([...attrs.outShape], xs[0]!.dtype);
    return parts.length === 1 ? tf.clone(parts[0]!) : tf.concat(parts, attrs.axis);
  });
}
