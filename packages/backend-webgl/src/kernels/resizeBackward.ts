/** `resizeBackward` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { runProgram } from '../context.js';
import { ResizeBackwardProgram } from '../programs/resize.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** The exact adjoint of resize: every input cell gathers the output gradients through the same taps (custom program). */
export function resizeBackward(
  inputs: KernelInputs<'resizeBackward', WebglHandle>,
  attrs: KernelAttrs<'resizeBackward'>,
  st: WebglStorage,
): KernelOutput<'resizeBackward', WebglHandle> {
  const { dy } = inputs;
  return produce(st, 'float32', () => runProgram(new ResizeBackwardProgram(dy.shape, attrs.inShape, attrs.mode, attrs.alignCorners), [dense(dy)], 'float32'));
}
