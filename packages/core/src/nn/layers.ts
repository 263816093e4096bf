/**
 * Layers with PyTorch's constructor signatures and attribute names, so their state-dict
 * keys (`weight`, `bias`, `running_mean`, …) are PyTorch's verbatim.
 */
import { noGrad } from '../engine.js';
import { fmt, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { ResizeMode } from '../backend/types.js';
import {
  add,
  adaptiveAvgPool2d,
  assign,
  avgPool2d,
  batchNorm,
  conv2d,
  convTranspose2d,
  dropout,
  embedding,
  flatten,
  full,
  gelu,
  groupNorm,
  layerNorm,
  leakyRelu,
  linear,
  maxPool2d,
  relu,
  sigmoid,
  silu,
  tanh,
  upsample,
  zeros,
  type Conv2dOptions,
} from '../ops/index.js';
import { Module, parameter } from './module.js';
import { initBias, initWeight, type WeightInit } from './init.js';

type Pair = number | readonly [number, number];

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

// ---- convolution --------------------------------------------------------------------------

/** Options of {@link Conv2d} (PyTorch's keyword arguments). */
export interface Conv2dLayerOptions {
  /** Default 1. */
  stride?: Pair;
  /** Zero padding per side, or `'same'` / `'valid'` (default 0). */
  padding?: Pair | 'same' | 'valid';
  /** Default 1. */
  dilation?: Pair;
  /** Channel groups (ResNeXt's cardinality; default 1). */
  groups?: number;
  /** Learn a bias (default true; torchvision's ResNet convs pass false). */
  bias?: boolean;
  /**
   * Weight initialisation (default `'kaimingNormal'`, torchvision's explicit init for its
   * conv nets: `N(0, √(2/fanOut))`, bias 0). A bare `nn.Conv2d` in PyTorch instead uses
   * `kaiming_uniform_(a=√5)`; pass `'torchDefault'` for that. See {@link WeightInit}.
   */
  init?: WeightInit;
  /** A constant to start the bias at (overrides `init` for the bias). */
  biasInit?: number;
}

/**
 * 2-D convolution. Input `[N, inChannels, H, W]` → `[N, outChannels, H', W']`.
 * Parameters: `weight` `[outChannels, inChannels/groups, kH, kW]`, `bias` `[outChannels]` or null.
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  /** `[outChannels, inChannels/groups, kH, kW]`. */
  weight: Tensor;
  /** `[outChannels]`, or null without bias. */
  bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`Conv2d: groups=${groups} must divide inChannels=${inChannels} and outChannels=${outChannels}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    const p = options.padding ?? 0;
    this.padding = p === 'same' || p === 'valid' ? p : pair(p);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = groups;
    const init = options.init ?? 'kaimingNormal';
    const shape = [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = parameter(initWeight(shape, init));
    this.bias = (options.bias ?? true) ? parameter(initBias([outChannels], init, sizeOf(shape.slice(1)), options.biasInit)) : null;
  }

  /** Convolution geometry for the op. */
  get convOptions(): Conv2dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.convOptions);
  }

  override multiplyAdds(_inputs: readonly Tensor[], output: Tensor): number {
    return output.size * sizeOf(this.weight.shape.slice(1));
  }
}

/** Options of {@link ConvTranspose2d}. */
export interface ConvTranspose2dLayerOptions {
  stride?: Pair;
  /** Cropping of each side of the full output (default 0). */
  padding?: Pair;
  /** Extra rows/columns on one side of the output (default 0). */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** Default `'torchDefault'` (PyTorch's own init; U-Net/FCN decoders keep it). */
  init?: WeightInit;
  biasInit?: number;
}

/**
 * Transposed 2-D convolution (learned upsampling). Input `[N, inChannels, H, W]` →
 * `[N, outChannels, (H-1)·s - 2p + d·(k-1) + outputPadding + 1, …]`.
 * Parameters: `weight` `[inChannels, outChannels/groups, kH, kW]`, `bias` `[outChannels]`.
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvTranspose2dLayerOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`ConvTranspose2d: groups=${groups} must divide inChannels=${inChannels} and outChannels=${outChannels}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    this.padding = pair(options.padding ?? 0);
    this.outputPadding = pair(options.outputPadding ?? 0);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = groups;
    const init = options.init ?? 'torchDefault';
    const shape = [inChannels, outChannels / groups, ...this.kernelSize];
    this.weight = parameter(initWeight(shape, init));
    // PyTorch computes the bias bound from weight.size(1)·k·k (its "fan_in" of this layout).
    this.bias = (options.bias ?? true) ? parameter(initBias([outChannels], init, sizeOf(shape.slice(1)), options.biasInit)) : null;
  }

  override forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override multiplyAdds(inputs: readonly Tensor[]): number {
    const x = inputs[0];
    return x ? x.size * sizeOf(this.weight.shape.slice(1)) : 0;
  }
}

