/** `scatterAdd` kernel (index_add into zeros), the gradient of gather. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../context.js';
import { ScatterAddProgram } from '../programs/scatter.js';
import { produce } from '../run.js';
import { prod, sizeOf } from '../shape.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** `y = zeros(outShape); y.index_add_(axis, indices, updates)`; repeated indices accumulate (custom program). */
export function scatterAdd(
  inputs: KernelInputs<'scatterAdd', WebglHandle>,
  attrs: KernelAttrs<'scatterAdd'>,
  st: WebglStorage,
): KernelOutput<'scatterAdd', WebglHandle> {
  const { updates, indices } = inputs;
  const { axis, outShape } = attrs;
  const outer = prod(outShape, 0, axis);
  const A = outShape[axis]!;
  const inner = prod(outShape, axis + 1, outShape.length);
  const L = sizeOf(indices.shape);
  return produce(st, updates.dtype, () => {
    if (L === 0 || sizeOf(outShape) === 0) return tf.zeros([...outShape], updates.dtype);
    const u = tf.reshape(dense(updates), [outer, L, inner]);
    const y = runProgram(new ScatterAddProgram(outer, A, inner, L), [u, tf.reshape(dense(indices), [L])], updates.dtype);
    return tf.reshape(y, [...outShape]);
  });
}
