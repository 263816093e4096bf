/** Elementwise unary and binary ops with broadcasting, and their gradients. */
import { opScope } from '../engine.js';
import type { BinaryOp, DType, UnaryOp } from '../backend/types.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { Tensor, dense, record } from '../tensor.js';
import { scalarLike, scalarOn } from './creation.js';
import { broadcastView, entryOf, wrap } from './util.js';
import { sumToShape } from './reduce.js';

const FLOAT_ONLY = new Set<UnaryOp>([
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'gelu',
  'geluTanh',
  'silu',
  'erf',
  'leakyRelu',
]);

function rawUnary(x: Tensor, op: UnaryOp, alpha?: number): Tensor {
  if (x.dtype === 'int32' && FLOAT_ONLY.has(op)) x = cast(x, 'float32');
  const entry = entryOf(op, x);
  const h = entry.backend.kernels.unary({ x: x.view(op) }, alpha === undefined ? { op } : { op, alpha });
  return wrap(entry, h, x.shape, x.dtype);
}

function unary(x: Tensor, op: UnaryOp, grad: ((g: Tensor, y: Tensor) => Tensor) | null, alpha?: number): Tensor {
  const y = rawUnary(x, op, alpha);
  if (!grad) return y;
  return record(y, op, [x], (g) => [grad(g, y)]);
}

/**
 * `g·act'(x)` for relu, sigmoid and tanh, written from the activation's output `y`: one fused
 * backend kernel where there is one, the composite otherwise. @internal
 */
export function activationGrad(g: Tensor, y: Tensor, activation: 'relu' | 'sigmoid' | 'tanh'): Tensor {
  const entry = entryOf(activation, g, y);
  const k = entry.backend.kernels.activationBackward;
  if (k && g.dtype === 'float32' && y.dtype === 'float32' && sameShape(g.shape, y.shape) && g.isContiguous && y.isContiguous) {
    return wrap(entry, k({ dy: dense(g, activation), y: dense(y, activation) }, { activation }), g.shape, 'float32');
  }
  switch (activation) {
    case 'relu':
      return mul(g, cast(gt(y, 0), g.dtype));
    case 'sigmoid':
      return mul(g, mul(y, rsub(1, y)));
    case 'tanh':
      return mul(g, rsub(1, square(y)));
  }
}

/** `-x`. */
export function neg(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'neg', (g) => neg(g));
  });
}
/** `|x|` (gradient 0 at 0, like PyTorch's sign). */
export function abs(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'abs', (g) => mul(g, sign(x)));
  });
}
/** `sign(x)` ∈ {-1, 0, 1}; zero gradient. */
export function sign(x: Tensor): Tensor {
  return opScope(() => {
    return rawUnary(x, 'sign');
  });
}
/** `e^x`. */
export function exp(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'exp', (g, y) => mul(g, y));
  });
}
/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'log', (g) => div(g, x));
  });
}
/** Square root. */
export function sqrt(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'sqrt', (g, y) => div(g, mul(y, 2)));
  });
}
/** `1/√x`. */
export function rsqrt(x: Tensor): Tensor {
  return opScope(() => {
    // d/dx x^-1/2 = -1/2 · x^-3/2 = -1/2 · y³
    return unary(x, 'rsqrt', (g, y) => mul(g, mul(pow(y, 3), -0.5)));
  });
}
/** `x²`. */
export function square(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'square', (g) => mul(g, mul(x, 2)));
  });
}
/** `1/x`. */
export function reciprocal(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'reciprocal', (g, y) => neg(mul(g, square(y))));
  });
}
/** Sine. */
export function sin(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'sin', (g) => mul(g, cos(x)));
  });
}
/** Cosine. */
export function cos(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'cos', (g) => neg(mul(g, sin(x))));
  });
}
/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'tanh', (g, y) => activationGrad(g, y, 'tanh'));
  });
}
/** Logistic sigmoid. */
export function sigmoid(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'sigmoid', (g, y) => activationGrad(g, y, 'sigmoid'));
  });
}
/** `max(x, 0)`. */
export function relu(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'relu', (g, y) => (x.dtype === 'float32' ? activationGrad(g, y, 'relu') : mul(g, cast(gt(x, 0), g.dtype))));
  });
}
/** `x` where positive, `slope·x` elsewhere (default slope 0.01). */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return opScope(() => {
    return unary(x, 'leakyRelu', (g) => mul(g, where(gt(x, 0), 1, slope)), slope);
  });
}
/** Gauss error function. */
export function erf(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'erf', (g) => mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))));
  });
}
/**
 * GELU: `x·Φ(x)` (exact, erf form) or its tanh approximation (`approximate: 'tanh'`, as in GPT-2).
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return opScope(() => {
    if (approximate === 'tanh') {
      return unary(x, 'geluTanh', (g) => {
        // y = 0.5x(1 + tanh(u)), u = c(x + 0.044715x³)
        const c = Math.sqrt(2 / Math.PI);
        const u = mul(add(x, mul(pow(x, 3), 0.044715)), c);
        const t = tanh(u);
        const du = mul(add(mul(square(x), 3 * 0.044715), 1), c);
        const dy = add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), rsub(1, square(t))), du));
        return mul(g, dy);
      });
    }
    return unary(x, 'gelu', (g) => {
      const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return mul(g, add(cdf, mul(x, pdf)));
    });
  });
}
/** SiLU / swish: `x·σ(x)`. */
export function silu(x: Tensor): Tensor {
  return opScope(() => {
    return unary(x, 'silu', (g) => {
      const s = sigmoid(x);
      return mul(g, mul(s, add(mul(x, rsub(1, s)), 1)));
    });
  });
}
/** Rounds down (zero gradient). */
export function floor(x: Tensor): Tensor {
  return opScope(() => {
    return rawUnary(x, 'floor');
  });
}
/** Rounds up (zero gradient). */
export function ceil(x: Tensor): Tensor {
  return opScope(() => {
    return rawUnary(x, 'ceil');
  });
}
/** Rounds half to even (zero gradient). */
export function round(x: Tensor): Tensor {
  return opScope(() => {
    return rawUnary(x, 'round');
  });
}

