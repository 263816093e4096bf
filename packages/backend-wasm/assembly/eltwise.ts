// Vectorised elementwise kernels over dense float32 buffers (byte pointers, element counts).
// Threaded ones take (params, tid, nt) and split the range in 16-element-aligned blocks.

import { part } from './gemm';

/** Parameter block of the elementwise kernels: pointers, count, op, and f32 scalars. */
@unmanaged class EwParams {
  a: i32; b: i32; c: i32; d: i32; y: i32;
  n: i32; op: i32; flag: i32;
  s0: f32; s1: f32; s2: f32; s3: f32; s4: f32; s5: f32;
}

function span(n: i32, tid: i32, nt: i32): i64 {
  const blocks = (n + 15) >> 4;
  const b0 = part(tid, nt, blocks) << 4;
  let b1 = part(tid + 1, nt, blocks) << 4;
  if (b1 > n) b1 = n;
  return (<i64>b0 << 32) | <i64>(<u32>b1);
}

/**
 * `y = act(a + b)` (op: 0 none, 1 relu), the fused residual merge; op 2 is `y = a + b`,
 * op 3 `y = a · b`, op 4 `y = a - b`, op 5 `y = a / b` on same-shape dense buffers.
 */
export function binaryDense(p: usize, tid: i32, nt: i32): void {
  const q = changetype<EwParams>(p);
  const s = span(q.n, tid, nt);
  const i0 = <i32>(s >> 32), i1 = <i32>(s & 0xffffffff);
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
  }
}

/**
 * In-place SGD (torch.optim.SGD, dampening 0): `d = g + wd·p`; with momentum
 * `v = first ? d : m·v + d`, `d = nesterov ? d + m·v : v`; `p -= lr·d`.
 * Params: a = param, b = grad, c = velocity (0 without momentum), flag bit 0 nesterov,
 * bit 1 first step; s0 lr, s1 momentum, s2 weight decay.
 */
export function sgdStep(p: usize, tid: i32, nt: i32): void {
  const q = changetype<EwParams>(p);
  const s = span(q.n, tid, nt);
  const i0 = <i32>(s >> 32), i1 = <i32>(s & 0xffffffff);
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
 * and the bias correction √(1-β2^t) in the f32 slot after s5.
 */
export function adamStep(p: usize, tid: i32, nt: i32): void {
  const q = changetype<EwParams>(p);
  const s = span(q.n, tid, nt);
  const i0 = <i32>(s >> 32), i1 = <i32>(s & 0xffffffff);
  const pp = <usize>q.a, gp = <usize>q.b, mp = <usize>q.c, vp = <usize>q.d;
  const bc2 = load<f32>(p + offsetof<EwParams>());
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

function vop(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case 0: return f32x4.add(a, b);
    case 1: return f32x4.sub(a, b);
    case 2: return f32x4.mul(a, b);
    case 3: return f32x4.div(a, b);
    case 4: return f32x4.max(a, b);
    default: return f32x4.min(a, b);
  }
}

function sop(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return a != a || b != b ? NaN : Mathf.max(a, b);
    default: return a != a || b != b ? NaN : Mathf.min(a, b);
  }
}

/**
 * Broadcast float32 arithmetic, row by row: output row r (dense, `len` elements) is
 * `A[aStarts[r] + i·sa] op B[bStarts[r] + i·sb]`, starts being element indices (i32 arrays at
 * `aStarts`, `bStarts`). op: 0 add, 1 sub, 2 mul, 3 div, 4 maximum, 5 minimum. Unit steps and
 * stride-0 (broadcast) operands run as SIMD; other steps as scalar loops. Threads split rows.
 */
export function binaryRows(p: usize, tid: i32, nt: i32): void {
  const q = changetype<RowParams>(p);
  const len = q.len, sa = q.sa, sb = q.sb, op = q.op;
  const r1 = part(tid + 1, nt, q.rows);
  for (let r = part(tid, nt, q.rows); r < r1; r++) {
    const a = <usize>load<i32>(<usize>q.aStarts + <usize>r * 4) * 4;
    const b = <usize>load<i32>(<usize>q.bStarts + <usize>r * 4) * 4;
    const y = <usize>q.y + <usize>r * <usize>len * 4;
    let i = 0;
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, vop(op, v128.load(a + o), v128.load(b + o)));
      }
    } else if (sa == 1 && sb == 0) {
      const bv = v128.load32_splat(b);
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, vop(op, v128.load(a + o), bv));
      }
    } else if (sa == 0 && sb == 1) {
      const av = v128.load32_splat(a);
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, vop(op, av, v128.load(b + o)));
      }
    }
    for (; i < len; i++) {
      store<f32>(y + <usize>i * 4, sop(op, load<f32>(a + <usize>(i * sa) * 4), load<f32>(b + <usize>(i * sb) * 4)));
    }
  }
}

/**
 * In-place float32 unary ops on a dense range (params: a = x, y = out, n, op, s0 = alpha):
 * 0 relu, 1 neg, 2 abs, 3 square, 4 sqrt, 5 rsqrt, 6 reciprocal, 7 floor, 8 ceil,
 * 9 round (half to even), 10 leakyRelu. relu keeps NaN (`x < 0 ? 0 : x`, as torch).
 */
export function unaryDense(p: usize, tid: i32, nt: i32): void {
  const q = changetype<EwParams>(p);
  const s = span(q.n, tid, nt);
  const i0 = <i32>(s >> 32), i1 = <i32>(s & 0xffffffff);
  const x = <usize>q.a, y = <usize>q.y, op = q.op;
  const zero = f32x4.splat(0), one = f32x4.splat(1), alpha = f32x4.splat(q.s0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    let r: v128;
    switch (op) {
      case 0: r = v128.bitselect(zero, v, f32x4.lt(v, zero)); break;
      case 1: r = f32x4.neg(v); break;
      case 2: r = f32x4.abs(v); break;
      case 3: r = f32x4.mul(v, v); break;
      case 4: r = f32x4.sqrt(v); break;
      case 5: r = f32x4.div(one, f32x4.sqrt(v)); break;
      case 6: r = f32x4.div(one, v); break;
      case 7: r = f32x4.floor(v); break;
      case 8: r = f32x4.ceil(v); break;
      case 9: r = f32x4.nearest(v); break;
      default: r = v128.bitselect(v, f32x4.mul(v, alpha), f32x4.gt(v, zero)); break;
    }
    v128.store(y + o, r);
  }
  for (; i < i1; i++) {
    const o = <usize>i * 4;
    const v = load<f32>(x + o);
    let r: f32;
    switch (op) {
      case 0: r = v < 0 ? 0 : v; break;
      case 1: r = -v; break;
      case 2: r = Mathf.abs(v); break;
      case 3: r = v * v; break;
      case 4: r = Mathf.sqrt(v); break;
      case 5: r = 1 / Mathf.sqrt(v); break;
      case 6: r = 1 / v; break;
      case 7: r = Mathf.floor(v); break;
      case 8: r = Mathf.ceil(v); break;
      case 9: r = nearest<f32>(v); break;
      default: r = v > 0 ? v : v * q.s0; break;
    }
    store<f32>(y + o, r);
  }
}
