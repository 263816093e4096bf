/** `contiguous` kernel: materialises a strided view. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { materialize } from '../view.js';

/**
 * Copies a strided view (any strides, offset, stride-0 broadcast) into fresh storage: a reshape
 * or slice when the view is one contiguous run, otherwise one gather-by-strides program.
 */
export function contiguous(
  inputs: KernelInputs<'contiguous', WebglHandle>,
  _attrs: KernelAttrs<'contiguous'>,
  st: WebglStorage,
): KernelOutput<'contiguous', WebglHandle> {
  return produce(st, inputs.x.dtype, () => materialize(inputs.x));
}