/** Converts to another dtype (float → int truncates toward zero); gradient passes to float inputs. */
export function cast(x: Tensor, dtype: DType): Tensor {
  return opScope(() => {
    if (x.dtype === dtype) return x;
    const entry = entryOf('cast', x);
    const y = wrap(entry, entry.backend.kernels.cast({ x: x.view('cast') }, { dtype }), x.shape, dtype);
    if (dtype === 'float32') return y;
    return y; // int outputs carry no gradient
  });
}

// ---- binary ---------------------------------------------------------------------------

function operands(op: string, a: Tensor | number, b: Tensor | number): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a tensor`);
  let ta = typeof a === 'number' ? scalarLike(a, b as Tensor) : a;
  let tb = typeof b === 'number' ? scalarLike(b, ta) : b;
  if (ta.dtype !== tb.dtype) {
    // int32 ⊕ float32 promotes to float32, as in PyTorch.
    if (ta.dtype === 'int32') ta = cast(ta, 'float32');
    else tb = cast(tb, 'float32');
  }
  return [ta, tb];
}

function rawBinary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const entry = entryOf(op, a, b);
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const h = entry.backend.kernels.binary({ a: broadcastView(op, a, outShape), b: broadcastView(op, b, outShape) }, { op, outShape });
  const isCompare = op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge';
  return wrap(entry, h, outShape, isCompare ? 'int32' : a.dtype);
}

function binary(
  op: BinaryOp,
  x: Tensor | number,
  y: Tensor | number,
  grad: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null],
): Tensor {
  const [a, b] = operands(op, x, y);
  const out = rawBinary(op, a, b);
  return record(out, op, [a, b], (g) => {
    const [ga, gb] = grad(g, a, b, out);
    return [ga && a.requiresGrad ? sumToShape(ga, a.shape) : null, gb && b.requiresGrad ? sumToShape(gb, b.shape) : null];
  });
}

/** `a + b` with broadcasting. */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return binary('add', a, b, (g) => [g, g]);
  });
}
/** `a - b` with broadcasting. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return binary('sub', a, b, (g, _a, b) => [g, b.requiresGrad ? neg(g) : null]);
  });
}
/** `s - x` for a number `s`. */
export function rsub(s: number, x: Tensor): Tensor {
  return opScope(() => {
    return sub(s, x);
  });
}
/** `a · b` with broadcasting. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return binary('mul', a, b, (g, a, b) => [a.requiresGrad ? mul(g, b) : null, b.requiresGrad ? mul(g, a) : null]);
  });
}
/** `a / b` with broadcasting. */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return binary('div', a, b, (g, a, b, out) => [a.requiresGrad ? div(g, b) : null, b.requiresGrad ? neg(div(mul(g, out), b)) : null]);
  });
}
/** `a ^ b` with broadcasting. */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return binary('pow', a, b, (g, a, b, out) => [
      a.requiresGrad ? mul(g, mul(b, rawBinary('pow', a, sub(b, 1)))) : null,
      // d/db a^b = a^b · ln a (defined for a > 0, as in PyTorch)
      b.requiresGrad ? mul(g, mul(out, log(a))) : null,
    ]);
  });
}
/** Elementwise maximum (gradient split evenly on ties, like PyTorch). */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return binary('maximum', a, b, (g, a, b) => {
      const ma = add(cast(gt(a, b), 'float32'), mul(cast(eq(a, b), 'float32'), 0.5));
      return [mul(g, ma), mul(g, rsub(1, ma))];
    });
  });
}
/** Elementwise minimum (gradient split evenly on ties). */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return binary('minimum', a, b, (g, a, b) => {
      const ma = add(cast(lt(a, b), 'float32'), mul(cast(eq(a, b), 'float32'), 0.5));
      return [mul(g, ma), mul(g, rsub(1, ma))];
    });
  });
}

function compare(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
  const [ta, tb] = operands(op, a, b);
  return rawBinary(op, ta, tb);
}
/** `a == b` as int32 0/1. */
export function eq(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return compare('eq', a, b);
  });
}
/** `a != b` as int32 0/1. */
export function ne(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return compare('ne', a, b);
  });
}
/** `a < b` as int32 0/1. */
export function lt(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return compare('lt', a, b);
  });
}
/** `a <= b` as int32 0/1. */
export function le(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return compare('le', a, b);
  });
}
/** `a > b` as int32 0/1. */
export function gt(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return compare('gt', a, b);
  });
}
/** `a >= b` as int32 0/1. */
export function ge(a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    return compare('ge', a, b);
  });
}

/** `cond ? a : b` elementwise with broadcasting; `cond` is any tensor (non-zero is true). */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return opScope(() => {
    const [ta, tb] = operands('where', typeof a === 'number' && typeof b === 'number' ? scalarOn(a, cond, 'float32') : a, b);
    const c = cond.dtype === 'int32' ? cond : ne(cond, 0);
    const entry = entryOf('where', c, ta, tb);
    const outShape = broadcastShapes('where', broadcastShapes('where', c.shape, ta.shape), tb.shape);
    const h = entry.backend.kernels.where(
      { cond: broadcastView('where', c, outShape), a: broadcastView('where', ta, outShape), b: broadcastView('where', tb, outShape) },
      { outShape },
    );
    const out = wrap(entry, h, outShape, ta.dtype);
    return record(out, 'where', [ta, tb], (g) => {
      const zero = scalarLike(0, g);
      return [ta.requiresGrad ? sumToShape(where(c, g, zero), ta.shape) : null, tb.requiresGrad ? sumToShape(where(c, zero, g), tb.shape) : null];
    });
  });
}

/** Clamps into `[min, max]` (either bound optional); gradient 1 inside, 0 outside. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  return opScope(() => {
    let y = x;
    if (min !== undefined) y = maximumStrict(y, min);
    if (max !== undefined) y = minimumStrict(y, max);
    return y === x ? mul(x, 1) : y;
  });
}

// Clamp's gradient passes at the boundary (like torch.clamp), unlike maximum's tie split.
function maximumStrict(x: Tensor, bound: number): Tensor {
  const b = scalarLike(bound, x);
  const out = rawBinary('maximum', x, b);
  return record(out, 'clamp', [x], (g) => [mul(g, cast(ge(x, bound), g.dtype))]);
}
function minimumStrict(x: Tensor, bound: number): Tensor {
  const b = scalarLike(bound, x);
  const out = rawBinary('minimum', x, b);
  return record(out, 'clamp', [x], (g) => [mul(g, cast(le(x, bound), g.dtype))]);
}

/** Whether two tensors have equal shapes. */
export function shapesEqual(a: Tensor, b: Tensor): boolean {
  return sameShape(a.shape, b.shape);
}
