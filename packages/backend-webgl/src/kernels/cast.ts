/** `cast` kernel: dtype conversion on tfjs's `Cast` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { materialize } from '../view.js';

/** Converts a view to `dtype` (float → int32 truncates toward zero). */
export function cast(inputs: KernelInputs<'cast', WebglHandle>, attrs: KernelAttrs<'cast'>, st: WebglStorage): KernelOutput<'cast', WebglHandle> {
  return produce(st, attrs.dtype, () => tf.cast(materialize(inputs.x), attrs.dtype));
}