// ---- linear -------------------------------------------------------------------------------

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Default true. */
  bias?: boolean;
  /** Default `'torchDefault'`: `U(±1/√in)` for weight and bias, as PyTorch. */
  init?: WeightInit;
  /** A constant to start the bias at (a highway gate's −1). */
  biasInit?: number;
}

/** `y = x·Wᵀ + b`. Input `[..., inFeatures]` → `[..., outFeatures]`. `weight` `[out, in]`, `bias` `[out]`. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const init = options.init ?? 'torchDefault';
    this.weight = parameter(initWeight([outFeatures, inFeatures], init));
    this.bias = (options.bias ?? true) ? parameter(initBias([outFeatures], init, inFeatures, options.biasInit)) : null;
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override multiplyAdds(_inputs: readonly Tensor[], output: Tensor): number {
    return output.size * this.inFeatures;
  }
}

// ---- normalisation ------------------------------------------------------------------------

/** Options of {@link BatchNorm2d}. */
export interface BatchNormLayerOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /**
   * Running-average factor, PyTorch's convention (default 0.1). PyTorch's `momentum=None`
   * (a cumulative average) is not supported.
   */
  momentum?: number;
  /** Learn `weight` and `bias` (default true). */
  affine?: boolean;
  /** Keep running statistics as buffers (default true); without them batch statistics are always used. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over the channel axis 1 of `[N, C, H, W]` (or `[N, C]`, `[N, C, L]`).
 * Training uses batch statistics and updates the buffers; eval uses the buffers.
 * Parameters `weight` (1) and `bias` (0) `[C]`; buffers `running_mean` (0), `running_var` (1)
 * `[C]` and `num_batches_tracked` (int32 scalar) — PyTorch's names.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  weight: Tensor | null;
  bias: Tensor | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super();
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const affine = options.affine ?? true;
    this.weight = affine ? parameter(full([numFeatures], 1)) : null;
    this.bias = affine ? parameter(full([numFeatures], 0)) : null;
    const track = options.trackRunningStats ?? true;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? full([numFeatures], 1) : null);
    this.registerBuffer('num_batches_tracked', track ? zeros([], { dtype: 'int32' }) : null);
  }

  /** Accepted input ranks (BatchNorm1d narrows them). @internal */
  protected checkInput(x: Tensor): void {
    if (x.rank !== 4 && x.rank !== 2) throw new Error(`${this.constructor.name}: expected [N,C,H,W] or [N,C] input, got ${fmt(x.shape)}`);
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(`${this.constructor.name}(${this.numFeatures}): input ${fmt(x.shape)} has ${x.shape[1]} channels`);
    }
    const nbt = this.num_batches_tracked;
    if (this.training && nbt) {
      noGrad(() => {
        const next = add(nbt, 1);
        assign(nbt, next);
        next.dispose();
      });
    }
    return batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, {
      training: this.training || !this.running_mean,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}

/** {@link BatchNorm2d} for `[N, C]` or `[N, C, L]` input (PyTorch's BatchNorm1d; same state). */
export class BatchNorm1d extends BatchNorm2d {
  protected override checkInput(x: Tensor): void {
    if (x.rank !== 2 && x.rank !== 3) throw new Error(`BatchNorm1d: expected [N,C] or [N,C,L] input, got ${fmt(x.shape)}`);
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  eps?: number;
  /** Learn `weight` (1) and `bias` (0) of the normalized shape (default true). */
  elementwiseAffine?: boolean;
  /** Learn the bias when affine (default true). */
  bias?: boolean;
}

/** Layer normalisation over the trailing `normalizedShape` dims. `weight`, `bias`: `normalizedShape`. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? parameter(full(this.normalizedShape, 1)) : null;
    this.bias = affine && (options.bias ?? true) ? parameter(full(this.normalizedShape, 0)) : null;
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

/** Group normalisation of `[N, C, ...]`: `numGroups` groups of channels. `weight`, `bias`: `[C]`. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(numGroups: number, numChannels: number, options: { eps?: number; affine?: boolean } = {}) {
    super();
    if (numChannels % numGroups !== 0) throw new Error(`GroupNorm: ${numGroups} groups do not divide ${numChannels} channels`);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? true;
    this.weight = affine ? parameter(full([numChannels], 1)) : null;
    this.bias = affine ? parameter(full([numChannels], 0)) : null;
  }

  override forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}

// ---- embedding, dropout -----------------------------------------------------------------------

/** Rows of `weight` `[numEmbeddings, embeddingDim]` by int32 index: `[...]` → `[..., embeddingDim]`. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  weight: Tensor;

  /** `std`: the normal init's deviation — 1 as in PyTorch; GPT-2 uses 0.02. */
  constructor(numEmbeddings: number, embeddingDim: number, options: { std?: number } = {}) {
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.weight = parameter(initWeight([numEmbeddings, embeddingDim], { normal: options.std ?? 1 }));
  }

