/** `maxPool2d` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { numel } from '../strided.js';

/**
 * Max pooling over NCHW planes; padding acts as -∞ (only in-bounds cells are scanned), ties keep
 * the first cell in window order, NaN wins. `indices` holds `h·W + w` within the input plane.
 */
export function maxPool2d({ x }: In<'maxPool2d'>, attrs: Attrs<'maxPool2d'>, rt: Runtime): Out<'maxPool2d'> {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , OH, OW] = attrs.outShape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.stride;
  const [ph, pw] = attrs.padding;
  const n = numel(attrs.outShape);
  const out = rt.heap.allocUninit(n);
  const indices = rt.heap.allocUninit(n);
  const X = rt.heap.f32, Y = rt.heap.f32, I = rt.heap.i32;
  const xb = x.handle >>> 2;
  let o = out >>> 2, io = indices >>> 2;
  for (let p = 0; p < N * C; p++) {
    const plane = xb + p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const hs = Math.max(h0, 0), he = Math.min(h0 + kh, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pw;
        const ws = Math.max(w0, 0), we = Math.min(w0 + kw, W);
        let best = -Infinity;
        let bi = Math.min(hs, H - 1) * W + Math.min(ws, W - 1);
        scan: for (let hh = hs; hh < he; hh++) {
          const r = hh * W;
          for (let ww = ws; ww < we; ww++) {
            const v = X[plane + r + ww]!;
            if (v > best || v !== v) {
              best = v;
              bi = r + ww;
              if (v !== v) break scan;
            }
          }
        }
        Y[o++] = best;
        I[io++] = bi;
      }
    }
  }
  return { out, indices };
}
