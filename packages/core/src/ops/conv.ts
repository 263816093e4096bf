/** Convolutions (NCHW, PyTorch weight layouts) and their gradients. */
import { opScope } from '../engine.js';
import type { Activation, Conv2dGeometry } from '../backend/types.js';
import type { BackendEntry } from '../engine.js';
import { fmt } from '../shape.js';
import { Tensor, dense, record } from '../tensor.js';
import { concat, contiguous, narrow, pad, permute, reshape, slice } from './shape.js';
import { add, relu, sigmoid, tanh, gelu, silu } from './elementwise.js';
import { sum } from './reduce.js';
import { entryOf, pair, wrap } from './util.js';

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: number | readonly [number, number];
  /** Zero padding per side, or 'same' (stride 1 only) / 'valid' (default 0). */
  padding?: number | readonly [number, number] | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: number | readonly [number, number];
  /** Channel groups: input and output channels are split into `groups` independent convs (default 1). */
  groups?: number;
}

/** Output size of one spatial axis of a convolution. @internal */
export function convOutSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function activate(y: Tensor, act: Activation): Tensor {
  switch (act) {
    case 'none':
      return y;
    case 'relu':
      return relu(y);
    case 'sigmoid':
      return sigmoid(y);
    case 'tanh':
      return tanh(y);
    case 'gelu':
      return gelu(y);
    case 'silu':
      return silu(y);
  }
}

/**
 * 2-D convolution. `x` `[N, C, H, W]`, `w` `[outC, C/groups, kH, kW]`, optional `bias` `[outC]`
 * → `[N, outC, outH, outW]`.
 */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}, activation: Activation = 'none'): Tensor {
  return opScope(() => {
    const entry = entryOf('conv2d', x, w, bias);
    if (x.rank !== 4) throw new Error(`conv2d: input must be [N,C,H,W], got ${fmt(x.shape)}`);
    if (w.rank !== 4) throw new Error(`conv2d: weight must be [outC,inC/groups,kH,kW], got ${fmt(w.shape)}`);
    const groups = options.groups ?? 1;
    const [n, c] = x.shape as [number, number, number, number];
    const [oc, icg, kh, kw] = w.shape as [number, number, number, number];
    if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || oc % groups !== 0) {
      throw new Error(`conv2d: groups=${groups} must divide input channels ${c} and output channels ${oc}`);
    }
    if (icg * groups !== c) {
      throw new Error(`conv2d: input ${fmt(x.shape)} has ${c} channels, weight ${fmt(w.shape)} expects ${icg * groups} (groups=${groups})`);
    }
    if (bias && (bias.rank !== 1 || bias.shape[0] !== oc)) throw new Error(`conv2d: bias ${fmt(bias.shape)} must be [${oc}]`);
    const stride = pair(options.stride ?? 1, 'stride', 'conv2d');
    const dilation = pair(options.dilation ?? 1, 'dilation', 'conv2d');
    let xin = x;
    let padding: [number, number];
    if (options.padding === 'same') {
      if (stride[0] !== 1 || stride[1] !== 1) throw new Error("conv2d: padding='same' needs stride 1");
      const th = dilation[0] * (kh - 1);
      const tw = dilation[1] * (kw - 1);
      // Odd totals put the extra row/column after, as PyTorch does.
      if (th % 2 || tw % 2)
        xin = pad(x, [
          [0, 0],
          [0, 0],
          [th >> 1, th - (th >> 1)],
          [tw >> 1, tw - (tw >> 1)],
        ]);
      padding = th % 2 || tw % 2 ? [0, 0] : [th / 2, tw / 2];
    } else {
      padding = options.padding === 'valid' || options.padding === undefined ? [0, 0] : pair(options.padding, 'padding', 'conv2d');
    }
    const geo: Conv2dGeometry = { stride, padding, dilation, groups };
    const ih = xin.shape[2]!;
    const iw = xin.shape[3]!;
    const oh = convOutSize(ih, kh, stride[0], padding[0], dilation[0]);
    const ow = convOutSize(iw, kw, stride[1], padding[1], dilation[1]);
    if (oh < 1 || ow < 1) {
      throw new Error(
        `conv2d: input ${fmt(x.shape)} is too small for a ${kh}×${kw} kernel (dilation ${dilation.join('×')}, padding ${padding.join('×')}): output would be ${oh}×${ow}`,
      );
    }
    const outShape = [n, oc, oh, ow];
    const xc = contiguous(xin);
    const wc = contiguous(w);
    const k = entry.backend.kernels;
    let out: Tensor;
    let fusedAct = false;
    if (k.conv2dBiasAct && (bias || activation !== 'none') && !(activation !== 'none' && (xin.requiresGrad || w.requiresGrad || bias?.requiresGrad))) {
      const bc = bias ? contiguous(bias) : null;
      out = wrap(
        entry,
        k.conv2dBiasAct({ x: dense(xc, 'conv2d'), w: dense(wc, 'conv2d'), ...(bc ? { bias: dense(bc, 'conv2d') } : {}) }, { ...geo, activation, outShape }),
        outShape,
        'float32',
      );
      fusedAct = true;
    } else {
      out = wrap(entry, k.conv2d({ x: dense(xc, 'conv2d'), w: dense(wc, 'conv2d') }, { ...geo, outShape }), outShape, 'float32');
    }
    const inputs = bias && fusedAct ? [xc, wc, bias] : [xc, wc];
    record(out, 'conv2d', inputs, (g) => {
      const gc = contiguous(g);
      return [
        xc.requiresGrad ? conv2dBackwardInput(entry, gc, wc, geo, xc.shape) : null,
        wc.requiresGrad ? conv2dBackwardWeight(entry, xc, gc, geo, wc.shape) : null,
        bias?.requiresGrad ? sum(gc, [0, 2, 3]) : null,
      ];
    });
    if (fusedAct) return out;
    if (bias) out = add(out, reshape(bias, [1, oc, 1, 1]));
    return activate(out, activation);
  });
}

