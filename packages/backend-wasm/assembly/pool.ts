// Max and average pooling, forward and backward, threaded over NCHW planes (a plane's
// gradient only touches that plane, so threads never write the same element). The common
// 2×2 stride-2 unpadded window runs four outputs per vector; other geometries are scalar.

import { claim } from './gemm';

/** Parameter block of the pooling kernels. */
@unmanaged class PoolParams {
  x: i32; y: i32; idx: i32;
  planes: i32; H: i32; W: i32; OH: i32; OW: i32;
  kh: i32; kw: i32; sh: i32; sw: i32; ph: i32; pw: i32;
  /** avg: count padding in the divisor. */
  includePad: i32;
}

function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

/** torch's divisor of the window starting at (h0, w0). */
function divisor(h0: i32, w0: i32, q: PoolParams): f32 {
  if (q.includePad != 0) return <f32>((imin(h0 + q.kh, q.H + q.ph) - h0) * (imin(w0 + q.kw, q.W + q.pw) - w0));
  return <f32>((imin(h0 + q.kh, q.H) - imax(h0, 0)) * (imin(w0 + q.kw, q.W) - imax(w0, 0)));
}

function isPair2(q: PoolParams): bool {
  return q.kh == 2 && q.kw == 2 && q.sh == 2 && q.sw == 2 && q.ph == 0 && q.pw == 0;
}

/**
 * Max pooling: padding acts as -∞ (only in-bounds cells are scanned), ties keep the first
 * cell in window order, the first NaN wins; `idx` gets `h·W + w` within the input plane.
 */
export function maxPool(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<PoolParams>(p);
  const H = q.H, W = q.W, OH = q.OH, OW = q.OW;
  const pair = isPair2(q);
  for (let pl = claim(); pl < q.planes; pl = claim()) {
    const xp = <usize>q.x + <usize>(pl * H * W) * 4;
    const yp = <usize>q.y + <usize>(pl * OH * OW) * 4;
    const ip = <usize>q.idx + <usize>(pl * OH * OW) * 4;
    if (q.kh == 1 && q.kw == 1 && q.ph == 0 && q.pw == 0) {
      // A 1×1 window is a strided subsample (ResNet's option-A shortcut): copy, no search.
      for (let oh = 0; oh < OH; oh++) {
        const h = oh * q.sh;
        for (let ow = 0; ow < OW; ow++) {
          const i = h * W + ow * q.sw;
          store<f32>(yp + <usize>(oh * OW + ow) * 4, load<f32>(xp + <usize>i * 4));
          store<i32>(ip + <usize>(oh * OW + ow) * 4, i);
        }
      }
      continue;
    }
    for (let oh = 0; oh < OH; oh++) {
      let ow = 0;
      if (pair) {
        const r0 = xp + <usize>(2 * oh * W) * 4;
        const r1 = r0 + <usize>W * 4;
        for (; ow + 4 <= OW; ow += 4) {
          const o = <usize>(2 * ow) * 4;
          const a0 = v128.load(r0 + o), a1 = v128.load(r0 + o, 16);
          const b0 = v128.load(r1 + o), b1 = v128.load(r1 + o, 16);
          const i0 = i32x4.add(i32x4.splat(2 * oh * W + 2 * ow), i32x4(0, 2, 4, 6));
          let best = i32x4.shuffle(a0, a1, 0, 2, 4, 6);
          let bi = i0;
          let c = i32x4.shuffle(a0, a1, 1, 3, 5, 7);
          let upd = v128.or(f32x4.gt(c, best), v128.and(f32x4.ne(c, c), f32x4.eq(best, best)));
          best = v128.bitselect(c, best, upd);
          bi = v128.bitselect(i32x4.add(i0, i32x4.splat(1)), bi, upd);
          c = i32x4.shuffle(b0, b1, 0, 2, 4, 6);
          upd = v128.or(f32x4.gt(c, best), v128.and(f32x4.ne(c, c), f32x4.eq(best, best)));
          best = v128.bitselect(c, best, upd);
          bi = v128.bitselect(i32x4.add(i0, i32x4.splat(W)), bi, upd);
          c = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
          upd = v128.or(f32x4.gt(c, best), v128.and(f32x4.ne(c, c), f32x4.eq(best, best)));
          best = v128.bitselect(c, best, upd);
          bi = v128.bitselect(i32x4.add(i0, i32x4.splat(W + 1)), bi, upd);
          v128.store(yp + <usize>(oh * OW + ow) * 4, best);
          v128.store(ip + <usize>(oh * OW + ow) * 4, bi);
        }
      }
      const h0 = oh * q.sh - q.ph;
      const hs = imax(h0, 0), he = imin(h0 + q.kh, H);
      for (; ow < OW; ow++) {
        const w0 = ow * q.sw - q.pw;
        const ws = imax(w0, 0), we = imin(w0 + q.kw, W);
        let best: f32 = -Infinity;
        let bi = imin(hs, H - 1) * W + imin(ws, W - 1);
        let stop = false;
        for (let h = hs; h < he && !stop; h++) {
          for (let w = ws; w < we; w++) {
            const v = load<f32>(xp + <usize>(h * W + w) * 4);
            if (v > best || v != v) {
              best = v;
              bi = h * W + w;
              if (v != v) {
                stop = true;
                break;
              }
            }
          }
        }
        store<f32>(yp + <usize>(oh * OW + ow) * 4, best);
        store<i32>(ip + <usize>(oh * OW + ow) * 4, bi);
      }
    }
  }
}

