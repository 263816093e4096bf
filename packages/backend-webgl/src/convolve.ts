/**
 * Convolution routing, chosen by measurement (bench/, docs/benchmarks.md; SwiftShader):
 * - forward, 1×1 stride 1 without padding: one batched tfjs matmul `w · x[n]`, already NCHW.
 * - forward otherwise: this package's im2col program + one batched tfjs (fused, packed) matmul
 *   over the groups, transposed back to NCHW — for groups 1 and for groups of ≥ 4 channels.
 *   In interleaved runs it beat tfjs's own Conv2D in NCHW 1.15–1.6× and matched tfjs's NHWC
 *   path (so no layout change to NHWC, which cost more than it saved); bias and relu/sigmoid
 *   are fused into the matmul.
 * - forward, thinner groups (depthwise, 2-channel groups): the direct grouped program (no
 *   column buffer; even with im2col there).
 * - both gradients, every geometry: im2col / col2im programs around one batched tfjs matmul.
 *   This ran the weight gradient ~3× and the input gradient ~2–5× faster than tfjs's NCHW
 *   backprop kernels (which loop naively per output), and it handles groups and dilation,
 *   which tfjs's kernels do not.
 * - when even one image's column buffer would exceed {@link COLS_BUDGET}: tfjs's Conv2D
 *   (groups 1, stride or dilation 1) or the direct programs.
 */
import type { Activation, Conv2dGeometry } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from './context.js';
import { GroupedConv2DBackpropFilterProgram, GroupedConv2DBackpropInputProgram, GroupedConv2DProgram } from './programs/conv.js';
import { Col2ImProgram, Im2ColProgram, type ColGeometry } from './programs/im2col.js';
import { applyUnary } from './kernels/unary.js';

type Pads = [[number, number], [number, number], [number, number], [number, number]];

const padsOf = (geo: Conv2dGeometry): Pads => [
  [0, 0],
  [0, 0],
  [geo.padding[0], geo.padding[0]],
  [geo.padding[1], geo.padding[1]],
];
const ones = (p: readonly [number, number]): boolean => p[0] === 1 && p[1] === 1;