  override forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight);
  }
}

/** Zeroes elements with probability `p` in training and scales the rest by `1/(1-p)`; identity in eval. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (p < 0 || p >= 1) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

// ---- pooling and resizing -------------------------------------------------------------------

/** Max pooling of `[N, C, H, W]` (stride defaults to the kernel, as PyTorch). */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(kernelSize: Pair, options: { stride?: Pair; padding?: Pair } = {}) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? kernelSize);
    this.padding = pair(options.padding ?? 0);
  }

  override forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding });
  }
}

/** Average pooling of `[N, C, H, W]` (`countIncludePad` default true, as PyTorch). */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly countIncludePad: boolean;

  constructor(kernelSize: Pair, options: { stride?: Pair; padding?: Pair; countIncludePad?: boolean } = {}) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? kernelSize);
    this.padding = pair(options.padding ?? 0);
    this.countIncludePad = options.countIncludePad ?? true;
  }

  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, countIncludePad: this.countIncludePad });
  }
}

/** Adaptive average pooling of `[N, C, H, W]` to `[N, C, outH, outW]`. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(outputSize: Pair) {
    super();
    this.outputSize = pair(outputSize);
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** Spatial resize of `[N, C, H, W]` by `size` or `scaleFactor` ('nearest' or 'bilinear'). */
export class Upsample extends Module {
  readonly size: [number, number] | undefined;
  readonly scaleFactor: number | readonly [number, number] | undefined;
  readonly mode: ResizeMode;
  readonly alignCorners: boolean;

  constructor(options: { size?: Pair; scaleFactor?: number | readonly [number, number]; mode?: ResizeMode; alignCorners?: boolean }) {
    super();
    if (options.size === undefined && options.scaleFactor === undefined) throw new Error('Upsample: give size or scaleFactor');
    this.size = options.size === undefined ? undefined : pair(options.size);
    this.scaleFactor = options.scaleFactor;
    this.mode = options.mode ?? 'nearest';
    this.alignCorners = options.alignCorners ?? false;
  }

  override forward(x: Tensor): Tensor {
    return upsample(x, {
      ...(this.size ? { size: this.size } : { scaleFactor: this.scaleFactor! }),
      mode: this.mode,
      alignCorners: this.alignCorners,
    });
  }
}

// ---- activations and plumbing ---------------------------------------------------------------

/** `max(x, 0)`. */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** GELU, exact (`'none'`, default) or the tanh approximation (GPT-2). */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  override forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}

/** `x·sigmoid(x)` (Swish). */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** `tanh(x)`. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** `1/(1+e^{-x})`. */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** `x ≥ 0 ? x : negativeSlope·x` (default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

/** Returns its input unchanged (a placeholder, or the identity shortcut made explicit). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
  /** Invisible in traces: it computes nothing. @internal */
  override traceRole(): 'none' {
    return 'none';
  }
}

/** Flattens dims `startDim..endDim` (default 1..-1: `[N, C, H, W]` → `[N, C·H·W]`). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}

/** Creates a module for an activation name (used by {@link Skip}'s `post`). @internal */
export function activationModule(name: 'relu' | 'gelu' | 'silu' | 'tanh' | 'sigmoid'): Module {
  switch (name) {
    case 'relu':
      return new ReLU();
    case 'gelu':
      return new GELU();
    case 'silu':
      return new SiLU();
    case 'tanh':
      return new Tanh();
    case 'sigmoid':
      return new Sigmoid();
  }
}
