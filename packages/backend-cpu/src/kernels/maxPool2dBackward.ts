/** `maxPool2dBackward` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asFloat, asInt, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** Adds each `dy` into the input cell recorded in `indices` (overlapping windows accumulate). */
export function maxPool2dBackward(
  inputs: KernelInputs<'maxPool2dBackward', CpuHandle>,
  attrs: KernelAttrs<'maxPool2dBackward'>,
  st: CpuStorage,
): KernelOutput<'maxPool2dBackward', CpuHandle> {
  const { dy, indices } = inputs;
  const g = asFloat(dy.handle, 'maxPool2dBackward');
  const idx = asInt(indices.handle, 'maxPool2dBackward');
  const [N, C, H, W] = attrs.inShape as [number, number, number, number];
  const dx = st.float32(sizeOf(attrs.inShape));
  const planes = N * C;
  const P = sizeOf(dy.shape) / Math.max(planes, 1);
  const HW = H * W;
  for (let p = 0; p < planes; p++) {
    const xo = p * HW;
    for (let o = p * P, end = o + P; o < end; o++) dx[xo + idx[o]!]! += g[o]!;
  }
  return dx;
}
