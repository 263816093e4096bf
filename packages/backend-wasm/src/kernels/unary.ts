/** `unary` kernel (TypeScript over the memory views). */
import { unaryLoop } from '../math.js';
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { baseOf, gather, isDense, numel } from '../strided.js';

/** `y = op(x)`, dense with x's shape and dtype; a strided x is gathered into y first and transformed in place. */
export function unary({ x }: In<'unary'>, attrs: Attrs<'unary'>, rt: Runtime): Out<'unary'> {
  const n = numel(x.shape);
  const y = rt.heap.allocUninit(n);
  if (n === 0) return y;
  const arr = x.dtype === 'int32' ? rt.heap.i32 : rt.heap.f32;
  const yb = y >>> 2;
  const alpha = attrs.alpha ?? 0.01;
  if (isDense(x.shape, x.strides)) unaryLoop(attrs.op, arr, baseOf(x), arr, yb, n, alpha);
  else {
    gather(arr, x, x.shape, arr, yb);
    unaryLoop(attrs.op, arr, yb, arr, yb, n, alpha);
  }
  return y;
}
