/** `matmul` kernel: batched matrix product on tfjs's `BatchMatMul` (packed textures). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** `[B, M, K] · [B, K, N] → [B, M, N]` with optional transposes and batch-1 broadcasting on either side. */
export function matmul(inputs: KernelInputs<'matmul', WebglHandle>, attrs: KernelAttrs<'matmul'>, st: WebglStorage): KernelOutput<'matmul', WebglHandle> {
  const { a, b } = inputs;
  if (a.shape.length !== 3 || b.shape.length !== 3) {
    throw new Error(`webgl matmul: 3-D operands expected, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
  }
  return produce(st, a.dtype, () => {
    const isInt = a.dtype === 'int32';
    const ta = isInt ? tf.cast(dense(a), 'float32') : dense(a);
    const tb = isInt ? tf.cast(dense(b), 'float32') : dense(b);
    return tf.matMul(ta, tb, attrs.transposeA, attrs.transposeB);
  });
}
