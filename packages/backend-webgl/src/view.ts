/**
 * Turning core's strided views and dense tensors into tfjs tensors of the shape a kernel needs.
 * Dense views are reshapes (free for unpacked textures); contiguous windows are `tf.slice`;
 * anything else (transposes, broadcasts, strided slices) is one {@link StridedGatherProgram} pass.
 *
 * Everything here must run inside a `tf.tidy` scope: the tensors it returns are new tfjs
 * tensor objects (never a handle's own), so the scope frees them unless the kernel returns them.
 */
import type { Dense, DType, View } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from './context.js';
import { StridedGatherProgram } from './programs/strided.js';
import { sizeOf } from './shape.js';
import type { WebglHandle } from './storage.js';

/** Drops size-1 axes and merges axes that are contiguous with their successor. */
export function coalesce(shape: readonly number[], strides: readonly number[]): { shape: number[]; strides: number[] } {
  const s: number[] = [];
  const st: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const k = s.length - 1;
    if (k >= 0 && st[k] === strides[i]! * shape[i]!) {
      s[k] = s[k]! * shape[i]!;
      st[k] = strides[i]!;
    } else {
      s.push(shape[i]!);
      st.push(strides[i]!);
    }
  }
  return { shape: s, strides: st };
}

/** The handle's tensor with `dtype` (a float buffer read as int32 truncates, as on the cpu backend). */
function withDtype(t: tf.Tensor, dtype: DType): tf.Tensor {
  return t.dtype === dtype ? t : tf.cast(t, dtype);
}

/** The handle's whole storage as a rank-1 tensor. */
export function flat(h: WebglHandle, dtype: DType = h.dtype): tf.Tensor {
  return withDtype(tf.reshape(h.t, [h.size]), dtype);
}

/** A dense tensor as a tfjs tensor of its shape. */
export function dense(x: Dense<WebglHandle>): tf.Tensor {
  const h = x.handle;
  if (sizeOf(x.shape) !== h.size) throw new Error(`webgl: dense input [${x.shape.join(',')}] does not match its storage of ${h.size} elements`);
  return withDtype(tf.reshape(h.t, [...x.shape]), x.dtype);
}

/** A strided view as a tfjs tensor of the view's shape. */
export function materialize(v: View<WebglHandle>): tf.Tensor {
  const h = v.handle;
  const shape = [...v.shape];
  const n = sizeOf(shape);
  if (n === 0) return tf.zeros(shape, v.dtype);
  const c = coalesce(shape, v.strides);
  const r = c.shape.length;
  if (r === 0 || (r === 1 && c.strides[0] === 1)) {
    // One contiguous run: the whole storage (a reshape) or a window of it (a slice).
    if (v.offset === 0 && n === h.size) return withDtype(tf.reshape(h.t, shape), v.dtype);
    return withDtype(tf.reshape(tf.slice(flat(h), [v.offset], [n]), shape), v.dtype);
  }
  const out = runProgram(new StridedGatherProgram(c.shape, c.strides, v.offset), [flat(h)], h.dtype);
  return withDtype(tf.reshape(out, shape), v.dtype);
}

/**
 * A view broadcast to `shape` without materialising the broadcast: stride-0 axes (and axes
 * missing on the left) become size 1, so tfjs's own broadcasting expands them inside the kernel.
 */
export function compact(v: View<WebglHandle>, shape: readonly number[]): tf.Tensor {
  const rank = shape.length;
  const cs: number[] = [];
  const cst: number[] = [];
  for (let i = 0; i < rank; i++) {
    const j = i - (rank - v.shape.length);
    const d = j < 0 ? 1 : v.shape[j]!;
    const s = j < 0 ? 0 : v.strides[j]!;
    if (d === 1 || s === 0) {
      cs.push(1);
      cst.push(0);
    } else {
      cs.push(d);
      cst.push(s);
    }
  }
  return materialize({ handle: v.handle, shape: cs, strides: cst, offset: v.offset, dtype: v.dtype });
}

/** A view broadcast (stride 0 on new or size-1 axes) to `shape`, materialised. */
export function broadcastTo(v: View<WebglHandle>, shape: readonly number[]): tf.Tensor {
  const rank = shape.length;
  const strides: number[] = [];
  for (let i = 0; i < rank; i++) {
    const j = i - (rank - v.shape.length);
    strides.push(j < 0 || v.shape[j] === 1 ? 0 : v.strides[j]!);
  }
  return materialize({ handle: v.handle, shape, strides, offset: v.offset, dtype: v.dtype });
}
