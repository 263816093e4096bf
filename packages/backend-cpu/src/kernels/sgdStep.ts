/** `sgdStep` kernel (optional): fused torch.optim.SGD update. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/**
 * In place, per element, as torch.optim.SGD with dampening 0:
 * `d = g + wd·p`; with momentum `v = firstStep ? d : momentum·v + d` and
 * `d = nesterov ? d + momentum·v : v`; then `p -= lr·d`.
 */
export function sgdStep(inputs: KernelInputs<'sgdStep', CpuHandle>, attrs: KernelAttrs<'sgdStep'>, _st: CpuStorage): KernelOutput<'sgdStep', CpuHandle> {
  const p = asFloat(inputs.param.handle, 'sgdStep');
  const g = asFloat(inputs.grad.handle, 'sgdStep');
  const { lr, momentum, weightDecay: wd, nesterov, firstStep } = attrs;
  const n = sizeOf(inputs.param.shape);
  if (momentum === 0) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!;
      p[i] = pi - lr * (g[i]! + wd * pi);
    }
    return;
  }
  if (!inputs.velocity) throw new Error('cpu sgdStep: momentum > 0 needs a velocity buffer');
  const v = asFloat(inputs.velocity.handle, 'sgdStep');
  for (let i = 0; i < n; i++) {
    const pi = p[i]!;
    const d = g[i]! + wd * pi;
    // Round v to float32 before reuse so nesterov sees the stored buffer, as torch does.
    const vi = Math.fround(firstStep ? d : momentum * v[i]! + d);
    v[i] = vi;
    p[i] = pi - lr * (nesterov ? d + momentum * vi : vi);
  }
}
