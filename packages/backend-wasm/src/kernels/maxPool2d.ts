/** `maxPool2d` kernel, in WebAssembly. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';
import { poolParams } from './poolParams.js';

/**
 * Max pooling over NCHW planes; padding acts as -∞ (only in-bounds cells are scanned), ties keep
 * the first cell in window order, NaN wins. `indices` holds `h·W + w` within the input plane.
 * 2×2 stride-2 windows run four outputs per SIMD vector; threads split the planes.
 */
export function maxPool2d({ x }: In<'maxPool2d'>, attrs: Attrs<'maxPool2d'>, rt: Runtime): Out<'maxPool2d'> {
  const n = numel(attrs.outShape);
  const out = rt.heap.allocUninit(n);
  const indices = rt.heap.allocUninit(n);
  rt.call('maxPool', poolParams(rt, x.handle, out, indices, x.shape, attrs.outShape, attrs));
  return { out, indices };
}
