/** Batch normalisation kernels (optional), in WebAssembly SIMD, threaded over channels or planes. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { numel } from '../strided.js';
import type { WasmHandle } from '../types.js';
import { BN_PARAMS, writeParams } from './params.js';

/** `[N, C, S]` of a `[N, C, ...]` shape. */
function planes(shape: readonly number[]): [number, number, number] {
  const n = shape[0]!,
    c = shape[1]!;
  return [n, c, n * c === 0 ? 0 : numel(shape) / (n * c)];
}

/** Writes the batch-norm parameter block (see `BnParams` in assembly/norm.ts). */
function params(
  rt: Runtime,
  p: {
    x: number;
    dy?: number;
    mean?: number;
    invstd?: number;
    weight?: number;
    bias?: number;
    y: number;
    dweight?: number;
    dbias?: number;
    batchStats?: boolean;
  },
  shape: readonly number[],
): void {
  const [N, C, S] = planes(shape);
  writeParams(rt, BN_PARAMS, {
    x: p.x,
    dy: p.dy ?? 0,
    mean: p.mean ?? 0,
    invstd: p.invstd ?? 0,
    weight: p.weight ?? 0,
    bias: p.bias ?? 0,
    y: p.y,
    dweight: p.dweight ?? 0,
    dbias: p.dbias ?? 0,
    N,
    C,
    S,
    batchStats: p.batchStats ? 1 : 0,
  });
}

/** Per-channel mean and biased variance; one channel per work unit. */
export function batchNormStats(
  { x }: KernelInputs<'batchNormStats', WasmHandle>,
  _attrs: KernelAttrs<'batchNormStats'>,
  rt: Runtime,
): KernelOutput<'batchNormStats', WasmHandle> {
  const c = x.shape[1]!;
  const mean = rt.heap.allocUninit(c);
  const variance = rt.heap.allocUninit(c);
  params(rt, { x: x.handle, mean, y: variance }, x.shape);
  rt.call('bnStats', numel(x.shape) * 3);
  return { mean, variance };
}

/** `y = (x − mean)·invstd·weight + bias` per channel. */
export function batchNorm(
  { x, mean, invstd, weight, bias }: KernelInputs<'batchNorm', WasmHandle>,
  _attrs: KernelAttrs<'batchNorm'>,
  rt: Runtime,
): KernelOutput<'batchNorm', WasmHandle> {
  const y = rt.heap.allocUninit(numel(x.shape));
  params(rt, { x: x.handle, mean: mean.handle, invstd: invstd.handle, weight: weight?.handle, bias: bias?.handle, y }, x.shape);
  rt.call('bnApply', numel(x.shape) * 3);
  return y;
}

/** dx, dweight and dbias; one channel per work unit. */
export function batchNormBackward(
  { dy, x, mean, invstd, weight }: KernelInputs<'batchNormBackward', WasmHandle>,
  { batchStats }: KernelAttrs<'batchNormBackward'>,
  rt: Runtime,
): KernelOutput<'batchNormBackward', WasmHandle> {
  const c = x.shape[1]!;
  const dx = rt.heap.allocUninit(numel(x.shape));
  const dweight = rt.heap.allocUninit(c);
  const dbias = rt.heap.allocUninit(c);
  params(rt, { x: x.handle, dy: dy.handle, mean: mean.handle, invstd: invstd.handle, weight: weight?.handle, y: dx, dweight, dbias, batchStats }, x.shape);
  rt.call('bnBackward', numel(x.shape) * 6);
  return { dx, dweight, dbias };
}
