/** `contiguous` kernel. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { baseOf, gather, isDense, numel, plan, stridesFor } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { GATHER_PARAMS, writeParams } from './params.js';

/** Below this many elements the TypeScript copy is as fast as a call into wasm. */
const WASM_MIN = 4096;

/**
 * Copies a strided view (any strides and offset, stride-0 broadcast) into fresh dense storage:
 * large strided views row by row in WebAssembly on every thread, the rest in TypeScript.
 */
export function contiguous(
  { x }: KernelInputs<'contiguous', WasmHandle>,
  _attrs: KernelAttrs<'contiguous'>,
  rt: Runtime,
): KernelOutput<'contiguous', WasmHandle> {
  const n = numel(x.shape);
  const y = rt.heap.allocUninit(n);
  const strides = stridesFor(x, x.shape);
  if (n >= WASM_MIN && !isDense(x.shape, strides)) {
    const w = plan(x.shape, [strides], [baseOf(x)]);
    const h = rt.heap;
    const starts = h.allocRaw(w.rows * 4);
    try {
      h.refresh();
      h.i32.set(w.starts[0]!, starts >>> 2);
      writeParams(rt, GATHER_PARAMS, { starts, y, rows: w.rows, len: w.len, step: w.step[0]! });
      rt.call('gatherRows', n * 2);
    } finally {
      h.freeRaw(starts);
    }
    return y;
  }
  const arr = x.dtype === 'int32' ? rt.heap.i32 : rt.heap.f32;
  gather(arr, x, x.shape, arr, y >>> 2);
  return y;
}
