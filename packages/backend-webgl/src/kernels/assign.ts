/** `assign` kernel: in-place update. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { replace } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { broadcastTo } from '../view.js';

/**
 * Writes `source` (broadcast to the target's shape) into the target's storage: the new contents
 * are computed first and then swapped into the handle, so a source that reads the target's own
 * storage never sees half-written values.
 */
export function assign(inputs: KernelInputs<'assign', WebglHandle>, _attrs: KernelAttrs<'assign'>, _st: WebglStorage): KernelOutput<'assign', WebglHandle> {
  const { target, source } = inputs;
  replace(target.handle, () => broadcastTo(source, target.shape));
}
