/** `avgPool2d` kernel. */
import { runProgram } from '../context.js';
import { AvgPoolProgram } from '../programs/pool.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** Average pooling over NCHW planes with PyTorch's divisor for both `countIncludePad` settings (custom program). */
export function avgPool2d(inputs: In<'avgPool2d'>, attrs: Attrs<'avgPool2d'>, st: Storage): Out<'avgPool2d'> {
  const { x } = inputs;
  return produce(st, 'float32', () =>
    runProgram(new AvgPoolProgram(x.shape, attrs.outShape, attrs, attrs.countIncludePad), [dense(x)], 'float32'));
}
