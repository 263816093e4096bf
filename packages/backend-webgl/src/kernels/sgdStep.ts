/** `sgdStep` kernel (optional): torch.optim.SGD's update on tfjs elementwise kernels, in place. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { replace } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/**
 * As torch.optim.SGD with dampening 0: `d = g + wd·p`; with momentum `v = firstStep ? d : momentum·v + d`
 * and `d = nesterov ? d + momentum·v : v`; then `p -= lr·d`. Param and velocity handles get new
 * tensors (tfjs tensors are immutable); views sharing them see the update.
 */
export function sgdStep(inputs: KernelInputs<'sgdStep', WebglHandle>, attrs: KernelAttrs<'sgdStep'>, _st: WebglStorage): KernelOutput<'sgdStep', WebglHandle> {
  const { param, grad, velocity } = inputs;
  const { lr, momentum, weightDecay: wd, nesterov, firstStep } = attrs;
  if (momentum !== 0 && !velocity) throw new Error('webgl sgdStep: momentum > 0 needs a velocity buffer');
  let v: tf.Tensor | null = null;
  if (momentum !== 0 && velocity) {
    replace(velocity.handle, () => {
      const d = wd ? tf.add(dense(grad), tf.mul(dense(param), wd)) : dense(grad);
      return firstStep ? tf.clone(d) : tf.add(tf.mul(dense(velocity), momentum), d);
    });
    v = velocity.handle.t;
  }
  replace(param.handle, () => {
    const p = dense(param);
    let d = wd ? tf.add(dense(grad), tf.mul(p, wd)) : dense(grad);
    if (v) {
      const vt = tf.reshape(v, [...param.shape]);
      d = nesterov ? tf.add(d, tf.mul(vt, momentum)) : vt;
    }
    return tf.sub(p, tf.mul(d, lr));
  });
}
