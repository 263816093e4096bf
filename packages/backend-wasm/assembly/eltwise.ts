// Vectorised elementwise kernels over dense float32 buffers (byte pointers, element counts).
// Threaded ones take (params, tid, nt) and split the range in 16-element-aligned blocks.

import { claim } from './gemm';
import { erfv, expv, logv, tanhv } from './transcend';

/** Parameter block of the elementwise kernels: pointers, count, op, and f32 scalars (`EW_PARAMS` in src/kernels/params.ts). */
@unmanaged class EwParams {
  a: i32; b: i32; c: i32; d: i32; y: i32;
  n: i32; op: i32; flag: i32;
  s0: f32; s1: f32; s2: f32; s3: f32; s4: f32; s5: f32; s6: f32;
}

/** Elements per claimed unit of the elementwise kernels. */
const BLOCK: i32 = 8192;

/**
 * `y = act(a + b)` (op: 0 none, 1 relu), the fused residual merge; op 2 is `y = a + b`,
 * op 3 `y = a · b`, op 4 `y = a - b`, op 5 `y = a / b` on same-shape dense buffers; ops 6–8
 * are activation gradients from the output b for the gradient a: 6 relu `b > 0 ? a : 0`,
 * 7 sigmoid `a·b·(1 − b)`, 8 tanh `a·(1 − b²)`.
 */
export function binaryDense(p: usize, _tid: i32, _nt: i32): void {
  const n = changetype<EwParams>(p).n;
  const units = (n + BLOCK - 1) / BLOCK;
  for (let u = claim(); u < units; u = claim()) binaryDenseRange(p, u * BLOCK, u * BLOCK + BLOCK < n ? u * BLOCK + BLOCK : n);
}

function binaryDenseRange(p: usize, i0: i32, i1: i32): void {
  const q = changetype<EwParams>(p);
  const a = <usize>q.a, b = <usize>q.b, y = <usize>q.y;
  const op = q.op;
  const zero = f32x4.splat(0);
  let i = i0;
  if (op == 1) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, f32x4.max(f32x4.add(v128.load(a + o), v128.load(b + o)), zero));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      const v = load<f32>(a + o) + load<f32>(b + o);
      store<f32>(y + o, v < 0 ? 0 : v);
    }
  } else if (op == 0 || op == 2) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
    }
  } else if (op == 3) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      store<f32>(y + o, load<f32>(a + o) * load<f32>(b + o));
    }
  } else if (op == 4) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, f32x4.sub(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      store<f32>(y + o, load<f32>(a + o) - load<f32>(b + o));
    }
  } else if (op == 5) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, f32x4.div(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      store<f32>(y + o, load<f32>(a + o) / load<f32>(b + o));
    }
  } else if (op == 6) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, v128.and(v128.load(a + o), f32x4.gt(v128.load(b + o), zero)));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      store<f32>(y + o, load<f32>(b + o) > 0 ? load<f32>(a + o) : 0);
    }
  } else if (op == 7) {
    const one = f32x4.splat(1);
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      const v = v128.load(b + o);
      v128.store(y + o, f32x4.mul(f32x4.mul(v128.load(a + o), v), f32x4.sub(one, v)));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      const v = load<f32>(b + o);
      store<f32>(y + o, load<f32>(a + o) * v * (1 - v));
    }
  } else if (op == 8) {
    const one = f32x4.splat(1);
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      const v = v128.load(b + o);
      v128.store(y + o, f32x4.mul(v128.load(a + o), f32x4.sub(one, f32x4.mul(v, v))));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      const v = load<f32>(b + o);
      store<f32>(y + o, load<f32>(a + o) * (1 - v * v));
    }
  }
}

/**
 * In-place SGD (torch.optim.SGD, dampening 0): `d = g + wd·p`; with momentum
 * `v = first ? d : m·v + d`, `d = nesterov ? d + m·v : v`; `p -= lr·d`.
 * Params: a = param, b = grad, c = velocity (0 without momentum), flag bit 0 nesterov,
 * bit 1 first step; s0 lr, s1 momentum, s2 weight decay.
 */
