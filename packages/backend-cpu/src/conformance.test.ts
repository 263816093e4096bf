/**
 * The backend conformance suite from @skipnet/core/testing, run against this backend — and
 * again with its optional kernels removed, so that core's composite defaults (which every
 * shipped backend now bypasses) stay tested.
 */
import type { Backend, OptionalKernels } from '@skipnet/core';
import { runConformance } from '@skipnet/core/testing';
import { createCpuBackend } from './index.js';

runConformance({ name: 'cpu', factory: createCpuBackend });

/** Every optional kernel (a Record, so the compiler flags one added to core and missing here). */
const OPTIONAL: Record<keyof OptionalKernels<unknown>, true> = {
  conv2dBackwardInput: true,
  conv2dBackwardWeight: true,
  conv2dBiasAct: true,
  addAct: true,
  activationBackward: true,
  batchNormStats: true,
  batchNorm: true,
  batchNormBackward: true,
  softmax: true,
  logSoftmax: true,
  sgdStep: true,
  adamStep: true,
};

runConformance({
  name: 'cpu, required kernels only (core composites)',
  factory: (): Backend => {
    const b = createCpuBackend();
    const kernels = Object.fromEntries(Object.entries(b.kernels).filter(([k]) => !(k in OPTIONAL)));
    return Object.assign(Object.create(b) as object, b, { kernels }) as Backend;
  },
});
