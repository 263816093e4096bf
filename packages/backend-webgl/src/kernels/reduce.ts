/** `reduce` kernel: sum / mean / max / min / prod over axes, on tfjs's reduction kernels. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Reduces a dense tensor over `axes`; the output drops those axes and keeps x's dtype. */
export function reduce(inputs: KernelInputs<'reduce', WebglHandle>, attrs: KernelAttrs<'reduce'>, st: WebglStorage): KernelOutput<'reduce', WebglHandle> {
  const { x } = inputs;
  const { op, axes } = attrs;
  return produce(st, x.dtype, () => {
    const t = dense(x);
    if (axes.length === 0) return tf.clone(t);
    const ax = [...axes];
    switch (op) {
      case 'sum':
        return tf.sum(t, ax);
      case 'mean':
        return x.dtype === 'int32' ? tf.mean(tf.cast(t, 'float32'), ax) : tf.mean(t, ax);
      case 'max':
        return tf.max(t, ax);
      case 'min':
        return tf.min(t, ax);
      case 'prod':
        return tf.prod(t, ax);
      default:
        throw new Error(`webgl reduce: unknown op '${String(op)}'`);
    }
  });
}
