/**
 * Every public op, as free functions: an explicit list, so helpers the op modules share
 * (`@internal`) stay inside core.
 */
export {
  arange, clone, full, fullLike, ones, onesLike, rand, randint,
  randn, tensor, toBackend, zeros, zerosLike, type CreateOptions, type RandomOptions,
} from './creation.js';
export {
  abs, add, cast, ceil, clamp, cos, div, eq,
  erf, exp, floor, ge, gelu, gt, le, leakyRelu,
  log, lt, maximum, minimum, mul, ne, neg, pow,
  reciprocal, relu, round, rsqrt, rsub, shapesEqual, sigmoid, sign,
  silu, sin, sqrt, square, sub, tanh, where,
} from './elementwise.js';
export {
  argmax, argmin, logSumExp, max, mean, min, prod, sum,
  variance, type Axes,
} from './reduce.js';
export {
  broadcastTo, concat, contiguous, expand, flatten, gather, indexSelect, narrow,
  pad, permute, reshape, slice, split, squeeze, stack, transpose,
  unsqueeze,
} from './shape.js';
export {
  linear, matmul,
} from './linalg.js';
export {
  conv2d, convTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions,
} from './conv.js';
export {
  adaptiveAvgPool2d, avgPool2d, interpolate, maxPool2d, upsample, type Pool2dOptions, type UpsampleOptions,
} from './pool.js';
export {
  addActivation, assign, batchNorm, bceWithLogits, crossEntropy, dropout, embedding, groupNorm,
  layerNorm, logSoftmax, mse, nllLoss, oneHot, scaledDotProductAttention, softmax, type AttentionOptions,
  type BatchNormOptions, type CrossEntropyOptions, type Reduction,
} from './functional.js';
