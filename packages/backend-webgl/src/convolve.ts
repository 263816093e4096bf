/**
 * Convolution routing: tfjs's webgl convolution kernels where they apply (groups = 1; tfjs
 * supports NCHW directly, so only the small weight tensor changes layout, OIHW ↔ HWIO), and
 * this package's direct NCHW programs where tfjs has no kernel (groups > 1, dilated backward
 * passes, stride together with dilation).
 */
import type { Activation, Conv2dGeometry } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from './context.js';
import { GroupedConv2DBackpropFilterProgram, GroupedConv2DBackpropInputProgram, GroupedConv2DProgram } from './programs/conv.js';
import { applyUnary } from './kernels/unary.js';

type Pads = [[number, number], [number, number], [number, number], [number, number]];

const padsOf = (geo: Conv2dGeometry): Pads => [[0, 0], [0, 0], [geo.padding[0], geo.padding[0]], [geo.padding[1], geo.padding[1]]];
const ones = (p: readonly [number, number]): boolean => p[0] === 1 && p[1] === 1;

/** Whether tfjs's conv2d kernel computes this geometry (it wants groups 1 and stride or dilation 1). */
export function tfjsForward(geo: Conv2dGeometry): boolean {
  return geo.groups === 1 && (ones(geo.stride) || ones(geo.dilation));
}

/** Whether tfjs's backprop kernels compute this geometry (they take no dilation). */
export function tfjsBackward(geo: Conv2dGeometry): boolean {
  return geo.groups === 1 && ones(geo.dilation);
}

/** OIHW → HWIO (tfjs's filter layout). */
const toHWIO = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;

/** Applies an activation tfjs's fused kernels do not have. */
function activate(y: tf.Tensor, act: Activation): tf.Tensor {
  switch (act) {
    case 'none':
      return y;
    case 'relu':
    case 'sigmoid':
    case 'tanh':
    case 'gelu':
    case 'silu':
      return applyUnary(act, y, 0);
    default:
      throw new Error(`webgl: unknown activation '${String(act)}'`);
  }
}

/** `act(conv2d(x, w) + bias)` on NCHW `x` and OIHW `w`. */
export function convForward(x: tf.Tensor, w: tf.Tensor, geo: Conv2dGeometry, outShape: readonly number[], bias: tf.Tensor | null, act: Activation): tf.Tensor {
  if (!tfjsForward(geo)) {
    return runProgram(new GroupedConv2DProgram(x.shape, w.shape, outShape, geo, bias !== null, act), bias ? [x, w, bias] : [x, w], 'float32');
  }
  const x4 = x as tf.Tensor4D;
  const f = toHWIO(w);
  const strides = [geo.stride[0], geo.stride[1]] as [number, number];
  const dilations = [geo.dilation[0], geo.dilation[1]] as [number, number];
  if (!bias && act === 'none') return tf.conv2d(x4, f, strides, padsOf(geo), 'NCHW', dilations);
  const fusedAct = act === 'relu' || act === 'sigmoid' ? act : 'linear';
  const y = tf.fused.conv2d({ x: x4, filter: f, strides, pad: padsOf(geo), dataFormat: 'NCHW', dilations, ...(bias ? { bias } : {}), activation: fusedAct });
  return fusedAct === 'linear' ? activate(y, act) : y;
}

/** Gradient of conv2d with respect to its input (= transposed convolution of `dy` by `w`), NCHW. */
export function convBackpropInput(dy: tf.Tensor, w: tf.Tensor, geo: Conv2dGeometry, inShape: readonly number[]): tf.Tensor {
  if (!tfjsBackward(geo)) {
    return runProgram(new GroupedConv2DBackpropInputProgram(dy.shape, w.shape, inShape, geo), [dy, w], 'float32');
  }
  return tf.engine().runKernel<tf.Tensor>('Conv2DBackpropInput', { dy, filter: toHWIO(w) }, {
    strides: [geo.stride[0], geo.stride[1]], pad: padsOf(geo), dataFormat: 'NCHW', inputShape: [...inShape],
  });
}

/** Gradient of conv2d with respect to its OIHW weight, NCHW activations. */
export function convBackpropFilter(x: tf.Tensor, dy: tf.Tensor, geo: Conv2dGeometry, wShape: readonly number[]): tf.Tensor {
  if (!tfjsBackward(geo)) {
    return runProgram(new GroupedConv2DBackpropFilterProgram(x.shape, dy.shape, wShape, geo), [x, dy], 'float32');
  }
  const [O, I, KH, KW] = wShape as [number, number, number, number];
  const hwio = tf.engine().runKernel<tf.Tensor>('Conv2DBackpropFilter', { x, dy }, {
    strides: [geo.stride[0], geo.stride[1]], pad: padsOf(geo), dataFormat: 'NCHW', filterShape: [KH, KW, I, O],
  });
  return tf.transpose(hwio, [3, 2, 0, 1]);
}
