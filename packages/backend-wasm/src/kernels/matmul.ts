/** `matmul` kernel: the packed SIMD GEMM in WebAssembly. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import type { WasmHandle } from '../types.js';
import { MATMUL_PARAMS, writeParams } from './params.js';

/**
 * `[B, M, K] · [B, K, N] → [B, M, N]` with transposes passed to the GEMM as strides (its packing
 * reads them; nothing is copied) and batch-1 broadcasting on either side. When only A is batched
 * and not transposed the batch folds into M: one GEMM whose packed B panels serve every batch.
 * int32 operands are converted to float32 scratch, multiplied, and converted back.
 */
export function matmul(
  { a, b }: KernelInputs<'matmul', WasmHandle>,
  { transposeA, transposeB }: KernelAttrs<'matmul'>,
  rt: Runtime,
): KernelOutput<'matmul', WasmHandle> {
  if (a.shape.length !== 3 || b.shape.length !== 3) {
    throw new Error(`wasm matmul: 3-D operands expected, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
  }
  const Ba = a.shape[0]!,
    Bb = b.shape[0]!;
  const M = transposeA ? a.shape[2]! : a.shape[1]!;
  const K = transposeA ? a.shape[1]! : a.shape[2]!;
  const N = transposeB ? b.shape[1]! : b.shape[2]!;
  const Kb = transposeB ? b.shape[2]! : b.shape[1]!;
  if (K !== Kb || (Ba !== Bb && Ba !== 1 && Bb !== 1)) {
    throw new Error(`wasm matmul: incompatible [${a.shape.join(',')}]${transposeA ? 'ᵀ' : ''} · [${b.shape.join(',')}]${transposeB ? 'ᵀ' : ''}`);
  }
  const batch = Math.max(Ba, Bb);
  const h = rt.heap;
  const y = h.allocUninit(batch * M * N);
  const isInt = a.dtype === 'int32';
  let pa = a.handle,
    pb = b.handle,
    pc = y;
  const temps: number[] = [];
  if (isInt) {
    const toFloat = (src: number, n: number): number => {
      const t = h.allocRaw(n * 4);
      temps.push(t);
      h.refresh();
      const f = h.f32,
        i = h.i32;
      for (let k = 0; k < n; k++) f[(t >>> 2) + k] = i[(src >>> 2) + k]!;
      return t;
    };
    pa = toFloat(a.handle, Ba * M * K);
    pb = toFloat(b.handle, Bb * K * N);
    pc = h.allocRaw(batch * M * N * 4);
    temps.push(pc);
  }
  try {
    const fold = Bb === 1 && Ba > 1 && !transposeA;
    const m = fold ? Ba * M : M;
    const nb = fold ? 1 : batch;
    writeParams(rt, MATMUL_PARAMS, {
      a: pa,
      b: pb,
      c: pc,
      M: m,
      N,
      K,
      ars: transposeA ? 1 : K,
      acs: transposeA ? M : 1,
      brs: transposeB ? 1 : N,
      bcs: transposeB ? K : 1,
      batch: nb,
      aBatch: Ba === 1 ? 0 : M * K,
      bBatch: Bb === 1 ? 0 : K * N,
      scratch: rt.scratch,
      scratchStride: rt.scratchStride,
    });
    rt.call('matmul', 2 * batch * M * N * K);
    if (isInt) {
      const f = h.f32,
        i = h.i32;
      for (let k = 0, n = batch * M * N; k < n; k++) i[(y >>> 2) + k] = f[(pc >>> 2) + k]!;
    }
  } finally {
    for (const t of temps) h.freeRaw(t);
  }
  return y;
}
