// skipnet's WebAssembly kernels. A kernel-only module: it allocates nothing and keeps no
// data segment, so every thread instantiates it over the same shared memory without clashing.
// Threaded kernels take (params, tid, nt): `params` points at an i32 parameter block written
// by the host, and thread `tid` of `nt` does its share of the work units.

import { SCR_FLOATS } from './gemm';

export { matmul } from './gemm';
export { convForward, convBackwardData, convBackwardWeight } from './conv_gemm';
export { convDepthwise, convDirect, convWeightDirect } from './conv_direct';
export { padPlanes, transposePlanes } from './layout';
export * from './eltwise';
export { maxPool, maxPoolBackward, avgPool, avgPoolBackward } from './pool';
export { resizeForward, resizeBackward } from './resize';
export { bnStats, bnApply, bnBackward } from './norm';

/** Floats of scratch each thread needs. */
export function scratchFloats(): i32 {
  return SCR_FLOATS;
}
