/** `maxPool2d` kernel. */
import type { DType, KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { runProgram } from '../context.js';
import { MaxPoolProgram } from '../programs/pool.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/**
 * Max pooling over NCHW planes with PyTorch's indices (`h·W + w` per plane), by two passes of
 * the custom {@link MaxPoolProgram} (values, then positions). The window geometry is recorded on
 * the indices handle so maxPool2dBackward can gather per window.
 */
export function maxPool2d(
  inputs: KernelInputs<'maxPool2d', WebglHandle>,
  attrs: KernelAttrs<'maxPool2d'>,
  st: WebglStorage,
): KernelOutput<'maxPool2d', WebglHandle> {
  const { x } = inputs;
  const run = (index: boolean, dtype: DType) =>
    produce(st, dtype, () => runProgram(new MaxPoolProgram(x.shape, attrs.outShape, attrs, index), [dense(x)], dtype));
  const out = run(false, 'float32');
  const indices = run(true, 'int32');
  indices.pool = { kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding };
  return { out, indices };
}
