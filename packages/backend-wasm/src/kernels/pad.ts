/** `pad` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { denseStrides, numel } from '../strided.js';
import type { WasmHandle } from '../types.js';

/** Constant padding: fill with `value`, then copy every contiguous input run to its place. */
export function pad({ x }: KernelInputs<'pad', WasmHandle>, { pads, value }: KernelAttrs<'pad'>, rt: Runtime): KernelOutput<'pad', WasmHandle> {
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
  // From the last padded axis on, an input block is one contiguous run in the output too (the
  // axes after it are unpadded): padding only channels, as ResNet's option-A shortcut does,
  // copies one block per image instead of one per image row.
  let lastPadded = 0;
  for (let i = 0; i < r; i++) if (pads[i]![0] !== 0 || pads[i]![1] !== 0) lastPadded = i;
  // Odometer over the input's axes before it, tracking each run's start in the output.
  const len = numel(x.shape.slice(lastPadded));
  const rows = numel(x.shape.slice(0, lastPadded));
  const idx = new Array<number>(lastPadded).fill(0);
  const xb = x.handle >>> 2;
  let dst = base;
  for (let row = 0; row < rows; row++) {
    A.copyWithin(dst, xb + row * len, xb + (row + 1) * len);
    for (let d = lastPadded - 1; d >= 0; d--) {
      dst += os[d]!;
      if (++idx[d]! < x.shape[d]!) break;
      dst -= os[d]! * x.shape[d]!;
      idx[d] = 0;
    }
  }
  return y;
}
