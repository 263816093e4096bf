/** `assign` kernel: in-place update. */
import { replace } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { broadcastTo } from '../view.js';

/**
 * Writes `source` (broadcast to the target's shape) into the target's storage: the new contents
 * are computed first and then swapped into the handle, so a source that reads the target's own
 * storage never sees half-written values.
 */
export function assign(inputs: In<'assign'>, _attrs: Attrs<'assign'>, _st: Storage): Out<'assign'> {
  const { target, source } = inputs;
  replace(target.handle, () => broadcastTo(source, target.shape));
}
