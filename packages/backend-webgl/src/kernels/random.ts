/** `random` kernel: seeded, counter-based random numbers generated on the GPU. */
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from '../context.js';
import { RandomProgram } from '../programs/random.js';
import { produce } from '../run.js';
import { sizeOf } from '../shape.js';
import type { Attrs, In, Out, Storage } from '../spec.js';

/**
 * Element i of stream `(seed, key)` is core's `uniformAt` / `normalAt`, computed in the shader:
 * uniform `low + (high-low)·u`, normal `mean + std·z`, float32 (core reads randint's draws as
 * int32, truncating, exactly as on the cpu backend).
 */
export function random(_inputs: In<'random'>, attrs: Attrs<'random'>, st: Storage): Out<'random'> {
  const { shape, distribution, seed, key, low, high, mean, std } = attrs;
  const n = sizeOf(shape);
  return produce(st, 'float32', () => {
    if (n === 0) return tf.zeros([...shape]);
    const affine = distribution === 'uniform' ? [low, high - low] : [mean, std];
    const y = runProgram(new RandomProgram(n, distribution), [], 'float32', [[seed | 0], [key | 0], affine]);
    return tf.reshape(y, [...shape]);
  });
}
