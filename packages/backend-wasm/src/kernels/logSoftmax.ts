/** `logSoftmax` kernel (optional). */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { softmaxRows } from './softmaxRows.js';

/** Log-softmax over the last axis: `(x − max) − log Σ exp(x − max)` (SIMD, threaded over rows). */
export function logSoftmax({ x }: In<'logSoftmax'>, _attrs: Attrs<'logSoftmax'>, rt: Runtime): Out<'logSoftmax'> {
  return softmaxRows(x, true, rt);
}
