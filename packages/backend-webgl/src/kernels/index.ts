/**
 * The webgl backend's kernel table: every required kernel and every optional one, each bound
 * to the backend's storage so outputs are counted by `memory()`.
 *
 * | kernel | runs on |
 * |---|---|
 * | unary, binary, where, cast | tfjs elementwise kernels (gelu, geluTanh, silu as tfjs composites) |
 * | contiguous | reshape / slice, else the gather-by-strides program |
 * | reduce, argReduce, matmul, concat, pad, gather, softmax, logSoftmax | tfjs kernels |
 * | conv2d, conv2dBiasAct, conv2dBackwardInput/Weight, convTranspose2d | tfjs NCHW conv kernels (groups 1); grouped/dilated: custom programs |
 * | addAct | custom packed program |
 * | activationBackward, batchNormStats, batchNorm, batchNormBackward | tfjs kernels over `[N, C, S]` views |
 * | maxPool2d(+Backward), avgPool2d(+Backward), resize(+Backward), scatterAdd, random | custom programs |
 * | assign, sgdStep, adamStep | tfjs kernels, swapped into the handle in place |
 */
import { bindKernels, type KernelTable, type OptionalKernelName } from '@skipnet/core';
import type { WebglHandle, WebglStorage } from '../storage.js';
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

/** Every kernel the webgl backend implements: all of `RequiredKernels` and all of `OptionalKernels`. */
export type WebglKernels = KernelTable<WebglHandle, OptionalKernelName>;

/** Builds the kernel table over one backend's storage. */
export function createKernels(st: WebglStorage): WebglKernels {
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
