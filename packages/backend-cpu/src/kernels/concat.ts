/** `concat` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { prod, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { copyRun } from '../strided.js';

/** Joins dense tensors along `axis`: per outer index, each input contributes one contiguous run. */
export function concat(inputs: KernelInputs<'concat', CpuHandle>, attrs: KernelAttrs<'concat'>, st: CpuStorage): KernelOutput<'concat', CpuHandle> {
  const { xs } = inputs;
  const { axis, outShape } = attrs;
  if (xs.length === 0) throw new Error('cpu concat: no inputs');
  const y = st.alloc(xs[0]!.dtype, sizeOf(outShape));
  const outer = prod(outShape, 0, axis);
  const inner = prod(outShape, axis + 1, outShape.length);
  const outRun = outShape[axis]! * inner;
  let at = 0;
  for (const x of xs) {
    const run = x.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) copyRun(x.handle, o * run, y, o * outRun + at, run);
    at += run;
  }
  return y;
}
