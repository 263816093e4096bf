/** `argReduce` kernel: argmax / argmin along one axis, on tfjs's `ArgMax` / `ArgMin`. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Index of the max (min) along `axis`, int32, first index on ties. */
export function argReduce(
  inputs: KernelInputs<'argReduce', WebglHandle>,
  attrs: KernelAttrs<'argReduce'>,
  st: WebglStorage,
): KernelOutput<'argReduce', WebglHandle> {
  const { x } = inputs;
  return produce(st, 'int32', () => {
    const t = x.dtype === 'int32' ? tf.cast(dense(x), 'float32') : dense(x);
    return attrs.op === 'argmax' ? tf.argMax(t, attrs.axis) : tf.argMin(t, attrs.axis);
  });
}