export function sgdStep(p: usize, _tid: i32, _nt: i32): void {
  const n = changetype<EwParams>(p).n;
  const units = (n + BLOCK - 1) / BLOCK;
  for (let u = claim(); u < units; u = claim()) sgdStepRange(p, u * BLOCK, u * BLOCK + BLOCK < n ? u * BLOCK + BLOCK : n);
}

function sgdStepRange(p: usize, i0: i32, i1: i32): void {
  const q = changetype<EwParams>(p);
  const pp = <usize>q.a, gp = <usize>q.b, vp = <usize>q.c;
  const lr = f32x4.splat(q.s0), mom = f32x4.splat(q.s1), wd = f32x4.splat(q.s2);
  const nesterov = (q.flag & 1) != 0, first = (q.flag & 2) != 0;
  let i = i0;
  if (vp == 0) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      const pv = v128.load(pp + o);
      v128.store(pp + o, f32x4.sub(pv, f32x4.mul(lr, f32x4.add(v128.load(gp + o), f32x4.mul(wd, pv)))));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      const pv = load<f32>(pp + o);
      store<f32>(pp + o, pv - q.s0 * (load<f32>(gp + o) + q.s2 * pv));
    }
    return;
  }
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * 4;
    const pv = v128.load(pp + o);
    const d = f32x4.add(v128.load(gp + o), f32x4.mul(wd, pv));
    const v = first ? d : f32x4.add(f32x4.mul(mom, v128.load(vp + o)), d);
    v128.store(vp + o, v);
    const step = nesterov ? f32x4.add(d, f32x4.mul(mom, v)) : v;
    v128.store(pp + o, f32x4.sub(pv, f32x4.mul(lr, step)));
  }
  for (; i < i1; i++) {
    const o = <usize>i * 4;
    const pv = load<f32>(pp + o);
    const d = load<f32>(gp + o) + q.s2 * pv;
    const v = first ? d : q.s1 * load<f32>(vp + o) + d;
    store<f32>(vp + o, v);
    store<f32>(pp + o, pv - q.s0 * (nesterov ? d + q.s1 * v : v));
  }
}

/**
 * In-place Adam / AdamW: a = param, b = grad, c = m, d = v; s0 step size lr/(1-β1^t),
 * s1 β1, s2 β2, s3 eps, s4 L2 weight decay (Adam), s5 decoupled decay factor 1-lr·wd (AdamW),
 * and s6 the bias correction √(1-β2^t).
 */
export function adamStep(p: usize, _tid: i32, _nt: i32): void {
  const n = changetype<EwParams>(p).n;
  const units = (n + BLOCK - 1) / BLOCK;
  for (let u = claim(); u < units; u = claim()) adamStepRange(p, u * BLOCK, u * BLOCK + BLOCK < n ? u * BLOCK + BLOCK : n);
}

function adamStepRange(p: usize, i0: i32, i1: i32): void {
  const q = changetype<EwParams>(p);
  const pp = <usize>q.a, gp = <usize>q.b, mp = <usize>q.c, vp = <usize>q.d;
  const bc2 = q.s6;
  const stepS = f32x4.splat(q.s0), b1 = f32x4.splat(q.s1), b2 = f32x4.splat(q.s2), eps = f32x4.splat(q.s3);
  const l2 = f32x4.splat(q.s4), decay = f32x4.splat(q.s5), bc = f32x4.splat(bc2);
  const one = f32x4.splat(1);
  const c1 = f32x4.sub(one, b1), c2 = f32x4.sub(one, b2);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * 4;
    let pv = v128.load(pp + o);
    const g = f32x4.add(v128.load(gp + o), f32x4.mul(l2, pv));
    pv = f32x4.mul(pv, decay);
    const m = f32x4.add(f32x4.mul(b1, v128.load(mp + o)), f32x4.mul(c1, g));
    const v = f32x4.add(f32x4.mul(b2, v128.load(vp + o)), f32x4.mul(f32x4.mul(c2, g), g));
    v128.store(mp + o, m);
    v128.store(vp + o, v);
    const den = f32x4.add(f32x4.div(f32x4.sqrt(v), bc), eps);
    v128.store(pp + o, f32x4.sub(pv, f32x4.mul(stepS, f32x4.div(m, den))));
  }
  for (; i < i1; i++) {
    const o = <usize>i * 4;
    let pv = load<f32>(pp + o);
    const g = load<f32>(gp + o) + q.s4 * pv;
    pv = pv * q.s5;
    const m = q.s1 * load<f32>(mp + o) + (1 - q.s1) * g;
    const v = q.s2 * load<f32>(vp + o) + (1 - q.s2) * g * g;
    store<f32>(mp + o, m);
    store<f32>(vp + o, v);
    store<f32>(pp + o, pv - q.s0 * (m / (Mathf.sqrt(v) / bc2 + q.s3)));
  }
}

