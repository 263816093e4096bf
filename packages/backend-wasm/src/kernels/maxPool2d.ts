/** `maxPool2d` kernel, in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { poolParams } from './poolParams.js';

/**
 * Max pooling over NCHW planes; padding acts as -∞ (only in-bounds cells are scanned), ties keep
 * the first cell in window order, NaN wins. `indices` holds `h·W + w` within the input plane.
 * 2×2 stride-2 windows run four outputs per SIMD vector; threads split the planes.
 */
export function maxPool2d({ x }: KernelInputs<'maxPool2d', WasmHandle>, attrs: KernelAttrs<'maxPool2d'>, rt: Runtime): KernelOutput<'maxPool2d', WasmHandle> {
  const n = numel(attrs.outShape);
  const out = rt.heap.allocUninit(n);
  const indices = rt.heap.allocUninit(n);
  rt.call('maxPool', poolParams(rt, x.handle, out, indices, x.shape, attrs.outShape, attrs));
  return { out, indices };
}
