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
import type { OptionalKernels, RequiredKernels } from '@skipnet/core';
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
export type WebglKernels = RequiredKernels<WebglHandle> & Required<OptionalKernels<WebglHandle>>;

/** Builds the kernel table over one backend's storage. */
export function createKernels(st: WebglStorage): WebglKernels {
  return {
    unary: (i, a) => unary(i, a, st),
    binary: (i, a) => binary(i, a, st),
    where: (i, a) => where(i, a, st),
    cast: (i, a) => cast(i, a, st),
    contiguous: (i, a) => contiguous(i, a, st),
    reduce: (i, a) => reduce(i, a, st),
    argReduce: (i, a) => argReduce(i, a, st),
    matmul: (i, a) => matmul(i, a, st),
    conv2d: (i, a) => conv2d(i, a, st),
    convTranspose2d: (i, a) => convTranspose2d(i, a, st),
    maxPool2d: (i, a) => maxPool2d(i, a, st),
    maxPool2dBackward: (i, a) => maxPool2dBackward(i, a, st),
    avgPool2d: (i, a) => avgPool2d(i, a, st),
    avgPool2dBackward: (i, a) => avgPool2dBackward(i, a, st),
    resize: (i, a) => resize(i, a, st),
    resizeBackward: (i, a) => resizeBackward(i, a, st),
    concat: (i, a) => concat(i, a, st),
    pad: (i, a) => pad(i, a, st),
    gather: (i, a) => gather(i, a, st),
    scatterAdd: (i, a) => scatterAdd(i, a, st),
    random: (i, a) => random(i, a, st),
    assign: (i, a) => assign(i, a, st),
    conv2dBackwardInput: (i, a) => conv2dBackwardInput(i, a, st),
    conv2dBackwardWeight: (i, a) => conv2dBackwardWeight(i, a, st),
    conv2dBiasAct: (i, a) => conv2dBiasAct(i, a, st),
    addAct: (i, a) => addAct(i, a, st),
    activationBackward: (i, a) => activationBackward(i, a, st),
    batchNormStats: (i, a) => batchNormStats(i, a, st),
    batchNorm: (i, a) => batchNorm(i, a, st),
    batchNormBackward: (i, a) => batchNormBackward(i, a, st),
    softmax: (i, a) => softmax(i, a, st),
    logSoftmax: (i, a) => logSoftmax(i, a, st),
    sgdStep: (i, a) => sgdStep(i, a, st),
    adamStep: (i, a) => adamStep(i, a, st),
  };
}
