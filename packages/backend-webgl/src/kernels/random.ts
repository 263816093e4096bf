/** `random` kernel: seeded, counter-based random numbers generated on the GPU. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../context.js';
import { RandomProgram, type RandomMode } from '../programs/random.js';
import { produce } from '../run.js';
import { sizeOf } from '../shape.js';
import type { WebglHandle, WebglStorage } from '../storage.js';

const isInt32 = (v: number): boolean => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;

/**
 * Element i of stream `(seed, key)` is core's `uniformAt` / `normalAt`, computed in the shader:
 * uniform `low + (high-low)·u`, normal `mean + std·z` (float32); with `dtype: 'int32'` (randint)
 * `⌊low + (high-low)·u⌋`, exactly in integer arithmetic when the bounds are integers.
 */
export function random(_inputs: KernelInputs<'random', WebglHandle>, attrs: KernelAttrs<'random'>, st: WebglStorage): KernelOutput<'random', WebglHandle> {
  const { shape, distribution, seed, key, low, high, mean, std } = attrs;
  const n = sizeOf(shape);
  const asInt = attrs.dtype === 'int32' && distribution === 'uniform';
  const span = high - low;
  const mode: RandomMode =
    distribution === 'normal' ? 'normal' : !asInt ? 'uniform' : isInt32(low) && isInt32(span) && isInt32(low + span) && span > 0 ? 'randint' : 'uniformFloor';
  const dtype = asInt ? 'int32' : 'float32';
  return produce(st, dtype, () => {
    if (n === 0) return tf.zeros([...shape], dtype);
    const affine = distribution === 'normal' ? [mean, std] : [low, span];
    const range = mode === 'randint' ? [low, span | 0] : [0, 0];
    const y = runProgram(new RandomProgram(n, mode), [], dtype, [[seed | 0], [key | 0], affine, range]);
    return tf.reshape(y, [...shape]);
  });
}
