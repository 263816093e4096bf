/** `pad` kernel on tfjs's `PadV2`. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { produce } from '../run.js';
import type { WebglHandle, WebglStorage } from '../storage.js';
import { dense } from '../view.js';

/** Constant padding: `pads[k] = [before, after]` on every axis. */
export function pad(inputs: KernelInputs<'pad', WebglHandle>, attrs: KernelAttrs<'pad'>, st: WebglStorage): KernelOutput<'pad', WebglHandle> {
  const { x } = inputs;
  const { pads, value } = attrs;
  if (pads.length !== x.shape.length) throw new Error(`webgl pad: ${pads.length} pad pairs for a rank-${x.shape.length} tensor`);
  return produce(st, x.dtype, () => {
    const t = dense(x);
    if (x.shape.length === 0) return tf.clone(t);
    return tf.pad(
      t,
      pads.map(([a, b]) => [a, b] as [number, number]),
      value,
    );
  });
}
