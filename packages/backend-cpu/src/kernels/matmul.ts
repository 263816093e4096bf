/** `matmul` kernel: batched matrix product. */
import type { KernelAttrs, KernelInputs, KernelOutput } from '@skipnet/core';
import { gemm } from '../gemm.js';
import type { CpuHandle, CpuStorage } from '../storage.js';

function asF32(h: CpuHandle): Float32Array {
  return h instanceof Float32Array ? h : Float32Array.from(h);
}

/**
 * `[B, M, K] · [B, K, N] → [B, M, N]` with optional transposes (handled as strides inside the
 * GEMM's packing, never by copying) and batch-1 broadcasting on either side. When only A is
 * batched and not transposed, the batch folds into M: one GEMM instead of B, so B's packed
 * panels are reused across the batch. int32 operands are computed in float32 and cast back.
 */
export function matmul(inputs: KernelInputs<'matmul', CpuHandle>, attrs: KernelAttrs<'matmul'>, st: CpuStorage): KernelOutput<'matmul', CpuHandle> {
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  if (a.shape.length !== 3 || b.shape.length !== 3) {
    throw new Error(`cpu matmul: 3-D operands expected, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
  }
  const Ba = a.shape[0]!,
    Bb = b.shape[0]!;
  const M = transposeA ? a.shape[2]! : a.shape[1]!;
  const K = transposeA ? a.shape[1]! : a.shape[2]!;
  const N = transposeB ? b.shape[1]! : b.shape[2]!;
  const Kb = transposeB ? b.shape[2]! : b.shape[1]!;
  if (K !== Kb || (Ba !== Bb && Ba !== 1 && Bb !== 1)) {
    throw new Error(`cpu matmul: incompatible [${a.shape.join(',')}]${transposeA ? 'ᵀ' : ''} · [${b.shape.join(',')}]${transposeB ? 'ᵀ' : ''}`);
  }
  const B = Math.max(Ba, Bb);
  const isInt = a.dtype === 'int32';
  const out = isInt ? new Float32Array(B * M * N) : st.float32(B * M * N);
  const A = asF32(a.handle),
    Bm = asF32(b.handle);
  const aRs = transposeA ? 1 : K,
    aCs = transposeA ? M : 1;
  const bRs = transposeB ? 1 : N,
    bCs = transposeB ? K : 1;
  if (Bb === 1 && Ba > 1 && !transposeA) {
    gemm(Ba * M, N, K, A, 0, aRs, aCs, Bm, 0, bRs, bCs, out, 0, N, false);
  } else {
    for (let i = 0; i < B; i++) {
      const ao = Ba === 1 ? 0 : i * M * K;
      const bo = Bb === 1 ? 0 : i * K * N;
      gemm(M, N, K, A, ao, aRs, aCs, Bm, bo, bRs, bCs, out, i * M * N, N, false);
    }
  }
  if (!isInt) return out;
  const y = st.int32(B * M * N);
  y.set(out);
  return y;
}
