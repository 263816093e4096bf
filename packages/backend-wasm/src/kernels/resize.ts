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

/** Resizes every NCHW plane to `outShape`'s `[OH, OW]` with separable taps. */
export function resize({ x }: In<'resize'>, attrs: Attrs<'resize'>, rt: Runtime): Out<'resize'> {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , OH, OW] = attrs.outShape as [number, number, number, number];
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  const F = rt.heap.f32;
  const th = taps(attrs.mode, attrs.alignCorners, H, OH);
  const tw = taps(attrs.mode, attrs.alignCorners, W, OW);
  const xb = x.handle >>> 2;
  let o = y >>> 2;
  for (let p = 0; p < N * C; p++) {
    const plane = xb + p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = plane + th.i0[oh]! * W, r1 = plane + th.i1[oh]! * W;
      const a0 = th.w0[oh]!, a1 = th.w1[oh]!;
      if (attrs.mode === 'nearest') {
        for (let ow = 0; ow < OW; ow++) F[o++] = F[r0 + tw.i0[ow]!]!;
        continue;
      }
      for (let ow = 0; ow < OW; ow++) {
        const c0 = tw.i0[ow]!, c1 = tw.i1[ow]!, b0 = tw.w0[ow]!, b1 = tw.w1[ow]!;
        F[o++] = a0 * (b0 * F[r0 + c0]! + b1 * F[r0 + c1]!) + a1 * (b0 * F[r1 + c0]! + b1 * F[r1 + c1]!);
      }
    }
  }
  return y;
}
