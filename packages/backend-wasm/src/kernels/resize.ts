/** `resize` kernel: nearest / bilinear spatial resize. */
import { resizeTaps, type KernelAttrs, type KernelInputs, type KernelOutput, type ResizeMode, type ResizeTaps } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { RESIZE_PARAMS, writeParams } from './params.js';

/** Copies one axis's taps into scratch memory (i0, i1 as i32, then w0, w1 as f64); returns the byte offset. */
export function writeTaps(rt: Runtime, t: ResizeTaps): number {
  const n = t.i0.length;
  const h = rt.heap;
  const at = h.allocRaw(Math.max(n, 1) * 24);
  h.refresh();
  h.i32.set(t.i0, at >>> 2);
  h.i32.set(t.i1, (at >>> 2) + n);
  const f64 = new Float64Array(h.memory.buffer, at + n * 8, 2 * n);
  f64.set(t.w0, 0);
  f64.set(t.w1, n);
  return at;
}

/** Runs the WebAssembly resize kernel (forward or adjoint) over every plane, threads splitting planes. */
export function runResize(
  kernel: 'resizeForward' | 'resizeBackward',
  rt: Runtime,
  x: number,
  y: number,
  inShape: readonly number[],
  outShape: readonly number[],
  mode: ResizeMode,
  alignCorners: boolean,
): void {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const [, , OH, OW] = outShape as [number, number, number, number];
  const th = writeTaps(rt, resizeTaps(mode, alignCorners, H, OH));
  const tw = writeTaps(rt, resizeTaps(mode, alignCorners, W, OW));
  try {
    writeParams(rt, RESIZE_PARAMS, { x, y, planes: N * C, H, W, OH, OW, tapsH: th, tapsW: tw, nearest: mode === 'nearest' ? 1 : 0 });
    rt.call(kernel, N * C * OH * OW * 8);
  } finally {
    rt.heap.freeRaw(tw);
    rt.heap.freeRaw(th);
  }
}

/** Resizes every NCHW plane to `outShape`'s `[OH, OW]`, in WebAssembly (nearest ×2 widening by lane shuffles). */
export function resize({ x }: KernelInputs<'resize', WasmHandle>, attrs: KernelAttrs<'resize'>, rt: Runtime): KernelOutput<'resize', WasmHandle> {
  const y = rt.heap.allocUninit(numel(attrs.outShape));
  runResize('resizeForward', rt, x.handle, y, x.shape, attrs.outShape, attrs.mode, attrs.alignCorners);
  return y;
}
