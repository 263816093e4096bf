/** `adamStep` kernel (optional): fused torch.optim.Adam / AdamW update, SIMD in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';

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
  rt.setSlots(0, [param.handle, grad.handle, m.handle, v.handle, 0, n, 0, 0]);
  rt.setF32(8, lr / (1 - Math.pow(beta1, step)));
  rt.setF32(9, beta1);
  rt.setF32(10, beta2);
  rt.setF32(11, eps);
  rt.setF32(12, decoupled ? 0 : weightDecay);
  rt.setF32(13, decoupled ? 1 - lr * weightDecay : 1);
  rt.setF32(14, Math.sqrt(1 - Math.pow(beta2, step)));
  rt.call('adamStep', n * 16);
}