/** Parameter block of {@link binaryRows}. */
@unmanaged class RowParams {
  aStarts: i32; bStarts: i32; y: i32;
  rows: i32; len: i32; sa: i32; sb: i32; op: i32;
}

/** Integer 1 in every lane: comparison masks and-ed with it become int32 0/1. */
const ONE = i32x4(1, 1, 1, 1);

/**
 * Per-element operations and the row loop, inlined (static methods, so the decorator parses as
 * TypeScript): `binaryRows` calls `row` with a literal op, and after inlining the optimiser
 * folds every switch on it away, leaving one tight loop per op.
 */
class Op {
  @inline static v(op: i32, a: v128, b: v128): v128 {
    switch (op) {
      case 0: return f32x4.add(a, b);
      case 1: return f32x4.sub(a, b);
      case 2: return f32x4.mul(a, b);
      case 3: return f32x4.div(a, b);
      case 4: return f32x4.max(a, b);
      case 5: return f32x4.min(a, b);
      case 6: return v128.and(f32x4.eq(a, b), ONE);
      case 7: return v128.and(f32x4.ne(a, b), ONE);
      case 8: return v128.and(f32x4.lt(a, b), ONE);
      case 9: return v128.and(f32x4.le(a, b), ONE);
      case 10: return v128.and(f32x4.gt(a, b), ONE);
      default: return v128.and(f32x4.ge(a, b), ONE);
    }
  }

  @inline static s(op: i32, a: f32, b: f32): f32 {
    switch (op) {
      case 0: return a + b;
      case 1: return a - b;
      case 2: return a * b;
      case 3: return a / b;
      case 4: return a != a || b != b ? NaN : Mathf.max(a, b);
      default: return a != a || b != b ? NaN : Mathf.min(a, b);
    }
  }

  @inline static cmp(op: i32, a: f32, b: f32): i32 {
    switch (op) {
      case 6: return i32(a == b);
      case 7: return i32(a != b);
      case 8: return i32(a < b);
      case 9: return i32(a <= b);
      case 10: return i32(a > b);
      default: return i32(a >= b);
    }
  }

  /** One output row: `y[i] = A[a + i·sa] op B[b + i·sb]` (byte pointers a, b, y). */
  @inline static row(op: i32, a: usize, b: usize, y: usize, len: i32, sa: i32, sb: i32): void {
    let i = 0;
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, Op.v(op, v128.load(a + o), v128.load(b + o)));
      }
    } else if (sa == 1 && sb == 0) {
      const bv = v128.load32_splat(b);
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, Op.v(op, v128.load(a + o), bv));
      }
    } else if (sa == 0 && sb == 1) {
      const av = v128.load32_splat(a);
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, Op.v(op, av, v128.load(b + o)));
      }
    }
    for (; i < len; i++) {
      const x = load<f32>(a + <usize>(i * sa) * 4), z = load<f32>(b + <usize>(i * sb) * 4);
      if (op < 6) store<f32>(y + <usize>i * 4, Op.s(op, x, z));
      else store<i32>(y + <usize>i * 4, Op.cmp(op, x, z));
    }
  }
}

