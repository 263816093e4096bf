/** `maxPool2dBackward` kernel. */
import { runProgram } from '../context.js';
import { MaxPoolBackwardProgram } from '../programs/pool.js';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { dense } from '../view.js';

/**
 * Routes each `dy` to the input cell recorded in `indices`, in gather form (overlapping windows
 * accumulate). Indices made by this backend's maxPool2d carry their window geometry, so each
 * input cell visits only the windows covering it; other indices fall back to a whole-plane scan.
 */
export function maxPool2dBackward(inputs: In<'maxPool2dBackward'>, attrs: Attrs<'maxPool2dBackward'>, st: Storage): Out<'maxPool2dBackward'> {
  const { dy, indices } = inputs;
  return produce(st, 'float32', () =>
    runProgram(new MaxPoolBackwardProgram(dy.shape, attrs.inShape, indices.handle.pool), [dense(dy), dense(indices)], 'float32'));
}
