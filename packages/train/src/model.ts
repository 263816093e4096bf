/**
 * The model contract the trainer relies on. It is structural on purpose: `@skipnet/core`'s
 * nn `Module` satisfies it, and so does a hand-written class of keep-ed tensors, so the
 * training loop is testable without the nn layer.
 */
import type { Tensor } from '@skipnet/core';

/** Members every trainable model has besides its forward function. */
export interface TrainableModelBase {
  /** Switches to training mode (dropout on, batch statistics). The return value is ignored. */
  train(): unknown;
  /** Switches to evaluation mode. The return value is ignored. */
  eval(): unknown;
  /**
   * Parameters by dotted name (`layer1.0.conv1.weight`). The tensors must be the model's own
   * leaves (they receive `.grad`); those with `requiresGrad` false are frozen and skipped.
   */
  namedParameters(): Iterable<readonly [string, Tensor]>;
  /**
   * Parameters and persistent buffers by dotted name. The values may be the model's own
   * tensors: the trainer only reads (copies) them and never disposes them.
   */
  stateDict(): Record<string, Tensor>;
  /**
   * Copies `dict` into the model's tensors in place (so an optimizer holding them stays
   * valid). With `strict: true` missing or unexpected keys are an error. The caller keeps
   * ownership of `dict`.
   */
  loadStateDict(dict: Record<string, Tensor>, options: { strict: boolean }): unknown;
}

/**
 * A model the {@link Trainer} can train: {@link TrainableModelBase} plus either
 * `forward(x)` or `call(x)` (nn modules have both; `call` is preferred so forward hooks run).
 */
export type TrainableModel = TrainableModelBase & ({ forward(x: Tensor): Tensor } | { call(x: Tensor): Tensor });

/**
 * The function that runs `model` on a batch: `model.call` when present (so hooks and traces
 * see the call), else `model.forward`.
 * @throws Error when the model has neither.
 */
export function forwardOf(model: TrainableModel): (x: Tensor) => Tensor {
  const m = model as { call?: unknown; forward?: unknown };
  if (typeof m.call === 'function') return (x) => (m.call as (x: Tensor) => Tensor).call(model, x);
  if (typeof m.forward === 'function') return (x) => (m.forward as (x: Tensor) => Tensor).call(model, x);
  throw new Error('Trainer: the model has neither call(x) nor forward(x)');
}

/** The trainable (requiresGrad) parameters of `model`, by name, in the model's order. */
export function trainableParameters(model: TrainableModel): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  for (const [name, p] of model.namedParameters()) if (p.requiresGrad) out.push([name, p]);
  return out;
}
