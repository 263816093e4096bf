/**
 * Gradient norms and clipping, computed on the device: nothing here reads values back, so
 * it fits inside the synchronous `tidy` of a training step.
 */
import { add, div, fullLike, keep, minimum, mul, noGrad, sqrt, stack, sum, tidy, type Tensor } from '@skipnet/core';

/** Parameters as tensors or `[name, tensor]` pairs. */
export type ParamList = Iterable<Tensor | readonly [string, Tensor]>;

function tensorsOf(params: ParamList): Tensor[] {
  const out: Tensor[] = [];
  for (const p of params) out.push(Array.isArray(p) ? (p as readonly [string, Tensor])[1] : (p as Tensor));
  return out;
}

/**
 * Per-parameter squared L2 norms of the gradients, `[P]`; 0 for a parameter without a gradient
 * (a zero of the parameter's own backend: rare, so its allocation does not matter). @internal
 */
export function squaredGradNorms(ps: readonly Tensor[]): Tensor {
  if (ps.length === 0) throw new Error('gradNorms: no parameters');
  return tidy(() => noGrad(() => stack(ps.map((p) => (p.grad ? sum(mul(p.grad, p.grad)) : sum(fullLike(p, 0, 'float32')))))));
}

/**
 * The L2 norm of each parameter's gradient, as a float32 tensor `[P]` in the order given
 * (0 where a parameter has no gradient). The gradient-flow probe reads this.
 */
export function gradNorms(params: ParamList): Tensor {
  return tidy(() => noGrad(() => sqrt(squaredGradNorms(tensorsOf(params)))));
}

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** Added to the norm before dividing (default 1e-6, as PyTorch). */
  eps?: number;
}

/**
 * Scales all gradients together so their global L2 norm is at most `maxNorm`, like
 * `torch.nn.utils.clip_grad_norm_`: `g ← g · min(1, maxNorm / (‖g‖ + eps))`. The scale is
 * computed on the device (no readback), so this runs inside a training step's `tidy`.
 * Each `.grad` is replaced by its scaled copy.
 * @returns the global L2 norm before clipping, a float32 scalar the caller owns.
 */
export function clipGradNorm(params: ParamList, maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  const ps = tensorsOf(params);
  return tidy(() => clipWithSquaredNorms(ps, squaredGradNorms(ps), maxNorm, options.eps));
}

/**
 * Clips from precomputed per-parameter squared norms (the trainer computes them once for
 * both clipping and the gradient-flow probe); returns the global norm. @internal
 */
export function clipWithSquaredNorms(ps: readonly Tensor[], sq: Tensor, maxNorm: number, eps = 1e-6): Tensor {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  return tidy(() =>
    noGrad(() => {
      const total = sqrt(sum(sq));
      const coef = minimum(div(maxNorm, add(total, eps)), 1);
      for (const p of ps) {
        const g = p.grad;
        if (!g) continue;
        // Replace rather than assign in place: a gradient may be a strided view. keep()
        // takes the new gradient out of every tidy scope, like backward's own gradients.
        const scaled = keep(mul(g, coef));
        g.dispose();
        p.grad = scaled;
      }
      return total;
    }),
  );
}
