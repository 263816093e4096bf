/** `adamStep` kernel (optional): fused torch.optim.Adam / AdamW update, SIMD in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { EW_PARAMS, writeParams } from './params.js';

/**
 * In place, with `step` 1-based: Adam (`g += wd·p`) or AdamW (`decoupled`: `p *= 1 − lr·wd`
 * first); `m = β1·m + (1−β1)·g`, `v = β2·v + (1−β2)·g²`,
 * `p −= lr/(1−β1^step) · m / (√v/√(1−β2^step) + eps)`.
 */
export function adamStep(
  { param, grad, m, v }: KernelInputs<'adamStep', WasmHandle>,
  attrs: KernelAttrs<'adamStep'>,
  rt: Runtime,
): KernelOutput<'adamStep', WasmHandle> {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = attrs;
  const n = numel(param.shape);
  writeParams(rt, EW_PARAMS, {
    a: param.handle,
    b: grad.handle,
    c: m.handle,
    d: v.handle,
    y: 0,
    n,
    op: 0,
    flag: 0,
    s0: lr / (1 - Math.pow(beta1, step)),
    s1: beta1,
    s2: beta2,
    s3: eps,
    s4: decoupled ? 0 : weightDecay,
    s5: decoupled ? 1 - lr * weightDecay : 1,
    s6: Math.sqrt(1 - Math.pow(beta2, step)),
  });
  rt.call('adamStep', n * 16);
}
