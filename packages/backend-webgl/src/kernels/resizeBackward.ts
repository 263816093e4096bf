/** `resizeBackward` kernel. */
import { runProgram } from '../context.js';
import { ResizeBackwardProgram } from '../programs/resize.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** The exact adjoint of resize: every input cell gathers the output gradients through the same taps (custom program). */
export function resizeBackward(inputs: In<'resizeBackward'>, attrs: Attrs<'resizeBackward'>, st: Storage): Out<'resizeBackward'> {
  const { dy } = inputs;
  return produce(st, 'float32', () =>
    runProgram(new ResizeBackwardProgram(dy.shape, attrs.inShape, attrs.mode, attrs.alignCorners), [dense(dy)], 'float32'));
}
