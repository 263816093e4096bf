/** `cast` kernel: dtype conversion. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { copyStrided } from '../strided.js';

/**
 * Converts a view to `dtype`. The typed-array store does the conversion: float → int32 is
 * ToInt32, i.e. truncation toward zero (NaN → 0); int32 → float32 rounds to nearest.
 */
export function cast(inputs: KernelInputs<'cast', CpuHandle>, attrs: KernelAttrs<'cast'>, st: CpuStorage): KernelOutput<'cast', CpuHandle> {
  const { x } = inputs;
  const y = st.alloc(attrs.dtype, sizeOf(x.shape));
  copyStrided(x, x.shape, y, 0);
  return y;
}
