/**
 * The wasm backend's kernel table: every required kernel and every optional one, bound to one
 * backend's runtime. WebAssembly SIMD: matmul, the convolutions (forward, fused bias+relu, both
 * backward kernels, transposed), dense float32 add/sub/mul/div, addAct, activation gradients, batch normalisation, sgdStep, adamStep.
 * TypeScript over the memory views: the rest.
 */
import type { Runtime } from '../runtime.js';
import type { WasmKernels } from '../spec.js';
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

/** Builds the kernel table over one backend's runtime. */
export function createKernels(rt: Runtime): WasmKernels {
  return {
    unary: (i, a) => unary(i, a, rt),
    binary: (i, a) => binary(i, a, rt),
    where: (i, a) => where(i, a, rt),
    cast: (i, a) => cast(i, a, rt),
    contiguous: (i, a) => contiguous(i, a, rt),
    reduce: (i, a) => reduce(i, a, rt),
    argReduce: (i, a) => argReduce(i, a, rt),
    matmul: (i, a) => matmul(i, a, rt),
    conv2d: (i, a) => conv2d(i, a, rt),
    convTranspose2d: (i, a) => convTranspose2d(i, a, rt),
    maxPool2d: (i, a) => maxPool2d(i, a, rt),
    maxPool2dBackward: (i, a) => maxPool2dBackward(i, a, rt),
    avgPool2d: (i, a) => avgPool2d(i, a, rt),
    avgPool2dBackward: (i, a) => avgPool2dBackward(i, a, rt),
    resize: (i, a) => resize(i, a, rt),
    resizeBackward: (i, a) => resizeBackward(i, a, rt),
    concat: (i, a) => concat(i, a, rt),
    pad: (i, a) => pad(i, a, rt),
    gather: (i, a) => gather(i, a, rt),
    scatterAdd: (i, a) => scatterAdd(i, a, rt),
    random: (i, a) => random(i, a, rt),
    assign: (i, a) => assign(i, a, rt),
    conv2dBackwardInput: (i, a) => conv2dBackwardInput(i, a, rt),
    conv2dBackwardWeight: (i, a) => conv2dBackwardWeight(i, a, rt),
    conv2dBiasAct: (i, a) => conv2dBiasAct(i, a, rt),
    addAct: (i, a) => addAct(i, a, rt),
    activationBackward: (i, a) => activationBackward(i, a, rt),
    batchNormStats: (i, a) => batchNormStats(i, a, rt),
    batchNorm: (i, a) => batchNorm(i, a, rt),
    batchNormBackward: (i, a) => batchNormBackward(i, a, rt),
    softmax: (i, a) => softmax(i, a, rt),
    logSoftmax: (i, a) => logSoftmax(i, a, rt),
    sgdStep: (i, a) => sgdStep(i, a, rt),
    adamStep: (i, a) => adamStep(i, a, rt),
  };
}