/**
 * Broadcast float32 arithmetic, row by row: output row r (dense, `len` elements) is
 * `A[aStarts[r] + i·sa] op B[bStarts[r] + i·sb]`, starts being element indices (i32 arrays at
 * `aStarts`, `bStarts`). op: 0 add, 1 sub, 2 mul, 3 div, 4 maximum, 5 minimum; comparisons
 * 6 eq, 7 ne, 8 lt, 9 le, 10 gt, 11 ge write int32 0/1. Unit steps and stride-0 (broadcast)
 * operands run as SIMD; other steps as scalar loops. Threads split rows.
 */
export function binaryRows(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<RowParams>(p);
  const len = q.len, sa = q.sa, sb = q.sb, op = q.op;
  // Units of whole rows, about BLOCK elements each, claimed dynamically.
  const per = len >= BLOCK ? 1 : BLOCK / (len > 0 ? len : 1);
  const units = (q.rows + per - 1) / per;
  for (let u = claim(); u < units; u = claim()) for (let r = u * per, r1 = r + per < q.rows ? r + per : q.rows; r < r1; r++) {
    const a = <usize>load<i32>(<usize>q.aStarts + <usize>r * 4) * 4;
    const b = <usize>load<i32>(<usize>q.bStarts + <usize>r * 4) * 4;
    const y = <usize>q.y + <usize>r * <usize>len * 4;
    switch (op) {
      case 0: Op.row(0, a, b, y, len, sa, sb); break;
      case 1: Op.row(1, a, b, y, len, sa, sb); break;
      case 2: Op.row(2, a, b, y, len, sa, sb); break;
      case 3: Op.row(3, a, b, y, len, sa, sb); break;
      case 4: Op.row(4, a, b, y, len, sa, sb); break;
      case 5: Op.row(5, a, b, y, len, sa, sb); break;
      case 6: Op.row(6, a, b, y, len, sa, sb); break;
      case 7: Op.row(7, a, b, y, len, sa, sb); break;
      case 8: Op.row(8, a, b, y, len, sa, sb); break;
      case 9: Op.row(9, a, b, y, len, sa, sb); break;
      case 10: Op.row(10, a, b, y, len, sa, sb); break;
      default: Op.row(11, a, b, y, len, sa, sb); break;
    }
  }
}

/** Unary float32 ops and their loop, inlined per literal op like {@link Op}. */
class Un {
  @inline static v(op: i32, v: v128, alpha: v128): v128 {
    const zero = f32x4.splat(0);
    switch (op) {
      case 0: return v128.bitselect(zero, v, f32x4.lt(v, zero));
      case 1: return f32x4.neg(v);
      case 2: return f32x4.abs(v);
      case 3: return f32x4.mul(v, v);
      case 4: return f32x4.sqrt(v);
      case 5: return f32x4.div(f32x4.splat(1), f32x4.sqrt(v));
      case 6: return f32x4.div(f32x4.splat(1), v);
      case 7: return f32x4.floor(v);
      case 8: return f32x4.ceil(v);
      case 9: return f32x4.nearest(v);
      case 11: return f32x4.convert_i32x4_s(v);
      case 12: return expv(v);
      case 13: return logv(v);
      case 14: return tanhv(v);
      case 15: return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expv(f32x4.neg(v))));
      case 16: return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), erfv(f32x4.mul(v, f32x4.splat(0.7071067811865476)))));
      case 17: {
        const u = f32x4.mul(f32x4.splat(0.7978845608028654), f32x4.add(v, f32x4.mul(f32x4.splat(0.044715), f32x4.mul(v, f32x4.mul(v, v)))));
        return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), tanhv(u)));
      }
      case 18: return f32x4.div(v, f32x4.add(f32x4.splat(1), expv(f32x4.neg(v))));
      case 19: return erfv(v);
      default: return v128.bitselect(v, f32x4.mul(v, alpha), f32x4.gt(v, zero));
    }
  }

  @inline static s(op: i32, v: f32, alpha: f32): f32 {
    switch (op) {
      case 0: return v < 0 ? 0 : v;
      case 1: return -v;
      case 2: return Mathf.abs(v);
      case 3: return v * v;
      case 4: return Mathf.sqrt(v);
      case 5: return 1 / Mathf.sqrt(v);
      case 6: return 1 / v;
      case 7: return Mathf.floor(v);
      case 8: return Mathf.ceil(v);
      case 9: return nearest<f32>(v);
      case 10: return v > 0 ? v : v * alpha;
      // The transcendental ops: the vector code on one lane, so every element gets the same result.
      default: return f32x4.extract_lane(Un.v(op, f32x4.splat(v), f32x4.splat(alpha)), 0);
    }
  }

  /** Scalar form of op 11: the element's bits are an int32, converted to float32. */
  @inline static i2f(v: f32): f32 {
    return <f32>reinterpret<i32>(v);
  }

  @inline static run(op: i32, x: usize, y: usize, i0: i32, i1: i32, alpha: f32): void {
    const av = f32x4.splat(alpha);
    let i = i0;
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(y + o, Un.v(op, v128.load(x + o), av));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      store<f32>(y + o, op == 11 ? Un.i2f(load<f32>(x + o)) : Un.s(op, load<f32>(x + o), alpha));
    }
  }
}

