/** `where` kernel: elementwise select, on tfjs's `Select` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { broadcastTo, compact } from '../view.js';

/** `y = cond ≠ 0 ? a : b` over `outShape`; y has a's dtype. */
export function where(inputs: KernelInputs<'where', WebglHandle>, attrs: KernelAttrs<'where'>, st: WebglStorage): KernelOutput<'where', WebglHandle> {
  const { cond, a, b } = inputs;
  const { outShape } = attrs;
  return produce(st, a.dtype, () => {
    // tfjs's Select needs its condition at the full shape; the branches broadcast.
    const c = tf.cast(broadcastTo(cond, outShape), 'bool');
    return tf.where(c, tf.broadcastTo(compact(a, outShape), [...outShape]), tf.broadcastTo(compact(b, outShape), [...outShape]));
  });
}
