/** Running a kernel body: a tfjs scope that frees temporaries and wraps the result as a handle. */
import type { DType } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { gpu } from './context.js';
import type { WebglHandle, WebglStorage } from './storage.js';

/**
 * Runs `fn` inside `tf.tidy` (every intermediate tfjs tensor is disposed), casts the result to
 * `dtype`, keeps it out of any enclosing tfjs scope and records it as a live handle.
 */
export function produce(st: WebglStorage, dtype: DType, fn: () => tf.Tensor): WebglHandle {
  gpu();
  const t = tf.tidy(() => {
    const r = fn();
    return tf.keep(r.dtype === dtype ? r : tf.cast(r, dtype));
  });
  return st.wrap(t, dtype);
}

/** {@link produce} for a kernel whose outputs come out of one computation. */
export function produceAll(st: WebglStorage, dtype: DType, fn: () => tf.Tensor[]): WebglHandle[] {
  gpu();
  const ts = tf.tidy(() => fn().map((r) => tf.keep(r.dtype === dtype ? r : tf.cast(r, dtype))));
  return ts.map((t) => st.wrap(t, dtype));
}

/**
 * In-place update: computes the new contents of `target` (inside `tf.tidy`), swaps them into
 * the handle and disposes the old tensor. Views sharing the handle see the new data.
 */
export function replace(target: WebglHandle, fn: () => tf.Tensor): void {
  gpu();
  const t = tf.tidy(() => {
    const r = fn();
    const c = r.dtype === target.dtype ? r : tf.cast(r, target.dtype);
    return tf.keep(c.size === target.size ? c : tf.reshape(c, [target.size]));
  });
  if (t.size !== target.size) {
    t.dispose();
    throw new Error(`webgl: in-place update of ${target.size} elements got ${t.size}`);
  }
  const old = target.t;
  target.t = t;
  delete target.host;
  old.dispose();
}

/** Throws an error that names a kernel the GPU cannot run (there is no silent CPU fallback). */
export function unsupported(kernel: string, what: string): never {
  throw new Error(`webgl backend: ${kernel} cannot run on the GPU: ${what}`);
}
