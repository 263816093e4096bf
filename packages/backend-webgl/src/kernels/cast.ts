/** `cast` kernel: dtype conversion on tfjs's `Cast` kernel. */
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { Attrs, In, Out, Storage } from '../spec.js';
import { materialize } from '../view.js';

/** Converts a view to `dtype` (float → int32 truncates toward zero). */
export function cast(inputs: In<'cast'>, attrs: Attrs<'cast'>, st: Storage): Out<'cast'> {
  return produce(st, attrs.dtype, () => tf.cast(materialize(inputs.x), attrs.dtype));
}
