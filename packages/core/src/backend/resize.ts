/**
 * The source coordinates of PyTorch's resize, for backends that implement the `resize` and
 * `resizeBackward` kernels on the host side of their loops: one rule, so every such backend
 * picks the same cells with the same weights.
 */
import type { ResizeMode } from './types.js';

/** Source taps along one axis: output index `o` reads `w0[o]·in[i0[o]] + w1[o]·in[i1[o]]`. */
export interface ResizeTaps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w0: Float64Array;
  readonly w1: Float64Array;
}

/**
 * Source taps along one axis of size `inSize` resized to `outSize`, following PyTorch exactly:
 * - nearest: `min(⌊o · (in/out)⌋, in − 1)` with the scale and product in float32, as torch
 *   computes them, so indices agree even where the float product rounds below an integer;
 * - bilinear with `alignCorners`: `src = o·(in − 1)/(out − 1)`;
 * - bilinear otherwise: `src = max(0, (o + ½)·in/out − ½)`;
 *   then `i0 = ⌊src⌋` (clamped to in − 1), `i1 = min(i0 + 1, in − 1)`, weights `1 − λ, λ` with
 *   `λ = src − i0`.
 */
export function resizeTaps(mode: ResizeMode, alignCorners: boolean, inSize: number, outSize: number): ResizeTaps {
  const i0 = new Int32Array(outSize),
    i1 = new Int32Array(outSize);
  const w0 = new Float64Array(outSize),
    w1 = new Float64Array(outSize);
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
    const a = Math.min(Math.floor(src), inSize - 1);
    const l = src - a;
    i0[o] = a;
    i1[o] = Math.min(a + 1, inSize - 1);
    w0[o] = 1 - l;
    w1[o] = l;
  }
  return { i0, i1, w0, w1 };
}
