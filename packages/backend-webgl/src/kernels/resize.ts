/** `resize` kernel. */
import { runProgram } from '../context.js';
import { ResizeProgram } from '../programs/resize.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** Nearest / bilinear resize of NCHW planes with PyTorch's tap rules (custom program). */
export function resize(inputs: In<'resize'>, attrs: Attrs<'resize'>, st: Storage): Out<'resize'> {
  const { x } = inputs;
  return produce(st, 'float32', () =>
    runProgram(new ResizeProgram(x.shape, attrs.outShape, attrs.mode, attrs.alignCorners), [dense(x)], 'float32'));
}
