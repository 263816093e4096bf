/** `conv2dBiasAct` kernel (optional): the fused convolution. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { activate } from '../math.js';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { convolve } from './convolve.js';

/**
 * `act(conv2d(x, w) + bias)`. Bias and relu are applied inside the WebAssembly kernel to each
 * output tile while it is in cache; other activations run afterwards in TypeScript.
 */
export function conv2dBiasAct(
  { x, w, bias }: KernelInputs<'conv2dBiasAct', WasmHandle>,
  attrs: KernelAttrs<'conv2dBiasAct'>,
  rt: Runtime,
): KernelOutput<'conv2dBiasAct', WasmHandle> {
  const n = numel(attrs.outShape);
  const y = rt.heap.allocUninit(n);
  const relu = attrs.activation === 'relu';
  convolve(rt, x.handle, w.handle, y, x.shape, w.shape, attrs.outShape, attrs, bias?.handle ?? 0, relu ? 1 : 0);
  if (!relu && attrs.activation !== 'none') activate(attrs.activation, rt.heap.f32, y >>> 2, n);
  return y;
}
