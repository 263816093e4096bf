/** `avgPool2dBackward` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { runProgram } from '../context.js';
import { AvgPoolBackwardProgram } from '../programs/pool.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** The adjoint of avgPool2d, in gather form: each input cell sums `dy / divisor` of the windows covering it. */
export function avgPool2dBackward(
  inputs: KernelInputs<'avgPool2dBackward', WebglHandle>,
  attrs: KernelAttrs<'avgPool2dBackward'>,
  st: WebglStorage,
): KernelOutput<'avgPool2dBackward', WebglHandle> {
  const { dy } = inputs;
  return produce(st, 'float32', () => runProgram(new AvgPoolBackwardProgram(dy.shape, attrs.inShape, attrs, attrs.countIncludePad), [dense(dy)], 'float32'));
}
