/**
 * Convolution routing, chosen by measurement (bench/, docs/benchmarks.md):
 * - forward, groups 1: tfjs's Conv2D / FusedConv2D in NCHW (im2col + packed matmul inside
 *   tfjs); only the small weight tensor changes layout (OIHW → HWIO). It matched tfjs's NHWC
 *   path and beat a direct NCHW program ~2×.
 * - forward, groups > 1 or stride with dilation (no tfjs kernel): im2col + one batched matmul
 *   over the groups when each group has ≥ 4 input channels (measured ~1.5–2× faster than the
 *   direct program there), the direct grouped program for thinner groups (depthwise,
 *   ResNeXt-style 2-channel groups), where the two were even and the direct one needs no buffer.
 * - both gradients, every geometry: im2col / col2im programs around one batched tfjs matmul
 *   per group batch. On SwiftShader this ran the weight gradient ~3× and the input gradient
 *   ~2–5× faster than tfjs's NCHW backprop kernels (which loop naively per output), and it
 *   handles groups and dilation, which tfjs's kernels do not.
 * - the direct gradient programs remain for shapes whose column buffer would exceed
 *   {@link COLS_BUDGET} even for one image.
 */
import type { Activation, Conv2dGeometry } from '@skipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import { runProgram } from './context.js';
import { GroupedConv2DBackpropFilterProgram, GroupedConv2DBackpropInputProgram, GroupedConv2DProgram } from './programs/conv.js';
import { Col2ImProgram, Im2ColProgram, type ColGeometry } from './programs/im2col.js';
import { applyUnary } from './kernels/unary.js';

type Pads = [[number, number], [number, number], [number, number], [number, number]];

const padsOf = (geo: Conv2dGeometry): Pads => [[0, 0], [0, 0], [geo.padding[0], geo.padding[0]], [geo.padding[1], geo.padding[1]]];
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

/** `act(conv2d(x, w) + bias)` on NCHW `x` and OIHW `w`. */
export function convForward(x: tf.Tensor, w: tf.Tensor, geo: Conv2dGeometry, outShape: readonly number[], bias: tf.Tensor | null, act: Activation): tf.Tensor {
  if (!tfjsForward(geo)) {
    const s = colGeometry(x.shape, w.shape, outShape);
    if (w.shape[1]! >= 4 && chunkOf(s) === s.N) return gemmForward(x, w, geo, s, bias, act);
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

/** Grouped (or strided-and-dilated) forward: im2col, one batched matmul over groups, back to NCHW. */
function gemmForward(x: tf.Tensor, w: tf.Tensor, geo: Conv2dGeometry, s: ColGeometry, bias: tf.Tensor | null, act: Activation): tf.Tensor {
  const [OC, ICG, KH, KW] = w.shape as [number, number, number, number];
  const G = geo.groups;
  const cols = runProgram(new Im2ColProgram(s, geo), [x], 'float32');
  const y = tf.matMul(tf.reshape(w, [G, OC / G, ICG * KH * KW]), cols); // [G, OCg, N·OH·OW]
  let out = tf.reshape(tf.transpose(tf.reshape(y, [OC, s.N, s.OH * s.OW]), [1, 0, 2]), [s.N, OC, s.OH, s.OW]);
  if (bias) out = tf.add(out, tf.reshape(bias, [1, OC, 1, 1]));
  return activate(out, act);
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
