/** Reductions over axes, with keepDims, and their gradients. */
import { opScope } from '../engine.js';
import type { ReduceOp } from '../backend/types.js';
import { fmt, normAxes, normAxis, sizeOf, type Shape } from '../shape.js';
import { Tensor, dense, record } from '../tensor.js';
import { contiguous, expand, reshape } from './shape.js';
import { add, cast, div, eq, mul, sub, log, exp } from './elementwise.js';
import { entryOf, wrap } from './util.js';

/** Axes argument of reductions: one axis, several, or all (undefined). */
export type Axes = number | readonly number[] | undefined;

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function rawReduce(x: Tensor, op: ReduceOp, axes: readonly number[]): Tensor {
  const entry = entryOf(op, x);
  const xc = contiguous(x);
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  if (axes.length === 0) return op === 'mean' || op === 'sum' || op === 'max' || op === 'min' || op === 'prod' ? mul(xc, 1) : xc;
  const h = entry.backend.kernels.reduce({ x: dense(xc, op) }, { op, axes });
  return wrap(entry, h, outShape, op === 'mean' && x.dtype === 'int32' ? 'float32' : x.dtype);
}

function reduceOp(op: ReduceOp, x: Tensor, axesArg: Axes, keepDims: boolean, grad: (g: Tensor, axes: number[], y: Tensor) => Tensor): Tensor {
  const axes = normAxes(op, axesArg, x.rank);
  if (x.size === 0 && (op === 'max' || op === 'min')) throw new Error(`${op}: cannot reduce an empty tensor ${fmt(x.shape)}`);
  const input = op === 'mean' && x.dtype === 'int32' ? cast(x, 'float32') : x;
  const y = rawReduce(input, op, axes);
  const kept = keptShape(x.shape, axes);
  const out = keepDims ? reshape(y, kept) : y;
  return record(out, op, [input], (g) => [grad(reshape(g, kept), axes, reshape(y, kept))]);
}

/** Sum over `axes` (all by default). */
export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return opScope(() => {
    return reduceOp('sum', x, axes, keepDims, (g) => expand(g, x.shape));
  });
}

/** Mean over `axes` (all by default). */
export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return opScope(() => {
    return reduceOp('mean', x, axes, keepDims, (g, ax) => {
      const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
      return expand(div(g, count), x.shape);
    });
  });
}

function extremum(op: 'max' | 'min', x: Tensor, axes: Axes, keepDims: boolean): Tensor {
  return reduceOp(op, x, axes, keepDims, (g, ax, y) => {
    // Split the gradient evenly between tied extrema, as PyTorch's amax/amin do.
    const mask = cast(eq(x, y), 'float32');
    const ties = rawReduce(mask, 'sum', ax);
    return mul(mask, div(g, reshape(ties, keptShape(x.shape, ax))));
  });
}

/** Maximum over `axes` (all by default). */
export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return opScope(() => {
    return extremum('max', x, axes, keepDims);
  });
}

/** Minimum over `axes` (all by default). */
export function min(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return opScope(() => {
    return extremum('min', x, axes, keepDims);
  });
}

/** Product over `axes` (all by default); gradient assumes no zeros. */
export function prod(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return opScope(() => {
    return reduceOp('prod', x, axes, keepDims, (g, _ax, y) => div(mul(g, y), x));
  });
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  const entry = entryOf(op, x);
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    const r = argReduce(op, flat, 0, false);
    return keepDims
      ? reshape(
          r,
          x.shape.map(() => 1),
        )
      : r;
  }
  const a = normAxis(op, axis, x.rank);
  const xc = contiguous(x);
  const outShape = x.shape.filter((_, i) => i !== a);
  const y = wrap(entry, entry.backend.kernels.argReduce({ x: dense(xc, op) }, { op, axis: a }), outShape, 'int32');
  return keepDims ? reshape(y, keptShape(x.shape, [a])) : y;
}

/** Index of the maximum along `axis` (of the flattened tensor when omitted); int32. */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return opScope(() => {
    return argReduce('argmax', x, axis, keepDims);
  });
}

/** Index of the minimum along `axis` (of the flattened tensor when omitted); int32. */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return opScope(() => {
    return argReduce('argmin', x, axis, keepDims);
  });
}

/**
 * Variance over `axes`, dividing by `count - correction` (default 1: unbiased, like torch.var).
 */
export function variance(x: Tensor, axes?: Axes, keepDims = false, correction = 1): Tensor {
  return opScope(() => {
    const ax = normAxes('variance', axes, x.rank);
    const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
    const centered = sub(x, mean(x, ax, true));
    const ss = sum(mul(centered, centered), ax, keepDims);
    return div(ss, Math.max(count - correction, 0));
  });
}

/** `log(Σ exp(x))` over `axes`, computed stably. */
export function logSumExp(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return opScope(() => {
    const ax = normAxes('logSumExp', axes, x.rank);
    const m = reshape(rawReduce(x, 'max', ax), keptShape(x.shape, ax));
    const s = log(sum(exp(sub(x, m)), ax, true));
    const out = add(s, m);
    return keepDims
      ? out
      : reshape(
          out,
          x.shape.filter((_, i) => !ax.includes(i)),
        );
  });
}

/** Sums `g` down to `shape` (undoing broadcasting). @internal */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? sum(g, axes, true) : g;
  return sizeOf(s.shape) === sizeOf(shape) ? reshape(s, shape) : s;
}