/** Whether tfjs's conv2d kernel computes this geometry (it wants groups 1 and stride or dilation 1). */
export function tfjsForward(geo: Conv2dGeometry): boolean {
  return geo.groups === 1 && (ones(geo.stride) || ones(geo.dilation));
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

/** Elements of the im2col buffer the gradients may allocate at once (64 MiB of float32); larger batches are chunked. */
export const COLS_BUDGET = 1 << 24;

/** Column geometry of a conv with input `[N, C, H, W]`, weight `[OC, ICg, KH, KW]` and output spatial `OH×OW`. */
function colGeometry(inShape: readonly number[], wShape: readonly number[], dyShape: readonly number[]): ColGeometry {
  const [N, C, H, W] = inShape as [number, number, number, number];
  const [, , KH, KW] = wShape as [number, number, number, number];
  const [, , OH, OW] = dyShape as [number, number, number, number];
  return { N, C, H, W, KH, KW, OH, OW };
}

/** Images per chunk so the column buffer stays within budget (0: not even one image fits). */
function chunkOf(s: ColGeometry): number {
  const perImage = s.C * s.KH * s.KW * s.OH * s.OW;
  return Math.min(s.N, Math.floor(COLS_BUDGET / perImage));
}

/** tfjs's fused activations; the others run as tfjs ops after the matmul. */
function fusable(act: Activation): 'linear' | 'relu' | 'sigmoid' {
  return act === 'relu' || act === 'sigmoid' ? act : 'linear';
}

/** `act(a·b + bias)` as one tfjs fused (packed) matmul when tfjs has the activation. */
function fusedMatMul(a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null, act: Activation): tf.Tensor {
  const fa = fusable(act);
  const y = tf.fused.matMul({ a, b, ...(bias ? { bias } : {}), activation: fa });
  return fa === 'linear' ? activate(y, act) : y;
}

/** `act(conv2d(x, w) + bias)` on NCHW `x` and OIHW `w` (routing: see the module comment). */
export function convForward(x: tf.Tensor, w: tf.Tensor, geo: Conv2dGeometry, outShape: readonly number[], bias: tf.Tensor | null, act: Activation): tf.Tensor {
  const [OC, ICG, KH, KW] = w.shape as [number, number, number, number];
  const s = colGeometry(x.shape, w.shape, outShape);
  const P = s.OH * s.OW;
  if (geo.groups === 1 && KH === 1 && KW === 1 && ones(geo.stride) && geo.padding[0] === 0 && geo.padding[1] === 0) {
    // 1×1: w [1, OC, C] · x [N, C, H·W] is already NCHW; no im2col.
    const y = fusedMatMul(tf.reshape(w, [1, OC, ICG]), tf.reshape(x, [s.N, s.C, P]), bias && tf.reshape(bias, [OC, 1]), act);
    return tf.reshape(y, [...outShape]);
  }
  const chunk = chunkOf(s);
  if (chunk > 0 && (geo.groups === 1 || ICG >= 4)) {
    const G = geo.groups;
    const wg = tf.reshape(w, [G, OC / G, ICG * KH * KW]);
    const bg = bias && tf.reshape(bias, [G, OC / G, 1]);
    const parts: tf.Tensor[] = [];
    for (let a = 0; a < s.N; a += chunk) {
      const n = Math.min(chunk, s.N - a);
      const cols = runProgram(new Im2ColProgram({ ...s, N: n }, geo), [images(x, a, n)], 'float32');
      const y = fusedMatMul(wg, cols, bg, act); // [G, OCg, n·P]
      parts.push(tf.reshape(tf.transpose(tf.reshape(y, [OC, n, P]), [1, 0, 2]), [n, OC, s.OH, s.OW]));
    }
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  }
  if (!tfjsForward(geo)) {
    return runProgram(new GroupedConv2DProgram(x.shape, w.shape, outShape, geo, bias !== null, act), bias ? [x, w, bias] : [x, w], 'float32');
  }
  const x4 = x as tf.Tensor4D;
  const f = toHWIO(w);
  const strides = [geo.stride[0], geo.stride[1]] as [number, number];
  const dilations = [geo.dilation[0], geo.dilation[1]] as [number, number];
  const fa = fusable(act);
  const y = tf.fused.conv2d({ x: x4, filter: f, strides, pad: padsOf(geo), dataFormat: 'NCHW', dilations, ...(bias ? { bias } : {}), activation: fa });
  return fa === 'linear' ? activate(y, act) : y;
}

/** dy `[n, OC, OH, OW]` → `[G, OCg, n·OH·OW]` (the matmul operand of both gradients). */
function dyColumns(dy: tf.Tensor, groups: number): tf.Tensor3D {
  const [n, oc, oh, ow] = dy.shape as [number, number, number, number];
  const t = tf.transpose(tf.reshape(dy, [n, oc, oh * ow]), [1, 0, 2]);
  return tf.reshape(t, [groups, oc / groups, n * oh * ow]);
}

/** Slices images `[a, a + n)` of an NCHW tensor. */
const images = (t: tf.Tensor, a: number, n: number): tf.Tensor => (a === 0 && n === t.shape[0] ? t : tf.slice(t, [a, 0, 0, 0], [n, -1, -1, -1]));

/** Gradient of conv2d with respect to its input (= transposed convolution of `dy` by `w`), NCHW. */
export function convBackpropInput(dy: tf.Tensor, w: tf.Tensor, geo: Conv2dGeometry, inShape: readonly number[]): tf.Tensor {
  const s = colGeometry(inShape, w.shape, dy.shape);
  const chunk = chunkOf(s);
  if (chunk === 0) return runProgram(new GroupedConv2DBackpropInputProgram(dy.shape, w.shape, inShape, geo), [dy, w], 'float32');
  const [OC, ICG, KH, KW] = w.shape as [number, number, number, number];
  const G = geo.groups;
  const wg = tf.reshape(w, [G, OC / G, ICG * KH * KW]);
  const parts: tf.Tensor[] = [];
  for (let a = 0; a < s.N; a += chunk) {
    const n = Math.min(chunk, s.N - a);
    const cols = tf.matMul(wg, dyColumns(images(dy, a, n), G), true, false);
    parts.push(runProgram(new Col2ImProgram({ ...s, N: n }, geo), [cols], 'float32'));
  }
  return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
}

/** Gradient of conv2d with respect to its OIHW weight, NCHW activations. */
export function convBackpropFilter(x: tf.Tensor, dy: tf.Tensor, geo: Conv2dGeometry, wShape: readonly number[]): tf.Tensor {
  const s = colGeometry(x.shape, wShape, dy.shape);
  const chunk = chunkOf(s);
  if (chunk === 0) return runProgram(new GroupedConv2DBackpropFilterProgram(x.shape, dy.shape, wShape, geo), [x, dy], 'float32');
  let acc: tf.Tensor | null = null;
  for (let a = 0; a < s.N; a += chunk) {
    const n = Math.min(chunk, s.N - a);
    const cols = runProgram(new Im2ColProgram({ ...s, N: n }, geo), [images(x, a, n)], 'float32');
    const dw = tf.matMul(dyColumns(images(dy, a, n), geo.groups), cols, false, true);
    acc = acc ? tf.add(acc, dw) : dw;
  }
  return tf.reshape(acc!, [...wShape]);
}
