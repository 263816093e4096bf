/**
 * Weight initialisation as PyTorch and torchvision do it. Each function generates the final
 * values straight into a new tensor with one seeded `rand`/`randn` call (scale and shift are
 * attributes of the random kernel), so building a large model allocates every weight once
 * and `manualSeed` makes model creation deterministic.
 */
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { full, rand, randn } from '../ops/index.js';

/** Fan-in and fan-out of a weight, computed as PyTorch's `_calculate_fan_in_and_fan_out`. */
export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

/**
 * Fans of a weight: `fanIn = shape[1]·receptive`, `fanOut = shape[0]·receptive` where
 * `receptive` is the product of the trailing dims. (For a transposed conv, whose weight is
 * `[in, out/groups, kH, kW]`, this gives PyTorch's — swapped — values too.)
 */
export function fans(shape: Shape): Fans {
  if (shape.length < 2) throw new Error(`fans: need a weight with at least 2 dims, got [${shape.join(', ')}]`);
  const receptive = shape.slice(2).reduce((n, d) => n * d, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** Nonlinearities known to {@link gain}. */
export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** PyTorch's `calculate_gain` (`a` is the leaky-ReLU slope, default 0.01). */
export function gain(nonlinearity: Nonlinearity, a = 0.01): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
      return Math.sqrt(2 / (1 + a * a));
    case 'selu':
      return 3 / 4;
  }
}

/** Options of the Kaiming (He) initialisers. */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (only with `leakyRelu`; default 0). */
  a?: number;
  /** Preserve the variance of the forward (`fanIn`) or backward (`fanOut`) pass. */
  mode?: 'fanIn' | 'fanOut';
  /** Default `leakyRelu` with `a` (so `a = 0` is ReLU), as in PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(shape: Shape, options: KaimingOptions, defaultMode: 'fanIn' | 'fanOut'): number {
  const f = fans(shape);
  const fan = (options.mode ?? defaultMode) === 'fanIn' ? f.fanIn : f.fanOut;
  const g = gain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  return fan > 0 ? g / Math.sqrt(fan) : 0;
}

/**
 * `N(0, gain/√fan)` with PyTorch's defaults (mode `fanIn`, ReLU). torchvision ResNet uses
 * `{ mode: 'fanOut', nonlinearity: 'relu' }`.
 */
export function kaimingNormal(shape: Shape, options: KaimingOptions = {}): Tensor {
  return randn(shape, { std: kaimingStd(shape, options, 'fanIn') });
}

/**
 * `U(±gain·√(3/fan))`; with `a = √5` and mode `fanIn` this is the default init of PyTorch's
 * Linear and Conv weights: `U(±1/√fanIn)`.
 */
export function kaimingUniform(shape: Shape, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(shape, options, 'fanIn');
  return rand(shape, { low: -bound, high: bound });
}

/** Glorot/Xavier uniform: `U(±gain·√(6/(fanIn + fanOut)))` (PyTorch's MultiheadAttention in-projection). */
export function xavierUniform(shape: Shape, options: { gain?: number } = {}): Tensor {
  const f = fans(shape);
  const bound = (options.gain ?? 1) * Math.sqrt(6 / Math.max(f.fanIn + f.fanOut, 1));
  return rand(shape, { low: -bound, high: bound });
}

/** `N(mean, std)`. */
export function normal(shape: Shape, std = 1, mean = 0): Tensor {
  return randn(shape, { std, mean });
}

/** `U(-bound, bound)`. */
export function uniform(shape: Shape, bound: number): Tensor {
  return rand(shape, { low: -bound, high: bound });
}

/** A constant tensor. */
export function constant(shape: Shape, value: number): Tensor {
  return full(shape, value);
}

/**
 * How a layer initialises its weight:
 * - `'kaimingNormal'`: `N(0, √(2/fanOut))` — torchvision's explicit init for ResNet, ResNeXt,
 *   Wide-ResNet, FCN and DenseNet convs (`kaiming_normal_(mode='fan_out', nonlinearity='relu')`);
 *   the bias, if any, starts at 0 as torchvision sets it.
 * - `'torchDefault'`: what a bare `nn.Conv2d` / `nn.Linear` does in PyTorch —
 *   `kaiming_uniform_(a=√5)`, i.e. `U(±1/√fanIn)`, and bias `U(±1/√fanIn)`.
 * - `{ normal: std }`: `N(0, std)` with zero bias (GPT-2 uses `std = 0.02`).
 * - `{ uniform: bound }`: `U(±bound)` with zero bias.
 * - `'zeros'`: all zeros (zero bias).
 * - a function creating the weight from its shape (the bias follows `'torchDefault'`).
 */
export type WeightInit = 'kaimingNormal' | 'torchDefault' | 'zeros' | { normal: number } | { uniform: number } | ((shape: Shape) => Tensor);

/** Creates a weight of `shape` per `init`. @internal */
export function initWeight(shape: Shape, init: WeightInit): Tensor {
  if (typeof init === 'function') return init(shape);
  if (init === 'kaimingNormal') return kaimingNormal(shape, { mode: 'fanOut', nonlinearity: 'relu' });
  if (init === 'torchDefault') return kaimingUniform(shape, { a: Math.sqrt(5) });
  if (init === 'zeros') return full(shape, 0);
  if ('normal' in init) return randn(shape, { std: init.normal });
  return rand(shape, { low: -init.uniform, high: init.uniform });
}

/**
 * Creates the bias of a layer whose weight was created per `init` (`fanIn` from the
 * weight); `value` overrides with a constant (a highway gate's −1). @internal
 */
export function initBias(shape: Shape, init: WeightInit, fanIn: number, value?: number): Tensor {
  if (value !== undefined) return full(shape, value);
  if (init === 'torchDefault' || typeof init === 'function') {
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    return rand(shape, { low: -bound, high: bound });
  }
  return full(shape, 0);
}
