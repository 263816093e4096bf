// skipnet's WebAssembly kernels. A kernel-only module: it allocates nothing and keeps no
// data segment, so every thread instantiates it over the same shared memory without clashing.
// Threaded kernels take (params, tid, nt): `params` points at an i32 parameter block written
// by the host, and thread `tid` of `nt` does its share of the work units.

import { NR, MR, NC, SCR_FLOATS, claim, gemmRange, imin } from './gemm';

export { convForward, convBackwardData, convBackwardWeight, convDepthwise, convDirect, padPlanes, transposePlanes, convWeightDirect } from './conv';
export * from './eltwise';
export { maxPool, maxPoolBackward, avgPool, avgPoolBackward } from './pool';
export { resizeForward, resizeBackward } from './resize';
export { bnStats, bnApply, bnBackward } from './norm';

/** Floats of scratch each thread needs. */
export function scratchFloats(): i32 {
  return SCR_FLOATS;
}

/** Parameter block of {@link matmul}. */
@unmanaged class MatmulParams {
  a: i32; b: i32; c: i32;
  M: i32; N: i32; K: i32;
  ars: i32; acs: i32; brs: i32; bcs: i32;
  batch: i32; aBatch: i32; bBatch: i32;
  scratch: i32; sstride: i32;
}

/**
 * Batched `C[b] = A[b] · B[b]` over strided operands (batch strides 0 broadcast). Units are
 * (batch, column chunk, row chunk); chunks shrink until there are about four per thread, and
 * threads claim units dynamically (see `claim`).
 */
export function matmul(p: usize, tid: i32, nt: i32): void {
  const q = changetype<MatmulParams>(p);
  const M = q.M, N = q.N, K = q.K, batch = q.batch;
  if (M * N * batch == 0) return;
  let nch = (N + NC - 1) / NC;
  if (batch * nch < 4 * nt) nch = imin((N + NR - 1) / NR, (4 * nt + batch - 1) / batch);
  let chunk = (N + nch - 1) / nch;
  chunk = (chunk + NR - 1) / NR * NR;
  nch = (N + chunk - 1) / chunk;
  let mch = 1;
  if (batch * nch < 4 * nt) mch = imin((M + MR - 1) / MR, (4 * nt + batch * nch - 1) / (batch * nch));
  let mchunk = (M + mch - 1) / mch;
  mchunk = (mchunk + MR - 1) / MR * MR;
  mch = (M + mchunk - 1) / mchunk;
  const units = batch * nch * mch;
  const scratch = <usize>q.scratch + <usize>tid * <usize>q.sstride;
  for (let u = claim(); u < units; u = claim()) {
    const bi = u / (nch * mch);
    const r = u - bi * nch * mch;
    const jc = r / mch;
    const ic = r - jc * mch;
    const m0 = ic * mchunk, n0 = jc * chunk;
    gemmRange(
      m0, imin(M, m0 + mchunk), n0, imin(N, n0 + chunk), K,
      <usize>q.a + <usize>(bi * q.aBatch) * 4, q.ars, q.acs,
      <usize>q.b + <usize>(bi * q.bBatch) * 4, q.brs, q.bcs,
      <usize>q.c + <usize>(bi * M * N) * 4, N, false, scratch,
    );
  }
}
