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
