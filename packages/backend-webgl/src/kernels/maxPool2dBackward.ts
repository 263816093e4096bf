/** `maxPool2dBackward` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { runProgram } from '../context.js';
import { MaxPoolBackwardProgram } from '../programs/pool.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/**
 * Routes each `dy` to the input cell recorded in `indices`, in gather form (overlapping windows
 * accumulate). Indices made by this backend's maxPool2d carry their window geometry, so each
 * input cell visits only the windows covering it; other indices fall back to a whole-plane scan.
 */
export function maxPool2dBackward(
  inputs: KernelInputs<'maxPool2dBackward', WebglHandle>,
  attrs: KernelAttrs<'maxPool2dBackward'>,
  st: WebglStorage,
): KernelOutput<'maxPool2dBackward', WebglHandle> {
  const { dy, indices } = inputs;
  return produce(st, 'float32', () =>
    runProgram(new MaxPoolBackwardProgram(dy.shape, attrs.inShape, indices.handle.pool), [dense(dy), dense(indices)], 'float32'),
  );
}