/**
 * Float32 unary ops on a dense range (params: a = x, y = out, may be the same; n, op,
 * s0 = alpha): 0 relu, 1 neg, 2 abs, 3 square, 4 sqrt, 5 rsqrt, 6 reciprocal, 7 floor, 8 ceil,
 * 9 round (half to even), 10 leakyRelu, 11 int32 → float32 conversion (cast), 12 exp, 13 log,
 * 14 tanh, 15 sigmoid, 16 gelu (erf), 17 gelu (tanh), 18 silu, 19 erf (see transcend.ts).
 * relu keeps NaN (`x < 0 ? 0 : x`, as torch).
 */
export function unaryDense(p: usize, _tid: i32, _nt: i32): void {
  const n = changetype<EwParams>(p).n;
  const units = (n + BLOCK - 1) / BLOCK;
  for (let u = claim(); u < units; u = claim()) unaryDenseRange(p, u * BLOCK, u * BLOCK + BLOCK < n ? u * BLOCK + BLOCK : n);
}

function unaryDenseRange(p: usize, i0: i32, i1: i32): void {
  const q = changetype<EwParams>(p);
  const x = <usize>q.a, y = <usize>q.y;
  switch (q.op) {
    case 0: Un.run(0, x, y, i0, i1, q.s0); break;
    case 1: Un.run(1, x, y, i0, i1, q.s0); break;
    case 2: Un.run(2, x, y, i0, i1, q.s0); break;
    case 3: Un.run(3, x, y, i0, i1, q.s0); break;
    case 4: Un.run(4, x, y, i0, i1, q.s0); break;
    case 5: Un.run(5, x, y, i0, i1, q.s0); break;
    case 6: Un.run(6, x, y, i0, i1, q.s0); break;
    case 7: Un.run(7, x, y, i0, i1, q.s0); break;
    case 8: Un.run(8, x, y, i0, i1, q.s0); break;
    case 9: Un.run(9, x, y, i0, i1, q.s0); break;
    case 10: Un.run(10, x, y, i0, i1, q.s0); break;
    case 12: Un.run(12, x, y, i0, i1, q.s0); break;
    case 13: Un.run(13, x, y, i0, i1, q.s0); break;
    case 14: Un.run(14, x, y, i0, i1, q.s0); break;
    case 15: Un.run(15, x, y, i0, i1, q.s0); break;
    case 16: Un.run(16, x, y, i0, i1, q.s0); break;
    case 17: Un.run(17, x, y, i0, i1, q.s0); break;
    case 18: Un.run(18, x, y, i0, i1, q.s0); break;
    case 19: Un.run(19, x, y, i0, i1, q.s0); break;
    default: Un.run(11, x, y, i0, i1, q.s0); break;
  }
}

