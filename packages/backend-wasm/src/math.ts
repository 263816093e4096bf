/**
 * Scalar math of the TypeScript elementwise kernels: erf (for the exact GELU), the fused-kernel
 * activations, and one tight loop per unary op over a range of a typed array.
 */
import type { Activation, UnaryOp } from '@skipnet/core';

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * The error function. Below |x| = 2.5 its Maclaurin series (summed until the terms vanish in
 * double precision); above, the continued fraction of erfc (Lentz), which converges quickly
 * there. Absolute error below 1e-13 everywhere: far beyond float32.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a !== a) return NaN;
  if (a < 2.5) {
    const z = a * a;
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= -z / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    const r = TWO_OVER_SQRT_PI * sum;
    return x < 0 ? -r : r;
  }
  if (a > 6) return x < 0 ? -1 : 1;
  // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …)))), evaluated by modified Lentz.
  const tiny = 1e-300;
  let f = a;
  let C = a;
  let D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = a + an * D;
    D = D === 0 ? tiny : 1 / D;
    C = a + an / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

const GELU_K = Math.sqrt(2 / Math.PI);

/** Round half to even, like torch.round. */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

type Arr = Float32Array | Int32Array;

/** `y[yo + i] = op(x[xo + i])` for `i < n`; x and y may be the same array and range. */
export function unaryLoop(op: UnaryOp, x: Arr, xo: number, y: Arr, yo: number, n: number, alpha: number): void {
  const d = yo - xo;
  const end = xo + n;
  let i = xo;
  switch (op) {
    case 'neg':
      for (; i < end; i++) y[i + d] = -x[i]!;
      return;
    case 'abs':
      for (; i < end; i++) y[i + d] = Math.abs(x[i]!);
      return;
    case 'sign':
      for (; i < end; i++) {
        const v = x[i]!;
        y[i + d] = v > 0 ? 1 : v < 0 ? -1 : 0;
      }
      return;
    case 'exp':
      for (; i < end; i++) y[i + d] = Math.exp(x[i]!);
      return;
    case 'log':
      for (; i < end; i++) y[i + d] = Math.log(x[i]!);
      return;
    case 'sqrt':
      for (; i < end; i++) y[i + d] = Math.sqrt(x[i]!);
      return;
    case 'rsqrt':
      for (; i < end; i++) y[i + d] = 1 / Math.sqrt(x[i]!);
      return;
    case 'square':
      if (y instanceof Int32Array)
        for (; i < end; i++) {
          const v = x[i]!;
          y[i + d] = Math.imul(v, v);
        }
      else
        for (; i < end; i++) {
          const v = x[i]!;
          y[i + d] = v * v;
        }
      return;
    case 'reciprocal':
      for (; i < end; i++) y[i + d] = 1 / x[i]!;
      return;
    case 'sin':
      for (; i < end; i++) y[i + d] = Math.sin(x[i]!);
      return;
    case 'cos':
      for (; i < end; i++) y[i + d] = Math.cos(x[i]!);
      return;
    case 'tanh':
      for (; i < end; i++) y[i + d] = Math.tanh(x[i]!);
      return;
    case 'sigmoid':
      for (; i < end; i++) y[i + d] = 1 / (1 + Math.exp(-x[i]!));
      return;
    case 'relu':
      for (; i < end; i++) {
        const v = x[i]!;
        y[i + d] = v < 0 ? 0 : v;
      }
      return;
    case 'leakyRelu':
      for (; i < end; i++) {
        const v = x[i]!;
        y[i + d] = v > 0 ? v : v * alpha;
      }
      return;
    case 'gelu':
      for (; i < end; i++) {
        const v = x[i]!;
        y[i + d] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
      }
      return;
    case 'geluTanh':
      for (; i < end; i++) {
        const v = x[i]!;
        y[i + d] = 0.5 * v * (1 + Math.tanh(GELU_K * (v + 0.044715 * v * v * v)));
      }
      return;
    case 'silu':
      for (; i < end; i++) {
        const v = x[i]!;
        y[i + d] = v / (1 + Math.exp(-v));
      }
      return;
    case 'erf':
      for (; i < end; i++) y[i + d] = erf(x[i]!);
      return;
    case 'floor':
      for (; i < end; i++) y[i + d] = Math.floor(x[i]!);
      return;
    case 'ceil':
      for (; i < end; i++) y[i + d] = Math.ceil(x[i]!);
      return;
    case 'round':
      for (; i < end; i++) y[i + d] = roundEven(x[i]!);
      return;
    default:
      throw new Error(`wasm unary: unknown op '${String(op)}'`);
  }
}

/** Applies a fused-kernel activation in place to `y[o .. o+n)`. */
export function activate(act: Activation, y: Float32Array, o: number, n: number): void {
  switch (act) {
    case 'none':
      return;
    case 'relu':
      unaryLoop('relu', y, o, y, o, n, 0);
      return;
    case 'sigmoid':
      unaryLoop('sigmoid', y, o, y, o, n, 0);
      return;
    case 'tanh':
      unaryLoop('tanh', y, o, y, o, n, 0);
      return;
    case 'gelu':
      unaryLoop('gelu', y, o, y, o, n, 0);
      return;
    case 'silu':
      unaryLoop('silu', y, o, y, o, n, 0);
      return;
    default:
      throw new Error(`wasm: unknown activation '${String(act)}'`);
  }
}
