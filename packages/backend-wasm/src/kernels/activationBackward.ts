/** `activationBackward` kernel (optional): an activation's gradient from its output, one SIMD pass. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';

/** `binaryDense` op codes of the activation gradients. */
const CODES = { relu: 6, sigmoid: 7, tanh: 8 } as const;

/** `dy·[y > 0]` (relu), `dy·y·(1 − y)` (sigmoid) or `dy·(1 − y²)` (tanh), threaded when large. */
export function activationBackward({ dy, y }: In<'activationBackward'>, { activation }: Attrs<'activationBackward'>, rt: Runtime): Out<'activationBackward'> {
  const n = numel(y.shape);
  const dx = rt.heap.allocUninit(n);
  if (n === 0) return dx;
  rt.setSlots(0, [dy.handle, y.handle, 0, 0, dx, n, CODES[activation], 0]);
  rt.call('binaryDense', n * 4);
  return dx;
}