/** Gradient of conv2d with respect to its input: the backend's kernel or a transposed conv. @internal */
export function conv2dBackwardInput(entry: BackendEntry, dy: Tensor, w: Tensor, geo: Conv2dGeometry, inShape: readonly number[]): Tensor {
  const k = entry.backend.kernels;
  if (k.conv2dBackwardInput) {
    return wrap(entry, k.conv2dBackwardInput({ dy: dense(dy, 'conv2d'), w: dense(w, 'conv2d') }, { ...geo, inShape }), inShape, 'float32');
  }
  return wrap(
    entry,
    k.convTranspose2d({ x: dense(dy, 'conv2d'), w: dense(w, 'conv2d') }, { ...geo, outputPadding: [0, 0], outShape: inShape }),
    inShape,
    'float32',
  );
}

/**
 * Gradient of conv2d with respect to its weight: the backend's kernel, or a convolution of
 * the input (batch and channels swapped) by the output gradient, stride and dilation swapped.
 * @internal
 */
export function conv2dBackwardWeight(entry: BackendEntry, x: Tensor, dy: Tensor, geo: Conv2dGeometry, wShape: readonly number[]): Tensor {
  const k = entry.backend.kernels;
  if (k.conv2dBackwardWeight) {
    return wrap(entry, k.conv2dBackwardWeight({ x: dense(x, 'conv2d'), dy: dense(dy, 'conv2d') }, { ...geo, wShape }), wShape, 'float32');
  }
  const [oc, icg, kh, kw] = wShape as [number, number, number, number];
  const ocg = oc / geo.groups;
  const parts: Tensor[] = [];
  for (let gi = 0; gi < geo.groups; gi++) {
    const xg = contiguous(permute(narrow(x, 1, gi * icg, icg), [1, 0, 2, 3])); // [icg, N, H, W]
    const dyg = contiguous(permute(narrow(dy, 1, gi * ocg, ocg), [1, 0, 2, 3])); // [ocg, N, oh, ow]
    const ih = xg.shape[2]!;
    const iw = xg.shape[3]!;
    const rh = convOutSize(ih, dyg.shape[2]!, geo.dilation[0], geo.padding[0], geo.stride[0]);
    const rw = convOutSize(iw, dyg.shape[3]!, geo.dilation[1], geo.padding[1], geo.stride[1]);
    const outShape = [icg, ocg, rh, rw];
    const r = wrap(
      entry,
      k.conv2d(
        { x: dense(xg, 'conv2d'), w: dense(dyg, 'conv2d') },
        {
          stride: geo.dilation,
          padding: geo.padding,
          dilation: geo.stride,
          groups: 1,
          outShape,
        },
      ),
      outShape,
      'float32',
    );
    parts.push(contiguous(permute(slice(r, [0, 0, 0, 0], [icg, ocg, kh, kw]), [1, 0, 2, 3])));
  }
  return parts.length === 1 ? parts[0]! : concat(parts, 0);
}

