/** `cast` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { gather, isDense, numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { EW_PARAMS, writeParams } from './params.js';

/** Below this many elements the TypeScript loop is as fast as a call into wasm. */
const SIMD_MIN = 256;

/**
 * Converts a view to `dtype` (float → int32 truncates toward zero, NaN → 0). Dense int32 →
 * float32 (the masks of comparisons, e.g. in relu's gradient) converts with SIMD in WebAssembly.
 */
export function cast({ x }: KernelInputs<'cast', WasmHandle>, { dtype }: KernelAttrs<'cast'>, rt: Runtime): KernelOutput<'cast', WasmHandle> {
  const n = numel(x.shape);
  const y = rt.heap.allocUninit(n);
  const h = rt.heap;
  if (x.dtype === 'int32' && dtype === 'float32' && n >= SIMD_MIN && isDense(x.shape, x.strides)) {
    writeParams(rt, EW_PARAMS, { a: x.handle + x.offset * 4, b: 0, c: 0, d: 0, y, n, op: 11, flag: 0 });
    rt.call('unaryDense', n * 4);
    return y;
  }
  gather(x.dtype === 'int32' ? h.i32 : h.f32, x, x.shape, dtype === 'int32' ? h.i32 : h.f32, y >>> 2);
  return y;
}
