/** `contiguous` kernel: materialises a strided view. */
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { materialize } from '../view.js';

/**
 * Copies a strided view (any strides, offset, stride-0 broadcast) into fresh storage: a reshape
 * or slice when the view is one contiguous run, otherwise one gather-by-strides program.
 */
export function contiguous(inputs: In<'contiguous'>, _attrs: Attrs<'contiguous'>, st: Storage): Out<'contiguous'> {
  return produce(st, inputs.x.dtype, () => materialize(inputs.x));
}
