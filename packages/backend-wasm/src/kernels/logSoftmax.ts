/** `logSoftmax` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import type { WasmHandle } from '../types.js';
import { softmaxRows } from './softmaxRows.js';

/** Log-softmax over the last axis: `(x − max) − log Σ exp(x − max)` (SIMD, threaded over rows). */
export function logSoftmax(
  { x }: KernelInputs<'logSoftmax', WasmHandle>,
  _attrs: KernelAttrs<'logSoftmax'>,
  rt: Runtime,
): KernelOutput<'logSoftmax', WasmHandle> {
  return softmaxRows(x, true, rt);
}
