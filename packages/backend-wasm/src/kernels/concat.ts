/** `concat` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel, span } from '../strided.js';
import type { WasmHandle } from '../types.js';

/** Joins dense tensors along `axis`: for each outer index every input contributes one contiguous run. */
export function concat({ xs }: KernelInputs<'concat', WasmHandle>, { axis, outShape }: KernelAttrs<'concat'>, rt: Runtime): KernelOutput<'concat', WasmHandle> {
  if (xs.length === 0) throw new Error('wasm concat: no inputs');
  const y = rt.heap.allocUninit(numel(outShape));
  const F = rt.heap.f32;
  const outer = span(outShape, 0, axis);
  const inner = span(outShape, axis + 1, outShape.length);
  const outRun = outShape[axis]! * inner;
  let at = y >>> 2;
  for (const x of xs) {
    const run = x.shape[axis]! * inner;
    const xb = x.handle >>> 2;
    for (let o = 0; o < outer; o++) F.copyWithin(at + o * outRun, xb + o * run, xb + (o + 1) * run);
    at += run;
  }
  return y;
}
