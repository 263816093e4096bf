/** `activationBackward` kernel (optional): an activation's gradient from its output, one SIMD pass. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { EW_PARAMS, writeParams } from './params.js';

/** `binaryDense` op codes of the activation gradients. */
const CODES = { relu: 6, sigmoid: 7, tanh: 8 } as const;

/** `dy·[y > 0]` (relu), `dy·y·(1 − y)` (sigmoid) or `dy·(1 − y²)` (tanh), threaded when large. */
export function activationBackward(
  { dy, y }: KernelInputs<'activationBackward', WasmHandle>,
  { activation }: KernelAttrs<'activationBackward'>,
  rt: Runtime,
): KernelOutput<'activationBackward', WasmHandle> {
  const n = numel(y.shape);
  const dx = rt.heap.allocUninit(n);
  if (n === 0) return dx;
  writeParams(rt, EW_PARAMS, { a: dy.handle, b: y.handle, c: 0, d: 0, y: dx, n, op: CODES[activation], flag: 0 });
  rt.call('binaryDense', n * 4);
  return dx;
}
