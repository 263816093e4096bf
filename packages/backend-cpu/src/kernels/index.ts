/**
 * The cpu backend's kernel table: every required kernel and every optional one, each bound to
 * the backend's storage so outputs are counted by `memory()`.
 */
import { bindKernels, type KernelTable, type OptionalKernelName } from '@skipnet/core';
import type { CpuHandle, CpuStorage } from '../storage.js';
import { activationBackward } from './activationBackward.js';
import { adamStep } from './adamStep.js';
import { addAct } from './addAct.js';
import { argReduce } from './argReduce.js';
import { assign } from './assign.js';
import { avgPool2d } from './avgPool2d.js';
import { avgPool2dBackward } from './avgPool2dBackward.js';
import { batchNorm, batchNormBackward, batchNormStats } from './batchNorm.js';
import { binary } from './binary.js';
import { cast } from './cast.js';
import { concat } from './concat.js';
import { contiguous } from './contiguous.js';
import { conv2d } from './conv2d.js';
import { conv2dBackwardInput } from './conv2dBackwardInput.js';
import { conv2dBackwardWeight } from './conv2dBackwardWeight.js';
import { conv2dBiasAct } from './conv2dBiasAct.js';
import { convTranspose2d } from './convTranspose2d.js';
import { gather } from './gather.js';
import { logSoftmax } from './logSoftmax.js';
import { matmul } from './matmul.js';
import { maxPool2d } from './maxPool2d.js';
import { maxPool2dBackward } from './maxPool2dBackward.js';
import { pad } from './pad.js';
import { random } from './random.js';
import { reduce } from './reduce.js';
import { resize } from './resize.js';
import { resizeBackward } from './resizeBackward.js';
import { scatterAdd } from './scatterAdd.js';
import { sgdStep } from './sgdStep.js';
import { softmax } from './softmax.js';
import { unary } from './unary.js';
import { where } from './where.js';

/** Every kernel the cpu backend implements: all of `RequiredKernels` and all of `OptionalKernels`. */
export type CpuKernels = KernelTable<CpuHandle, OptionalKernelName>;

/** Builds the kernel table over one backend's storage. */
export function createKernels(st: CpuStorage): CpuKernels {
  return bindKernels(
    {
      unary,
      binary,
      where,
      cast,
      contiguous,
      reduce,
      argReduce,
      matmul,
      conv2d,
      convTranspose2d,
      maxPool2d,
      maxPool2dBackward,
      avgPool2d,
      avgPool2dBackward,
      resize,
      resizeBackward,
      concat,
      pad,
      gather,
      scatterAdd,
      random,
      assign,
      // Optional kernels: every one this backend supplies (core runs its composite for any absent).
      conv2dBackwardInput,
      conv2dBackwardWeight,
      conv2dBiasAct,
      addAct,
      activationBackward,
      batchNormStats,
      batchNorm,
      batchNormBackward,
      softmax,
      logSoftmax,
      sgdStep,
      adamStep,
    },
    st,
  );
}
