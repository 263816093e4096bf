/** Options every model takes, and small helpers shared by the builders. */
import { full, parameter, type BatchNorm2d, type Skip } from '@skipnet/core';

/** Options shared by every model of the registry. */
export interface CommonOptions {
  /** Input channels (default 3 for ImageNet-style models, as their papers; MNIST is 1). */
  inChannels?: number;
  /** Output classes (default 1000 for ImageNet models, 10 for CIFAR models). */
  numClasses?: number;
  /**
   * Whether the skip connections are present (default true). `false` builds the plain twin:
   * the same layers and parameter names with every bypass removed (see core's `Skip`).
   */
  skip?: boolean;
}

/** Applies `options.skip` to freshly built skips (the plain twin keeps every parameter). */
export function applySkip(skips: Iterable<Skip>, enabled: boolean | undefined): void {
  if (enabled === false) for (const s of skips) s.skip = false;
}

/**
 * Sets a BatchNorm's γ to 0 (torchvision's `zero_init_residual`): each residual block then
 * starts as the identity, which helps very deep nets early in training.
 */
export function zeroGamma(bn: BatchNorm2d): void {
  const old = bn.weight;
  bn.weight = parameter(full([bn.numFeatures], 0));
  old?.dispose();
}

/** Checks that `value` is a positive integer (builder arguments). */
export function positiveInt(name: string, value: number, where: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${where}: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** Stochastic-depth rate of block `i` of `n` (linear in depth, 0 for the first, `max` for the last). */
export function linearDropPath(max: number, i: number, n: number): number {
  return n <= 1 ? max : (max * i) / (n - 1);
}
