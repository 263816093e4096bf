/**
 * Batch normalisation kernels (optional): statistics, the normalising pass and all three
 * gradients, each walking the `[N, C, S]` planes of one channel with float64 sums.
 */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { sizeOf } from '../shape.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

/** `[N, C, S]`: batch, channels and the product of the trailing (spatial) dims. */
function planes(shape: readonly number[]): { n: number; c: number; s: number } {
  const n = shape[0]!,
    c = shape[1]!;
  return { n, c, s: n * c === 0 ? 0 : sizeOf(shape) / (n * c) };
}

/** Per-channel mean and biased variance over every axis but 1 (two passes, float64 sums). */
export function batchNormStats(
  { x }: KernelInputs<'batchNormStats', CpuHandle>,
  _attrs: KernelAttrs<'batchNormStats'>,
  st: CpuStorage,
): KernelOutput<'batchNormStats', CpuHandle> {
  const { n, c, s } = planes(x.shape);
  const X = x.handle;
  const mean = st.alloc('float32', c) as Float32Array;
  const variance = st.alloc('float32', c) as Float32Array;
  const m = n * s;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = 0; i < n; i++) for (let o = (i * c + ch) * s, e = o + s; o < e; o++) sum += X[o]!;
    const mu = m > 0 ? sum / m : NaN;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      for (let o = (i * c + ch) * s, e = o + s; o < e; o++) {
        const d = X[o]! - mu;
        sq += d * d;
      }
    }
    mean[ch] = mu;
    variance[ch] = m > 0 ? sq / m : NaN;
  }
  return { mean, variance };
}

/** `y = (x − mean[c])·invstd[c]·weight[c] + bias[c]`. */
export function batchNorm(
  { x, mean, invstd, weight, bias }: KernelInputs<'batchNorm', CpuHandle>,
  _attrs: KernelAttrs<'batchNorm'>,
  st: CpuStorage,
): KernelOutput<'batchNorm', CpuHandle> {
  const { n, c, s } = planes(x.shape);
  const X = x.handle,
    M = mean.handle,
    I = invstd.handle;
  const y = st.alloc('float32', sizeOf(x.shape));
  for (let ch = 0; ch < c; ch++) {
    const mu = M[ch]!;
    const scale = I[ch]! * (weight ? weight.handle[ch]! : 1);
    const shift = bias ? bias.handle[ch]! : 0;
    for (let i = 0; i < n; i++) for (let o = (i * c + ch) * s, e = o + s; o < e; o++) y[o] = (X[o]! - mu) * scale + shift;
  }
  return y;
}

/** dx, dweight and dbias of {@link batchNorm} (see the kernel's specification in core). */
export function batchNormBackward(
  { dy, x, mean, invstd, weight }: KernelInputs<'batchNormBackward', CpuHandle>,
  { batchStats }: KernelAttrs<'batchNormBackward'>,
  st: CpuStorage,
): KernelOutput<'batchNormBackward', CpuHandle> {
  const { n, c, s } = planes(x.shape);
  const G = dy.handle,
    X = x.handle,
    Mn = mean.handle,
    I = invstd.handle;
  const dx = st.alloc('float32', sizeOf(x.shape));
  const dweight = st.alloc('float32', c) as Float32Array;
  const dbias = st.alloc('float32', c) as Float32Array;
  const m = n * s;
  for (let ch = 0; ch < c; ch++) {
    const mu = Mn[ch]!,
      is = I[ch]!;
    let sg = 0,
      sgx = 0;
    for (let i = 0; i < n; i++) {
      for (let o = (i * c + ch) * s, e = o + s; o < e; o++) {
        const g = G[o]!;
        sg += g;
        sgx += g * (X[o]! - mu);
      }
    }
    dbias[ch] = sg;
    dweight[ch] = sgx * is;
    const scale = is * (weight ? weight.handle[ch]! : 1);
    // dx = scale·dy − scale·(sg + (x − mean)·invstd²·sgx)/M, as dy·scale + (x − mean)·k + b.
    const k = batchStats ? (-scale * is * is * sgx) / m : 0;
    const b = batchStats ? (-scale * sg) / m : 0;
    for (let i = 0; i < n; i++) for (let o = (i * c + ch) * s, e = o + s; o < e; o++) dx[o] = G[o]! * scale + (X[o]! - mu) * k + b;
  }
  return { dx, dweight, dbias };
}
