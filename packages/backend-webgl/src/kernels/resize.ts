/** `resize` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { runProgram } from '../context.js';
import { ResizeProgram } from '../programs/resize.js';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Nearest / bilinear resize of NCHW planes with PyTorch's tap rules (custom program). */
export function resize(inputs: KernelInputs<'resize', WebglHandle>, attrs: KernelAttrs<'resize'>, st: WebglStorage): KernelOutput<'resize', WebglHandle> {
  const { x } = inputs;
  return produce(st, 'float32', () => runProgram(new ResizeProgram(x.shape, attrs.outShape, attrs.mode, attrs.alignCorners), [dense(x)], 'float32'));
}
