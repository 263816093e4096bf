/** `argReduce` kernel: argmax / argmin along one axis. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { prod } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/**
 * Index of the max (min) along `axis`, int32, first index on ties; NaN counts as the extreme
 * (its first occurrence wins), as in torch. The tensor is viewed as `[outer, L, inner]` and
 * walked in storage order with `inner` running bests.
 */
export function argReduce(inputs: KernelInputs<'argReduce', CpuHandle>, attrs: KernelAttrs<'argReduce'>, st: CpuStorage): KernelOutput<'argReduce', CpuHandle> {
  const { x } = inputs;
  const { op, axis } = attrs;
  const shape = x.shape;
  const outer = prod(shape, 0, axis);
  const L = shape[axis]!;
  const inner = prod(shape, axis + 1, shape.length);
  const y = st.int32(outer * inner);
  if (L === 0 || outer * inner === 0) return y;
  const xh = x.handle;
  const isMax = op === 'argmax';
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * L;
      let best = xh[base]!;
      let bi = 0;
      if (best === best) {
        for (let k = 1; k < L; k++) {
          const v = xh[base + k]!;
          if (v !== v) {
            bi = k;
            break;
          }
          if (isMax ? v > best : v < best) {
            best = v;
            bi = k;
          }
        }
      }
      y[o] = bi;
    }
    return y;
  }
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * L * inner;
    const yo = o * inner;
    for (let i = 0; i < inner; i++) best[i] = xh[base + i]!;
    for (let k = 1; k < L; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = xh[row + i]!;
        const b = best[i]!;
        if (b !== b) continue;
        if (v !== v || (isMax ? v > b : v < b)) {
          best[i] = v;
          y[yo + i] = k;
        }
      }
    }
  }
  return y;
}
