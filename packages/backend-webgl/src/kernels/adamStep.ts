/** `adamStep` kernel (optional): torch.optim.Adam / AdamW on tfjs elementwise kernels, in place. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { replace } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/**
 * As torch.optim.Adam (`decoupled` false: `g += wd·p`) or AdamW (`decoupled`: `p *= 1 - lr·wd`
 * first), `step` 1-based: `m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g²`,
 * `p -= (lr / (1-β1^step)) · m / (√v / √(1-β2^step) + eps)`.
 */
export function adamStep(
  inputs: KernelInputs<'adamStep', WebglHandle>,
  attrs: KernelAttrs<'adamStep'>,
  _st: WebglStorage,
): KernelOutput<'adamStep', WebglHandle> {
  const { param, grad, m, v } = inputs;
  const { lr, beta1, beta2, eps, weightDecay: wd, decoupled, step } = attrs;
  const stepSize = lr / (1 - Math.pow(beta1, step));
  const sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, step));
  const g = (): tf.Tensor => (!decoupled && wd ? tf.add(dense(grad), tf.mul(dense(param), wd)) : dense(grad));
  replace(m.handle, () => tf.add(tf.mul(dense(m), beta1), tf.mul(g(), 1 - beta1)));
  replace(v.handle, () => tf.add(tf.mul(dense(v), beta2), tf.mul(tf.square(g()), 1 - beta2)));
  replace(param.handle, () => {
    const p = decoupled && wd ? tf.mul(dense(param), 1 - lr * wd) : dense(param);
    const denom = tf.add(tf.div(tf.sqrt(dense(v)), sqrtBc2), eps);
    return tf.sub(p, tf.mul(tf.div(dense(m), denom), stepSize));
  });
}
