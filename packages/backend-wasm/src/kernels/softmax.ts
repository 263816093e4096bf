/** `softmax` kernel (optional). */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import type { WasmHandle } from '../types.js';
import { softmaxRows } from './softmaxRows.js';

/** Softmax over the last axis: exp(x − row max), normalised by its sum (SIMD, threaded over rows). */
export function softmax({ x }: KernelInputs<'softmax', WasmHandle>, _attrs: KernelAttrs<'softmax'>, rt: Runtime): KernelOutput<'softmax', WasmHandle> {
  return softmaxRows(x, false, rt);
}
