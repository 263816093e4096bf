/** `random` kernel: seeded counter-based random numbers. */
import { normalAt, uniformAt, type KernelAttrs, type KernelInputs, type KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';

/**
 * Element i of stream `(seed, key)` is core's `uniformAt` / `normalAt`, so values match every
 * other backend bit for bit. Core reads `randint` results as int32: when the attrs carry
 * `dtype: 'int32'` (uniform only) the result is int32 `⌊low + (high−low)·u⌋`.
 */
export function random(_inputs: KernelInputs<'random', WasmHandle>, attrs: KernelAttrs<'random'>, rt: Runtime): KernelOutput<'random', WasmHandle> {
  const { shape, distribution, seed, key, low, high, mean, std } = attrs;
  const n = numel(shape);
  const asInt = 'dtype' in attrs && (attrs as { dtype?: string }).dtype === 'int32' && distribution === 'uniform';
  const y = rt.heap.allocUninit(n);
  const yb = y >>> 2;
  if (distribution === 'normal') {
    const F = rt.heap.f32;
    for (let i = 0; i < n; i++) F[yb + i] = mean + std * normalAt(seed, key, i);
  } else if (asInt) {
    const I = rt.heap.i32;
    for (let i = 0; i < n; i++) I[yb + i] = Math.floor(low + (high - low) * uniformAt(seed, key, i));
  } else {
    const F = rt.heap.f32;
    for (let i = 0; i < n; i++) F[yb + i] = low + (high - low) * uniformAt(seed, key, i);
  }
  return y;
}
