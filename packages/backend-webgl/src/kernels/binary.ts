/** `binary` kernel: elementwise arithmetic and comparisons with broadcasting, on tfjs's webgl kernels. */
import type { BinaryOp, KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { compact } from '../view.js';

const COMPARE = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** `a op b` with tfjs ops; int32 division truncates toward zero (tfjs would floor). */
export function applyBinary(op: BinaryOp, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  switch (op) {
    case 'add':
      return tf.add(a, b);
    case 'sub':
      return tf.sub(a, b);
    case 'mul':
      return tf.mul(a, b);
    case 'div':
      if (a.dtype === 'int32') return tf.cast(tf.div(tf.cast(a, 'float32'), tf.cast(b, 'float32')), 'int32');
      return tf.div(a, b);
    case 'pow':
      return tf.pow(a, b);
    case 'maximum':
      return tf.maximum(a, b);
    case 'minimum':
      return tf.minimum(a, b);
    case 'eq':
      return tf.equal(a, b);
    case 'ne':
      return tf.notEqual(a, b);
    case 'lt':
      return tf.less(a, b);
    case 'le':
      return tf.lessEqual(a, b);
    case 'gt':
      return tf.greater(a, b);
    case 'ge':
      return tf.greaterEqual(a, b);
    default:
      throw new Error(`webgl binary: unknown op '${String(op)}'`);
  }
}

/**
 * `y = a op b` over `outShape`. Broadcast (stride-0) axes are not materialised: they are handed
 * to tfjs as size-1 axes and broadcast inside its kernel. Comparisons give int32 0/1.
 */
export function binary(inputs: KernelInputs<'binary', WebglHandle>, attrs: KernelAttrs<'binary'>, st: WebglStorage): KernelOutput<'binary', WebglHandle> {
  const { a, b } = inputs;
  const { op, outShape } = attrs;
  return produce(st, COMPARE.has(op) ? 'int32' : a.dtype, () => {
    const y = applyBinary(op, compact(a, outShape), compact(b, outShape));
    return y.shape.length === outShape.length && y.shape.every((d, i) => d === outShape[i]) ? y : tf.broadcastTo(y, [...outShape]);
  });
}
