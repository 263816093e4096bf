/** `maxPool2dBackward` kernel, in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { poolParams } from './poolParams.js';

/** Adds each `dy` into the input cell recorded in `indices` (overlapping windows accumulate); threads split the planes. */
export function maxPool2dBackward(
  { dy, indices }: KernelInputs<'maxPool2dBackward', WasmHandle>,
  { inShape }: KernelAttrs<'maxPool2dBackward'>,
  rt: Runtime,
): KernelOutput<'maxPool2dBackward', WasmHandle> {
  const dx = rt.heap.allocUninit(numel(inShape));
  const geo = { kernel: [1, 1], stride: [1, 1], padding: [0, 0] } as const;
  rt.call('maxPoolBackward', poolParams(rt, dx, dy.handle, indices.handle, inShape, dy.shape, geo) * 4);
  return dx;
}
