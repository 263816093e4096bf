/** `resize` kernel: nearest / bilinear spatial resize. */
import type { ResizeMode } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';

/** Source taps along one axis: output `o` reads `w0[o]·in[i0[o]] + w1[o]·in[i1[o]]`. */
export interface Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w0: Float64Array;
  readonly w1: Float64Array;
}

/**
 * PyTorch's source coordinates: nearest `min(⌊o·(in/out)⌋, in-1)` with the scale in float32 (as
 * torch computes it); bilinear `o·(in-1)/(out-1)` with alignCorners, else
 * `max(0, (o+½)·in/out − ½)`, blending the floor cell and the next (clamped) one.
 */
export function taps(mode: ResizeMode, alignCorners: boolean, inSize: number, outSize: number): Taps {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize);
  const w0 = new Float64Array(outSize), w1 = new Float64Array(outSize);
  if (mode === 'nearest') {
    const scale = Math.fround(inSize / outSize);
    for (let o = 0; o < outSize; o++) {
      i0[o] = i1[o] = Math.min(Math.floor(Math.fround(o * scale)), inSize - 1);
      w0[o] = 1;
    }
    return { i0, i1, w0, w1 };
  }
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, alignCorners ? o * scale : (o + 0.5) * scale - 0.5);
    const f = Math.min(Math.floor(src), inSize - 1);
    i0[o] = f;
    i1[o] = Math.min(f + 1, inSize - 1);
    w1[o] = src - f;
    w0[o] = 1 - (src - f);
  }
  return { i0, i1, w0, w1 };
}

/** Copies one axis's taps into scratch memory (i0, i1 as i32, then w0, w1 as f64); returns the byte offset. */
export function writeTaps(rt: Runtime, t: Taps): number {
  const n = t.i0.length;
  const h = rt.heap;
  const at = h.allocRaw(Math.max(n, 1) * 24);
  h.refresh();
  h.i32.set(t.i0, at >>> 2);
  h.i32.set(t.i1, (at >>> 2) + n);
  const f64 = new Float64Array(h.memory.buffer, at + n * 8, 2 * n);
  f64.set(t.w0, 0);
  f64.set(t.w1, n);
  return at;
}

/** Runs the WebAssembly resize kernel (forward or adjoint) over every plane, threads splitting planes. */
export function runResize(
  kernel: 'resizeForward' | 'resizeBackward', rt: Runtime, x: number, y: number,
  inShape: readonly number[], outShape: readonly number[], mode: ResizeMode, alignCorners: boolean,
): void {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const [, , OH, OW] = outShape as [number, number, number, number];
  const th = writeTaps(rt, taps(mode, alignCorners, H, OH));
  const tw = writeTaps(rt, taps(mode, alignCorners, W, OW));
  try {
    rt.setSlots(0, [x, y, N * C, H, W, OH, OW, th, tw, mode === 'nearest' ? 1 : 0]);
    rt.call(kernel, N * C * OH * OW * 8);
  } finally {
    rt.heap.freeRaw(tw);
    rt.heap.freeRaw(th);
  }
}

/** Resizes every NCHW plane to `outShape`'s `[OH, OW]`, in WebAssembly (nearest ×2 widening by lane shuffles). */
export function resize({ x }: In<'resize'>, attrs: Attrs<'resize'>, rt: Runtime): Out<'resize'> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  runResize('resizeForward', rt, x.handle, y, x.shape, attrs.outShape, attrs.mode, attrs.alignCorners);
  return y;
}
