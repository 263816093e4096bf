/** `random` kernel: seeded, counter-based random numbers. */
import { normalAt, uniformAt, type KernelAttrs, type KernelInputs, type KernelOutput } from '@skipnet/core';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/**
 * Element i of stream `(seed, key)` comes from core's `uniformAt` / `normalAt`, so every backend
 * produces identical values: uniform `low + (high-low)·u`, normal `mean + std·z`.
 *
 * The spec's attrs carry no dtype, yet core's `randint` reads the result as int32. When the
 * attrs do carry `dtype: 'int32'` (uniform only) this kernel returns int32 `⌊low + (high-low)·u⌋`
 * in `[low, high)`; otherwise float32.
 */
export function random(_inputs: KernelInputs<'random', CpuHandle>, attrs: KernelAttrs<'random'>, st: CpuStorage): KernelOutput<'random', CpuHandle> {
  const { shape, distribution, seed, key, low, high, mean, std } = attrs;
  const n = sizeOf(shape);
  const asInt = attrs.dtype === 'int32' && distribution === 'uniform';
  const y: CpuHandle = asInt ? st.int32(n) : st.float32(n);
  if (distribution === 'normal') {
    for (let i = 0; i < n; i++) y[i] = mean + std * normalAt(seed, key, i);
  } else if (asInt) {
    const span = high - low;
    for (let i = 0; i < n; i++) y[i] = Math.floor(low + span * uniformAt(seed, key, i));
  } else {
    const span = high - low;
    for (let i = 0; i < n; i++) y[i] = low + span * uniformAt(seed, key, i);
  }
  return y;
}