/** Parameter block of {@link reduceRows}. */
@unmanaged class ReduceParams {
  xStarts: i32; accStarts: i32; acc: i32;
  rows: i32; len: i32; accStep: i32; op: i32;
}

/**
 * Float32 reduction into float64 accumulators, row by row: row r folds
 * `x[xStarts[r] .. + len)` into `acc[accStarts[r]]` (accStep 0) or elementwise into
 * `acc[accStarts[r] + i]` (accStep 1). op: 0 sum, 1 max, 2 min (NaN propagates, as torch).
 * Single-threaded: rows of different threads may share accumulators.
 */
export function reduceRows(p: usize, tid: i32, _nt: i32): void {
  const q = changetype<ReduceParams>(p);
  if (tid != 0) return;
  const len = q.len, op = q.op;
  const acc = <usize>q.acc;
  for (let r = 0; r < q.rows; r++) {
    const x = <usize>load<i32>(<usize>q.xStarts + <usize>r * 4) * 4;
    const a = acc + <usize>load<i32>(<usize>q.accStarts + <usize>r * 4) * 8;
    let i = 0;
    if (q.accStep == 0) {
      if (op == 0) {
        let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
        for (; i + 4 <= len; i += 4) {
          const v = v128.load(x + <usize>i * 4);
          s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
          s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
        }
        const s = f64x2.add(s0, s1);
        let t = load<f64>(a) + f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
        for (; i < len; i++) t += <f64>load<f32>(x + <usize>i * 4);
        store<f64>(a, t);
      } else {
        let m = f32x4.splat(<f32>load<f64>(a));
        for (; i + 4 <= len; i += 4) {
          const v = v128.load(x + <usize>i * 4);
          m = op == 1 ? f32x4.max(m, v) : f32x4.min(m, v);
        }
        let t = op == 1
          ? Mathf.max(Mathf.max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), Mathf.max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)))
          : Mathf.min(Mathf.min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), Mathf.min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
        for (; i < len; i++) {
          const v = load<f32>(x + <usize>i * 4);
          t = op == 1 ? Mathf.max(t, v) : Mathf.min(t, v);
        }
        store<f64>(a, <f64>t);
      }
    } else {
      if (op == 0) {
        for (; i + 4 <= len; i += 4) {
          const v = v128.load(x + <usize>i * 4);
          const o = a + <usize>i * 8;
          v128.store(o, f64x2.add(v128.load(o), f64x2.promote_low_f32x4(v)));
          v128.store(o, f64x2.add(v128.load(o, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
        }
        for (; i < len; i++) {
          const o = a + <usize>i * 8;
          store<f64>(o, load<f64>(o) + <f64>load<f32>(x + <usize>i * 4));
        }
      } else {
        for (; i < len; i++) {
          const o = a + <usize>i * 8;
          const v = <f64>load<f32>(x + <usize>i * 4);
          store<f64>(o, op == 1 ? Math.max(load<f64>(o), v) : Math.min(load<f64>(o), v));
        }
      }
    }
  }
}

/** Parameter block of {@link gatherRows}. */
@unmanaged class GatherParams {
  starts: i32; y: i32; rows: i32; len: i32; step: i32;
}

/**
 * A strided view made dense, row by row: output row r (`len` 4-byte elements) is
 * `x[starts[r] + i·step]`, starts being element indices (i32 array at `starts`). Rows of unit
 * step are block copies, step 0 a fill, others a strided loop; threads split the rows. Element
 * bits are copied, so float32 and int32 alike.
 */
export function gatherRows(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<GatherParams>(p);
  const len = q.len, step = q.step;
  const per = len >= BLOCK ? 1 : BLOCK / (len > 0 ? len : 1);
  const units = (q.rows + per - 1) / per;
  for (let u = claim(); u < units; u = claim()) {
    const r1 = (u + 1) * per < q.rows ? (u + 1) * per : q.rows;
    for (let r = u * per; r < r1; r++) {
      const x = <usize>load<i32>(<usize>q.starts + <usize>r * 4) * 4;
      const y = <usize>q.y + <usize>(r * len) * 4;
      if (step == 1) memory.copy(y, x, <usize>len * 4);
      else if (step == 0) {
        const v = v128.load32_splat(x);
        let i = 0;
        for (; i + 4 <= len; i += 4) v128.store(y + <usize>i * 4, v);
        for (; i < len; i++) store<i32>(y + <usize>i * 4, load<i32>(x));
      } else {
        const sb = <usize>step * 4;
        let xi = x;
        for (let i = 0; i < len; i++, xi += sb) store<i32>(y + <usize>i * 4, load<i32>(xi));
      }
    }
  }
}

/** Parameter block of {@link softmaxRows}. */
@unmanaged class SoftmaxParams {
  x: i32; y: i32; rows: i32; len: i32; log: i32;
}

/**
 * Softmax (log: 0) or log-softmax (log: 1) over each dense row of `len` floats: the row max,
 * Σ exp(x − max) in f32 lanes flushed into a float64 every 1024 elements, then
 * `exp(x − max) / Σ` or `(x − max) − log Σ`. NaN anywhere in a row makes the row NaN, as in
 * torch. Threads split the rows.
 */
export function softmaxRows(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<SoftmaxParams>(p);
  const L = q.len;
  const per = L >= BLOCK ? 1 : BLOCK / L;
  const units = (q.rows + per - 1) / per;
  for (let u = claim(); u < units; u = claim()) {
    const r1 = (u + 1) * per < q.rows ? (u + 1) * per : q.rows;
    for (let r = u * per; r < r1; r++) {
      const x = <usize>q.x + <usize>(r * L) * 4, y = <usize>q.y + <usize>(r * L) * 4;
      let mv = f32x4.splat(-Infinity);
      let i = 0;
      for (; i + 4 <= L; i += 4) mv = f32x4.max(mv, v128.load(x + <usize>i * 4));
      let m = Mathf.max(Mathf.max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), Mathf.max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
      for (; i < L; i++) m = Mathf.max(m, load<f32>(x + <usize>i * 4));
      const mm = f32x4.splat(m);
      let total: f64 = 0;
      i = 0;
      while (i < L) {
        const end = i + 1024 < L ? i + 1024 : L;
        let s = f32x4.splat(0);
        for (; i + 4 <= end; i += 4) {
          const e = expv(f32x4.sub(v128.load(x + <usize>i * 4), mm));
          if (q.log == 0) v128.store(y + <usize>i * 4, e);
          s = f32x4.add(s, e);
        }
        let t = <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
        for (; i < end; i++) {
          const e = f32x4.extract_lane(expv(f32x4.splat(load<f32>(x + <usize>i * 4) - m)), 0);
          if (q.log == 0) store<f32>(y + <usize>i * 4, e);
          t += <f64>e;
        }
        total += t;
      }
      if (q.log != 0) {
        const ls = f32x4.splat(<f32>Math.log(total));
        i = 0;
        for (; i + 4 <= L; i += 4) v128.store(y + <usize>i * 4, f32x4.sub(f32x4.sub(v128.load(x + <usize>i * 4), mm), ls));
        const l = <f32>Math.log(total);
        for (; i < L; i++) store<f32>(y + <usize>i * 4, (load<f32>(x + <usize>i * 4) - m) - l);
      } else {
        const inv = f32x4.splat(<f32>(1 / total));
        i = 0;
        for (; i + 4 <= L; i += 4) v128.store(y + <usize>i * 4, f32x4.mul(v128.load(y + <usize>i * 4), inv));
        const iv = <f32>(1 / total);
        for (; i < L; i++) store<f32>(y + <usize>i * 4, load<f32>(y + <usize>i * 4) * iv);
      }
    }
  }
}