/** Gradient of max pooling: `dx` (x slot, zeroed here) += dy (y slot) at the recorded cells. */
export function maxPoolBackward(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<PoolParams>(p);
  const HW = q.H * q.W, P = q.OH * q.OW;
  for (let pl = claim(); pl < q.planes; pl = claim()) {
    const dx = <usize>q.x + <usize>(pl * HW) * 4;
    const dy = <usize>q.y + <usize>(pl * P) * 4;
    const ip = <usize>q.idx + <usize>(pl * P) * 4;
    memory.fill(dx, 0, <usize>HW * 4);
    for (let o = 0; o < P; o++) {
      const a = dx + <usize>load<i32>(ip + <usize>o * 4) * 4;
      store<f32>(a, load<f32>(a) + load<f32>(dy + <usize>o * 4));
    }
  }
}

/** Average pooling (divisor as torch: see {@link divisor}). */
export function avgPool(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<PoolParams>(p);
  const H = q.H, W = q.W, OH = q.OH, OW = q.OW;
  const pair = isPair2(q);
  const quarter = f32x4.splat(0.25);
  for (let pl = claim(); pl < q.planes; pl = claim()) {
    const xp = <usize>q.x + <usize>(pl * H * W) * 4;
    const yp = <usize>q.y + <usize>(pl * OH * OW) * 4;
    for (let oh = 0; oh < OH; oh++) {
      let ow = 0;
      if (pair) {
        const r0 = xp + <usize>(2 * oh * W) * 4;
        const r1 = r0 + <usize>W * 4;
        for (; ow + 4 <= OW; ow += 4) {
          const o = <usize>(2 * ow) * 4;
          const s0 = f32x4.add(v128.load(r0 + o), v128.load(r1 + o));
          const s1 = f32x4.add(v128.load(r0 + o, 16), v128.load(r1 + o, 16));
          const s = f32x4.add(i32x4.shuffle(s0, s1, 0, 2, 4, 6), i32x4.shuffle(s0, s1, 1, 3, 5, 7));
          v128.store(yp + <usize>(oh * OW + ow) * 4, f32x4.mul(s, quarter));
        }
      }
      const h0 = oh * q.sh - q.ph;
      const hs = imax(h0, 0), he = imin(h0 + q.kh, H);
      for (; ow < OW; ow++) {
        const w0 = ow * q.sw - q.pw;
        const ws = imax(w0, 0), we = imin(w0 + q.kw, W);
        let s: f64 = 0;
        for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) s += <f64>load<f32>(xp + <usize>(h * W + w) * 4);
        store<f32>(yp + <usize>(oh * OW + ow) * 4, <f32>(s / <f64>divisor(h0, w0, q)));
      }
    }
  }
}

/** Gradient of average pooling: `dx` (x slot, zeroed here) gets `dy / divisor` over each window. */
export function avgPoolBackward(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<PoolParams>(p);
  const H = q.H, W = q.W, OH = q.OH, OW = q.OW;
  for (let pl = claim(); pl < q.planes; pl = claim()) {
    const dx = <usize>q.x + <usize>(pl * H * W) * 4;
    const dy = <usize>q.y + <usize>(pl * OH * OW) * 4;
    memory.fill(dx, 0, <usize>(H * W) * 4);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * q.sh - q.ph;
      const hs = imax(h0, 0), he = imin(h0 + q.kh, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * q.sw - q.pw;
        const ws = imax(w0, 0), we = imin(w0 + q.kw, W);
        const v = load<f32>(dy + <usize>(oh * OW + ow) * 4) / divisor(h0, w0, q);
        for (let h = hs; h < he; h++) {
          for (let w = ws; w < we; w++) {
            const a = dx + <usize>(h * W + w) * 4;
            store<f32>(a, load<f32>(a) + v);
          }
        }
      }
    }
  }
}
