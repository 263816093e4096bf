/** `sgdStep` kernel (optional): fused torch.optim.SGD update, SIMD in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { EW_PARAMS, writeParams } from './params.js';

/**
 * In place, as torch.optim.SGD with dampening 0: `d = g + wd·p`; with momentum
 * `v = firstStep ? d : momentum·v + d` and `d = nesterov ? d + momentum·v : v`; `p −= lr·d`.
 */
export function sgdStep(
  { param, grad, velocity }: KernelInputs<'sgdStep', WasmHandle>,
  attrs: KernelAttrs<'sgdStep'>,
  rt: Runtime,
): KernelOutput<'sgdStep', WasmHandle> {
  const n = numel(param.shape);
  if (attrs.momentum !== 0 && !velocity) throw new Error('wasm sgdStep: momentum > 0 needs a velocity buffer');
  const v = attrs.momentum !== 0 ? velocity!.handle : 0;
  writeParams(rt, EW_PARAMS, {
    a: param.handle,
    b: grad.handle,
    c: v,
    d: 0,
    y: 0,
    n,
    op: 0,
    flag: (attrs.nesterov ? 1 : 0) | (attrs.firstStep ? 2 : 0),
    s0: attrs.lr,
    s1: attrs.momentum,
    s2: attrs.weightDecay,
  });
  rt.call('sgdStep', n * 8);
}
