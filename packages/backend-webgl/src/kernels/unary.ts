/** `unary` kernel: elementwise math on a strided view, on tfjs's webgl kernels. */
import type { KernelAttrs, KernelInputs, KernelOutput, UnaryOp } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { materialize } from '../view.js';

const SQRT1_2 = Math.SQRT1_2;
const GELU_TANH_K = Math.sqrt(2 / Math.PI);

/** `op(x)` with tfjs ops (composites for gelu, geluTanh and silu, which tfjs lacks). */
export function applyUnary(op: UnaryOp, x: tf.Tensor, alpha: number): tf.Tensor {
  const isInt = x.dtype === 'int32';
  switch (op) {
    case 'neg':
      return tf.neg(x);
    case 'abs':
      return tf.abs(x);
    case 'sign':
      return tf.sign(x);
    case 'exp':
      return tf.exp(x);
    case 'log':
      return tf.log(x);
    case 'sqrt':
      return tf.sqrt(x);
    case 'rsqrt':
      return tf.rsqrt(x);
    case 'square':
      return tf.square(x);
    case 'reciprocal':
      return tf.reciprocal(x);
    case 'sin':
      return tf.sin(x);
    case 'cos':
      return tf.cos(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, alpha);
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));
    case 'geluTanh':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_TANH_K))));
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'erf':
      return tf.erf(x);
    case 'floor':
      return isInt ? tf.clone(x) : tf.floor(x);
    case 'ceil':
      return isInt ? tf.clone(x) : tf.ceil(x);
    case 'round':
      // tfjs rounds half to even, like torch.round.
      return isInt ? tf.clone(x) : tf.round(x);
    default:
      throw new Error(`webgl unary: unknown op '${String(op)}'`);
  }
}

/** `y = op(x)`: dense with x's shape and dtype. */
export function unary(inputs: KernelInputs<'unary', WebglHandle>, attrs: KernelAttrs<'unary'>, st: WebglStorage): KernelOutput<'unary', WebglHandle> {
  const { x } = inputs;
  return produce(st, x.dtype, () => applyUnary(attrs.op, materialize(x), attrs.alpha ?? 0.01));
}