/** Options of {@link convTranspose2d}. */
export interface ConvTranspose2dOptions {
  /** Upsampling stride (default 1). */
  stride?: number | readonly [number, number];
  /** Cropping applied to each side of the full output (default 0). */
  padding?: number | readonly [number, number];
  /** Extra rows/columns added to one side of the output (default 0). */
  outputPadding?: number | readonly [number, number];
  /** Kernel dilation (default 1). */
  dilation?: number | readonly [number, number];
  /** Channel groups (default 1). */
  groups?: number;
}

/**
 * Transposed 2-D convolution (the gradient of conv2d as a layer). `x` `[N, inC, H, W]`,
 * `w` `[inC, outC/groups, kH, kW]` → `[N, outC, (H-1)·s - 2p + d·(k-1) + outputPadding + 1, …]`.
 */
export function convTranspose2d(x: Tensor, w: Tensor, bias?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  return opScope(() => {
    const entry = entryOf('convTranspose2d', x, w, bias);
    if (x.rank !== 4 || w.rank !== 4)
      throw new Error(`convTranspose2d: input [N,C,H,W] and weight [inC,outC/groups,kH,kW] expected, got ${fmt(x.shape)} and ${fmt(w.shape)}`);
    const groups = options.groups ?? 1;
    const [n, c, h, wd] = x.shape as [number, number, number, number];
    const [ic, ocg, kh, kw] = w.shape as [number, number, number, number];
    if (ic !== c) throw new Error(`convTranspose2d: input ${fmt(x.shape)} has ${c} channels, weight ${fmt(w.shape)} expects ${ic}`);
    if (c % groups !== 0) throw new Error(`convTranspose2d: groups=${groups} must divide input channels ${c}`);
    const oc = ocg * groups;
    if (bias && (bias.rank !== 1 || bias.shape[0] !== oc)) throw new Error(`convTranspose2d: bias ${fmt(bias.shape)} must be [${oc}]`);
    const stride = pair(options.stride ?? 1, 'stride', 'convTranspose2d');
    const padding = pair(options.padding ?? 0, 'padding', 'convTranspose2d');
    const outputPadding = pair(options.outputPadding ?? 0, 'outputPadding', 'convTranspose2d');
    const dilation = pair(options.dilation ?? 1, 'dilation', 'convTranspose2d');
    if (outputPadding[0] >= Math.max(stride[0], dilation[0]) || outputPadding[1] >= Math.max(stride[1], dilation[1])) {
      throw new Error(`convTranspose2d: outputPadding ${outputPadding.join('×')} must be smaller than stride or dilation`);
    }
    const oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outputPadding[0] + 1;
    const ow = (wd - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outputPadding[1] + 1;
    if (oh < 1 || ow < 1) throw new Error(`convTranspose2d: output would be ${oh}×${ow} for input ${fmt(x.shape)}`);
    const geo: Conv2dGeometry = { stride, padding, dilation, groups };
    const outShape = [n, oc, oh, ow];
    const xc = contiguous(x);
    const wc = contiguous(w);
    let out = wrap(
      entry,
      entry.backend.kernels.convTranspose2d({ x: dense(xc, 'convTranspose2d'), w: dense(wc, 'convTranspose2d') }, { ...geo, outputPadding, outShape }),
      outShape,
      'float32',
    );
    out = record(out, 'convTranspose2d', [xc, wc], (g) => {
      const gc = contiguous(g);
      // The input gradient is the forward conv2d of g; the weight gradient is conv2d's
      // weight gradient with the roles of input and output swapped.
      const gx = xc.requiresGrad
        ? wrap(
            entry,
            entry.backend.kernels.conv2d({ x: dense(gc, 'convTranspose2d'), w: dense(wc, 'convTranspose2d') }, { ...geo, outShape: xc.shape }),
            xc.shape,
            'float32',
          )
        : null;
      const gw = wc.requiresGrad ? conv2dBackwardWeight(entry, gc, xc, geo, wc.shape) : null;
      return [gx, gw];
    });
    return bias ? add(out, reshape(bias, [1, oc, 1, 1])) : out;
  });
}
