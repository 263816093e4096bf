/** `adamStep` kernel (optional): fused torch.optim.Adam / AdamW update. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/**
 * In place, per element, as torch.optim.Adam (`decoupled` false: `g += wd·p`) or AdamW
 * (`decoupled`: `p *= 1 - lr·wd` first), with `step` the 1-based step count:
 * `m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g²`,
 * `p -= (lr / (1-β1^step)) · m / (√v / √(1-β2^step) + eps)`.
 */
export function adamStep(inputs: KernelInputs<'adamStep', CpuHandle>, attrs: KernelAttrs<'adamStep'>, _st: CpuStorage): KernelOutput<'adamStep', CpuHandle> {
  const p = asFloat(inputs.param.handle, 'adamStep');
  const g = asFloat(inputs.grad.handle, 'adamStep');
  const m = asFloat(inputs.m.handle, 'adamStep');
  const v = asFloat(inputs.v.handle, 'adamStep');
  const { lr, beta1, beta2, eps, weightDecay: wd, decoupled, step } = attrs;
  const n = sizeOf(inputs.param.shape);
  const stepSize = lr / (1 - Math.pow(beta1, step));
  const sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, step));
  const decay = decoupled ? 1 - lr * wd : 1;
  const l2 = decoupled ? 0 : wd;
  for (let i = 0; i < n; i++) {
    let pi = p[i]!;
    const gi = g[i]! + l2 * pi;
    pi = Math.fround(pi * decay);
    const mi = Math.fround(beta1 * m[i]! + (1 - beta1) * gi);
    const vi = Math.fround(beta2 * v[i]! + (1 - beta2) * gi * gi);
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - stepSize * (mi / (Math.sqrt(vi) / sqrtBc2 + eps));
  }
}
