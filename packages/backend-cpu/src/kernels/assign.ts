/** `assign` kernel: in-place update. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { copyStrided } from '../strided.js';

/**
 * Writes `source` (a view, broadcast to the target's shape) into the dense `target` storage.
 * When the source reads the target's own storage (e.g. a shifted slice of it) it is copied
 * out first, so overlapping reads never see already-written values.
 */
export function assign(inputs: KernelInputs<'assign', CpuHandle>, _attrs: KernelAttrs<'assign'>, _st: CpuStorage): KernelOutput<'assign', CpuHandle> {
  const { target, source } = inputs;
  if (source.handle === target.handle) {
    const n = sizeOf(target.shape);
    const tmp = source.handle instanceof Int32Array ? new Int32Array(n) : new Float32Array(n);
    copyStrided(source, target.shape, tmp, 0);
    target.handle.set(tmp);
    return;
  }
  copyStrided(source, target.shape, target.handle, 0);
}
