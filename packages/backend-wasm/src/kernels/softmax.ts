/** `softmax` kernel (optional). */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { softmaxRows } from './softmaxRows.js';

/** Softmax over the last axis: exp(x − row max), normalised by its sum (SIMD, threaded over rows). */
export function softmax({ x }: In<'softmax'>, _attrs: Attrs<'softmax'>, rt: Runtime): Out<'softmax'> {
  return softmaxRows(x, false, rt);
}
