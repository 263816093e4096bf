/**
 * Chooses how the wasm backend runs a convolution. Unit horizontal stride with a kernel wider
 * than 1×1 runs direct: the input is copied once into zero-padded planes and the GEMM
 * micro-kernel reads each tap's pixels straight from them (no im2col, which copies the input
 * kH·kW times). The input gradient of a stride-1 convolution is itself such a convolution (of the
 * padded output gradient by the flipped, transposed weights), so it runs direct too instead of
 * GEMM + col2im. Everything else keeps im2col + GEMM, and depthwise its own kernel.
 */
import type { Conv2dGeometry } from '@skipnet/core';
import type { Runtime } from '../runtime.js';
import { convParams } from './convParams.js';
import { PAD_PARAMS, TRANSPOSE_PARAMS, writeParams } from './params.js';

/** Floats of readable slack after a padded input: the last row's tile may overrun by NR − 1. */
const SLACK = 16;

/** Whether a convolution is depthwise (one filter per channel), which runs as a direct kernel. */
export function isDepthwise(xShape: readonly number[], wShape: readonly number[], groups: number): boolean {
  return groups > 1 && xShape[1] === groups && wShape[0] === groups && wShape[1] === 1;
}

function runsDirect(xShape: readonly number[], wShape: readonly number[], geo: Conv2dGeometry): boolean {
  return geo.stride[1] === 1 && wShape[2]! * wShape[3]! > 1 && !isDepthwise(xShape, wShape, geo.groups);
}

/** `y = act(conv2d(x, w) + bias)` into the allocated `y` (bias 0: none; act 1: relu). */
export function convolve(
  rt: Runtime,
  x: number,
  w: number,
  y: number,
  xShape: readonly number[],
  wShape: readonly number[],
  outShape: readonly number[],
  geo: Conv2dGeometry,
  bias = 0,
  act = 0,
): void {
  if (!runsDirect(xShape, wShape, geo)) {
    const flops = convParams(rt, x, w, y, xShape, wShape, outShape, geo, bias, act);
    rt.call(isDepthwise(xShape, wShape, geo.groups) ? 'convDepthwise' : 'convForward', flops);
    return;
  }
  const { handle: padded, shape } = padInput(rt, x, xShape, geo.padding);
  try {
    const flops = convParams(rt, padded, w, y, shape, wShape, outShape, { ...geo, padding: [0, 0] }, bias, act);
    rt.call('convDirect', flops);
  } finally {
    rt.heap.freeRaw(padded);
  }
}

/** A zero-padded copy of NCHW `x` (raw heap block, with readable slack; free with `freeRaw`). */
function padInput(rt: Runtime, x: number, xShape: readonly number[], [ph, pw]: readonly [number, number]): { handle: number; shape: number[] } {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const Hp = H + 2 * ph,
    Wp = W + 2 * pw;
  const planes = N * C;
  const handle = rt.heap.allocRaw((planes * Hp * Wp + SLACK) * 4);
  writeParams(rt, PAD_PARAMS, { src: x, dst: handle, planes, H, W, top: ph, left: pw, Hp, Wp });
  rt.call('padPlanes', planes * Hp * Wp);
  return { handle, shape: [N, C, Hp, Wp] };
}

/**
 * The weight gradient `dw` (`wShape`) of the conv2d mapping `x` to `dy`. Not depthwise: from the
 * padded input and dy transposed to [pixel][channel] per (image, group), each MR-tap × NR-channel
 * register tile summing over pixels with no im2col. Depthwise: transposed-im2col GEMM.
 */
export function convolveBackwardWeight(
  rt: Runtime,
  x: number,
  dy: number,
  dw: number,
  xShape: readonly number[],
  wShape: readonly number[],
  dyShape: readonly number[],
  geo: Conv2dGeometry,
): void {
  if (isDepthwise(xShape, wShape, geo.groups)) {
    const flops = convParams(rt, x, dy, dw, xShape, wShape, dyShape, geo);
    rt.call('convBackwardWeight', flops);
    return;
  }
  const [N, OC, OH, OW] = dyShape as [number, number, number, number];
  const G = geo.groups;
  const dyT = rt.heap.allocRaw(N * OC * OH * OW * 4);
  let padded: { handle: number; shape: number[] } | undefined;
  try {
    writeParams(rt, TRANSPOSE_PARAMS, { src: dy, dst: dyT, B: N * G, R: OC / G, S: OH * OW });
    rt.call('transposePlanes', N * OC * OH * OW);
    padded = padInput(rt, x, xShape, geo.padding);
    const flops = convParams(rt, padded.handle, dyT, dw, padded.shape, wShape, dyShape, { ...geo, padding: [0, 0] });
    rt.call('convWeightDirect', flops);
  } finally {
    if (padded) rt.heap.freeRaw(padded.handle);
    rt.heap.freeRaw(dyT);
  }
}

/**
 * The input gradient `dx` (`inShape`) of the conv2d that maps `inShape` to `dyShape` with weight
 * `w` (`wShape`): direct for stride 1, else `Wᵀ·dy` per unit into staging and col2im.
 */
export function convolveBackwardInput(
  rt: Runtime,
  dy: number,
  w: number,
  dx: number,
  inShape: readonly number[],
  wShape: readonly number[],
  dyShape: readonly number[],
  geo: Conv2dGeometry,
): void {
  const [OC, Cg, kh, kw] = wShape as [number, number, number, number];
  const [dh, dw] = geo.dilation;
  const qh = (kh - 1) * dh - geo.padding[0],
    qw = (kw - 1) * dw - geo.padding[1];
  const fits = dyShape[2]! + 2 * qh - (kh - 1) * dh === inShape[2] && dyShape[3]! + 2 * qw - (kw - 1) * dw === inShape[3];
  if (geo.stride[0] !== 1 || qh < 0 || qw < 0 || !fits || !runsDirect(inShape, wShape, geo)) {
    const flops = convParams(rt, dy, w, dx, inShape, wShape, dyShape, geo);
    rt.call('convBackwardData', flops);
    return;
  }
  // Flipped weights with in/out channels swapped per group: [C, OC/groups, kh, kw].
  const G = geo.groups,
    OCg = OC / G,
    khw = kh * kw;
  const n = OC * Cg * khw;
  const flipped = rt.heap.allocRaw(n * 4);
  try {
    const f32 = rt.heap.f32;
    const src = w >>> 2,
      dst = flipped >>> 2;
    for (let g = 0; g < G; g++) {
      for (let o = 0; o < OCg; o++) {
        for (let c = 0; c < Cg; c++) {
          const s = src + ((g * OCg + o) * Cg + c) * khw;
          const d = dst + ((g * Cg + c) * OCg + o) * khw + khw - 1;
          for (let t = 0; t < khw; t++) f32[d - t] = f32[s + t]!;
        }
      }
    }
    convolve(rt, dy, flipped, dx, dyShape, [Cg * G, OCg, kh, kw], inShape, { stride: [1, 1], padding: [qh, qw], dilation: geo.dilation, groups: G });
  } finally {
    rt.heap.freeRaw(flipped);
  }
}
