/** Batch normalisation kernels (optional) on tfjs kernels, over `[N, C, S]` views of the input. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce, produceAll } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** `x` as `[N, C, S]` (S: the product of the trailing dims). */
function planes(x: tf.Tensor): tf.Tensor3D {
  const [n = 1, c = 1] = x.shape;
  return tf.reshape(x, [n, c, n * c === 0 ? 0 : x.size / (n * c)]);
}

/** A `[C]` tensor as `[1, C, 1]`, to broadcast over planes. */
const perChannel = (t: tf.Tensor): tf.Tensor => tf.reshape(t, [1, -1, 1]);

/** Per-channel mean and biased variance (tfjs `moments`: mean, then mean squared deviation). */
export function batchNormStats(
  inputs: KernelInputs<'batchNormStats', WebglHandle>,
  _attrs: KernelAttrs<'batchNormStats'>,
  st: WebglStorage,
): KernelOutput<'batchNormStats', WebglHandle> {
  const [mean, variance] = produceAll(st, 'float32', () => {
    const m = tf.moments(planes(dense(inputs.x)), [0, 2]);
    return [m.mean, m.variance];
  });
  return { mean: mean!, variance: variance! };
}

/** `y = (x − mean)·invstd·weight + bias` per channel. */
export function batchNorm(
  inputs: KernelInputs<'batchNorm', WebglHandle>,
  _attrs: KernelAttrs<'batchNorm'>,
  st: WebglStorage,
): KernelOutput<'batchNorm', WebglHandle> {
  const { x, mean, invstd, weight, bias } = inputs;
  return produce(st, 'float32', () => {
    const scale = weight ? tf.mul(dense(invstd), dense(weight)) : dense(invstd);
    let y = tf.mul(tf.sub(planes(dense(x)), perChannel(dense(mean))), perChannel(scale));
    if (bias) y = tf.add(y, perChannel(dense(bias)));
    return tf.reshape(y, [...x.shape]);
  });
}

/** dx, dweight and dbias (see core's `batchNormBackward` specification). */
export function batchNormBackward(
  inputs: KernelInputs<'batchNormBackward', WebglHandle>,
  { batchStats }: KernelAttrs<'batchNormBackward'>,
  st: WebglStorage,
): KernelOutput<'batchNormBackward', WebglHandle> {
  const { dy, x, mean, invstd, weight } = inputs;
  const [dx, dweight, dbias] = produceAll(st, 'float32', () => {
    const g = planes(dense(dy));
    const xmu = tf.sub(planes(dense(x)), perChannel(dense(mean)));
    const sg = tf.sum(g, [0, 2]);
    const sgx = tf.sum(tf.mul(g, xmu), [0, 2]);
    const is = dense(invstd);
    const scale = perChannel(weight ? tf.mul(is, dense(weight)) : is);
    let gx = g;
    if (batchStats) {
      // dy − (Σdy + (x − mean)·invstd²·Σdy(x − mean)) / M, all times weight·invstd.
      const corr = tf.div(tf.add(perChannel(sg), tf.mul(xmu, perChannel(tf.mul(tf.square(is), sgx)))), g.shape[0] * g.shape[2]);
      gx = tf.sub(g, corr);
    }
    return [tf.reshape(tf.mul(gx, scale), [...x.shape]), tf.mul(sgx, is), sg];
  });
  return { dx: dx!, dweight: dweight!, dbias: dbias! };
}
