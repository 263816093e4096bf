/** `maxPool2d` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { asFloat, sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/**
 * Max pooling over NCHW planes. Padding acts as -∞ (only in-bounds cells are scanned), ties keep
 * the first cell in row-major window order, NaN wins (as torch). `indices` holds `h·W + w`
 * within the input plane.
 */
export function maxPool2d(inputs: KernelInputs<'maxPool2d', CpuHandle>, attrs: KernelAttrs<'maxPool2d'>, st: CpuStorage): KernelOutput<'maxPool2d', CpuHandle> {
  const { x } = inputs;
  const xs = asFloat(x.handle, 'maxPool2d');
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , OH, OW] = attrs.outShape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const n = sizeOf(attrs.outShape);
  const out = st.float32(n);
  const indices = st.int32(n);
  const planes = N * C;
  for (let p = 0; p < planes; p++) {
    const xo = p * H * W;
    let o = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const hs = Math.max(h0, 0),
        he = Math.min(h0 + kh, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = ow * sw - pw;
        const ws = Math.max(w0, 0),
          we = Math.min(w0 + kw, W);
        let best = -Infinity;
        // An all-padding window (impossible under torch's padding ≤ kernel/2 rule) still
        // records an in-plane index so the backward pass cannot write outside the plane.
        let bi = Math.min(hs, H - 1) * W + Math.min(ws, W - 1);
        for (let h = hs; h < he; h++) {
          const row = h * W;
          for (let w = ws; w < we; w++) {
            const v = xs[xo + row + w]!;
            if (v > best || v !== v) {
              best = v;
              bi = row + w;
              if (v !== v) break;
            }
          }
          if (best !== best) break;
        }
        out[o] = best;
        indices[o] = bi;
      }
    }
  }
  return { out, indices };
}
