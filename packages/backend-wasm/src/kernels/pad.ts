/** `pad` kernel. */
import type { Runtime } from '../runtime.js';
import type { Attrs, In, Out } from '../spec.js';
import { denseStrides, numel } from '../strided.js';

/** Constant padding: fill with `value`, then copy every input row (last axis) to its place. */
export function pad({ x }: In<'pad'>, { pads, value }: Attrs<'pad'>, rt: Runtime): Out<'pad'> {
  const r = x.shape.length;
  if (pads.length !== r) throw new Error(`wasm pad: ${pads.length} pad pairs for a rank-${r} tensor`);
  const outShape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const n = numel(outShape);
  const y = rt.heap.allocUninit(n);
  const A = x.dtype === 'int32' ? rt.heap.i32 : rt.heap.f32;
  const yb = y >>> 2;
  A.fill(value, yb, yb + n);
  if (numel(x.shape) === 0) return y;
  if (r === 0) {
    A[yb] = A[x.handle >>> 2]!;
    return y;
  }
  const os = denseStrides(outShape);
  let base = yb;
  for (let i = 0; i < r; i++) base += pads[i]![0] * os[i]!;
  // Odometer over the input's outer indices, tracking each row's start in the output.
  const len = x.shape[r - 1]!;
  const rows = numel(x.shape.slice(0, -1));
  const idx = new Array<number>(r - 1).fill(0);
  const xb = x.handle >>> 2;
  let dst = base;
  for (let row = 0; row < rows; row++) {
    A.copyWithin(dst, xb + row * len, xb + (row + 1) * len);
    for (let d = r - 2; d >= 0; d--) {
      dst += os[d]!;
      if (++idx[d]! < x.shape[d]!) break;
      dst -= os[d]! * x.shape[d]!;
      idx[d] = 0;
    }
  }
  return y;
}
