/** `avgPool2d` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { runProgram } from '../context.js';
import { AvgPoolProgram } from '../programs/pool.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Average pooling over NCHW planes with PyTorch's divisor for both `countIncludePad` settings (custom program). */
export function avgPool2d(
  inputs: KernelInputs<'avgPool2d', WebglHandle>,
  attrs: KernelAttrs<'avgPool2d'>,
  st: WebglStorage,
): KernelOutput<'avgPool2d', WebglHandle> {
  const { x } = inputs;
  return produce(st, 'float32', () => runProgram(new AvgPoolProgram(x.shape, attrs.outShape, attrs, attrs.countIncludePad), [dense(x)], 'float32'));
}
