/** `avgPool2dBackward` kernel. */
import { runProgram } from '../context.js';
import { AvgPoolBackwardProgram } from '../programs/pool.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/** The adjoint of avgPool2d, in gather form: each input cell sums `dy / divisor` of the windows covering it. */
export function avgPool2dBackward(inputs: In<'avgPool2dBackward'>, attrs: Attrs<'avgPool2dBackward'>, st: Storage): Out<'avgPool2dBackward'> {
  const { dy } = inputs;
  return produce(st, 'float32', () =>
    runProgram(new AvgPoolBackwardProgram(dy.shape, attrs.inShape, attrs, attrs.countIncludePad), [dense(dy)], 'float32'));
}
