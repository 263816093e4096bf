/**
 * Optimizers from plain configs, so a run's optimizer can be described in JSON (CLI
 * configs, `state.json`) and rebuilt. Weight decay is an optimizer option, as in PyTorch.
 */
import { Adam, AdamW, SGD, type Optimizer, type ParamsInput } from '@skipnet/core';

/** A JSON description of an optimizer. */
export type OptimizerSpec =
  | { readonly kind: 'sgd'; readonly lr: number; readonly momentum?: number; readonly nesterov?: boolean; readonly weightDecay?: number }
  | {
      readonly kind: 'adam' | 'adamw';
      readonly lr?: number;
      readonly betas?: readonly [number, number];
      /** Same as `betas[0]` (the field name in an optimizer's saved `config`). */
      readonly beta1?: number;
      /** Same as `betas[1]`. */
      readonly beta2?: number;
      readonly eps?: number;
      readonly weightDecay?: number;
    };

/**
 * Builds core's `SGD`, `Adam` or `AdamW` over `params`. Also accepts an optimizer's own
 * `config` (as saved in a checkpoint), which spells the betas `beta1`/`beta2`.
 * @throws Error naming the known kinds for an unknown `kind`.
 */
export function createOptimizer(spec: OptimizerSpec, params: ParamsInput): Optimizer {
  switch (spec.kind) {
    case 'sgd':
      return new SGD(params, {
        lr: spec.lr,
        ...(spec.momentum !== undefined ? { momentum: spec.momentum } : {}),
        ...(spec.nesterov !== undefined ? { nesterov: spec.nesterov } : {}),
        ...(spec.weightDecay !== undefined ? { weightDecay: spec.weightDecay } : {}),
      });
    case 'adam':
    case 'adamw': {
      const betas = spec.betas ?? (spec.beta1 !== undefined || spec.beta2 !== undefined ? ([spec.beta1 ?? 0.9, spec.beta2 ?? 0.999] as const) : undefined);
      const options = {
        ...(spec.lr !== undefined ? { lr: spec.lr } : {}),
        ...(betas ? { betas } : {}),
        ...(spec.eps !== undefined ? { eps: spec.eps } : {}),
        ...(spec.weightDecay !== undefined ? { weightDecay: spec.weightDecay } : {}),
      };
      return spec.kind === 'adam' ? new Adam(params, options) : new AdamW(params, options);
    }
    default:
      throw new Error(`createOptimizer: unknown optimizer kind ${JSON.stringify((spec as { kind?: unknown }).kind)} (known: sgd, adam, adamw)`);
  }
}
