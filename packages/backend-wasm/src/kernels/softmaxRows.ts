/** Softmax and log-softmax over the last axis, in WebAssembly SIMD on every thread. */
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import { SOFTMAX_PARAMS, writeParams } from './params.js';

/** `y = softmax(x)` or `logSoftmax(x)` over rows of the last axis of a dense float32 tensor. */
export function softmaxRows(x: { handle: number; shape: readonly number[] }, log: boolean, rt: Runtime): number {
  const n = numel(x.shape);
  const y = rt.heap.allocUninit(n);
  const L = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  if (n === 0 || L === 0) return y;
  writeParams(rt, SOFTMAX_PARAMS, { x: x.handle, y, rows: n / L, len: L, log: log ? 1 : 0 });
  rt.call('softmaxRows', n * 16);
  return y;
}
