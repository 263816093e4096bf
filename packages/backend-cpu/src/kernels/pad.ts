/** `pad` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { sizeOf, stridesOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { copyRun, rowStarts } from '../strided.js';

/** Constant padding: fill with `value`, then copy each input row (last axis) to its padded place. */
export function pad(inputs: KernelInputs<'pad', CpuHandle>, attrs: KernelAttrs<'pad'>, st: CpuStorage): KernelOutput<'pad', CpuHandle> {
  const { x } = inputs;
  const { pads, value } = attrs;
  const r = x.shape.length;
  if (pads.length !== r) throw new Error(`cpu pad: ${pads.length} pad pairs for a rank-${r} tensor`);
  const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const y = st.alloc(x.dtype, sizeOf(outShape));
  if (value !== 0) y.fill(value);
  const n = sizeOf(x.shape);
  if (n === 0) return y;
  if (r === 0) {
    y[0] = x.handle[0]!;
    return y;
  }
  const os = stridesOf(outShape);
  let base = 0;
  for (let i = 0; i < r; i++) base += pads[i]![0] * os[i]!;
  const len = x.shape[r - 1]!;
  const starts = rowStarts(x.shape, os, base);
  for (let row = 0; row < starts.length; row++) copyRun(x.handle, row * len, y, starts[row]!, len);
  return y;
}
