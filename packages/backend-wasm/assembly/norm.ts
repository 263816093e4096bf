// Batch normalisation over channel axis 1 of a dense [N, C, S] float32 tensor: statistics,
// the normalising pass, and the three gradients. Statistics and gradients are one work unit per
// channel (a thread walks that channel's N planes); sums run in f32x4 lanes flushed into f64
// every FLUSH elements, so long planes keep float64-like accuracy at SIMD speed.

import { claim } from './gemm';

/** Parameter block of the batch-norm kernels (pointers are byte offsets; 0: absent). */
@unmanaged class BnParams {
  x: i32; dy: i32; mean: i32; invstd: i32; weight: i32; bias: i32;
  y: i32; dweight: i32; dbias: i32;
  N: i32; C: i32; S: i32; batchStats: i32;
}

/** Elements summed in f32 lanes before the partial sums move into a float64. */
const FLUSH: i32 = 1024;

/** Σ x[0..len) in f64 (f32x4 partial sums flushed every FLUSH elements). */
function sumPlane(x: usize, len: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  while (i < len) {
    const end = i + FLUSH < len ? i + FLUSH : len;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    for (; i + 8 <= end; i += 8) {
      s0 = f32x4.add(s0, v128.load(x + <usize>i * 4));
      s1 = f32x4.add(s1, v128.load(x + <usize>i * 4, 16));
    }
    const s = f32x4.add(s0, s1);
    let t = <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
    for (; i < end; i++) t += <f64>load<f32>(x + <usize>i * 4);
    total += t;
  }
  return total;
}

/** Σ (x − m)² over x[0..len), in f64 as {@link sumPlane}. */
function sumSquaresPlane(x: usize, len: i32, m: f32): f64 {
  const mv = f32x4.splat(m);
  let total: f64 = 0;
  let i = 0;
  while (i < len) {
    const end = i + FLUSH < len ? i + FLUSH : len;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    for (; i + 8 <= end; i += 8) {
      const d0 = f32x4.sub(v128.load(x + <usize>i * 4), mv);
      const d1 = f32x4.sub(v128.load(x + <usize>i * 4, 16), mv);
      s0 = f32x4.add(s0, f32x4.mul(d0, d0));
      s1 = f32x4.add(s1, f32x4.mul(d1, d1));
    }
    const s = f32x4.add(s0, s1);
    let t = <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
    for (; i < end; i++) {
      const d = load<f32>(x + <usize>i * 4) - m;
      t += <f64>(d * d);
    }
    total += t;
  }
  return total;
}

/** Per-channel mean and biased variance (two passes: the mean, then squared deviations). */
export function bnStats(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<BnParams>(p);
  const N = q.N, C = q.C, S = q.S;
  const M = <f64>N * <f64>S;
  for (let c = claim(); c < C; c = claim()) {
    let sum: f64 = 0;
    for (let n = 0; n < N; n++) sum += sumPlane(<usize>q.x + <usize>((n * C + c) * S) * 4, S);
    const mean = sum / M;
    let sq: f64 = 0;
    for (let n = 0; n < N; n++) sq += sumSquaresPlane(<usize>q.x + <usize>((n * C + c) * S) * 4, S, <f32>mean);
    store<f32>(<usize>q.mean + <usize>c * 4, <f32>mean);
    store<f32>(<usize>q.y + <usize>c * 4, <f32>(sq / M));
  }
}

/** Planes per work unit of {@link bnApply}, so that small planes do not cost a claim each. */
function planesPerUnit(S: i32): i32 {
  return S >= 4096 ? 1 : 4096 / (S > 0 ? S : 1);
}

/** `y = (x − mean[c])·invstd[c]·weight[c] + bias[c]`, plane by plane. */
export function bnApply(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<BnParams>(p);
  const N = q.N, C = q.C, S = q.S;
  const planes = N * C;
  const per = planesPerUnit(S);
  const units = (planes + per - 1) / per;
  for (let u = claim(); u < units; u = claim()) {
    const end = (u + 1) * per < planes ? (u + 1) * per : planes;
    for (let pl = u * per; pl < end; pl++) {
      const c = pl % C;
      const m = load<f32>(<usize>q.mean + <usize>c * 4);
      const scale = load<f32>(<usize>q.invstd + <usize>c * 4) * (q.weight != 0 ? load<f32>(<usize>q.weight + <usize>c * 4) : 1);
      const shift: f32 = q.bias != 0 ? load<f32>(<usize>q.bias + <usize>c * 4) : 0;
      const mv = f32x4.splat(m), sv = f32x4.splat(scale), bv = f32x4.splat(shift);
      const x = <usize>q.x + <usize>(pl * S) * 4;
      const y = <usize>q.y + <usize>(pl * S) * 4;
      let i = 0;
      for (; i + 4 <= S; i += 4) {
        const o = <usize>i * 4;
        v128.store(y + o, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + o), mv), sv), bv));
      }
      for (; i < S; i++) {
        const o = <usize>i * 4;
        store<f32>(y + o, (load<f32>(x + o) - m) * scale + shift);
      }
    }
  }
}

/**
 * Gradients of {@link bnApply} for `dy`, one channel per unit: a pass for Σ dy and
 * Σ dy·(x − mean), then `dx = dy·scale + (x − mean)·k + b` with k and b zero unless the
 * statistics came from the batch (see core's `batchNormBackward` specification).
 */
export function bnBackward(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<BnParams>(p);
  const N = q.N, C = q.C, S = q.S;
  const M = <f64>N * <f64>S;
  for (let c = claim(); c < C; c = claim()) {
    const m = load<f32>(<usize>q.mean + <usize>c * 4);
    const mv = f32x4.splat(m);
    let sg: f64 = 0, sgx: f64 = 0;
    for (let n = 0; n < N; n++) {
      const off = <usize>((n * C + c) * S) * 4;
      const x = <usize>q.x + off, g = <usize>q.dy + off;
      let i = 0;
      while (i < S) {
        const end = i + FLUSH < S ? i + FLUSH : S;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
        for (; i + 4 <= end; i += 4) {
          const o = <usize>i * 4;
          const gv = v128.load(g + o);
          a0 = f32x4.add(a0, gv);
          a1 = f32x4.add(a1, f32x4.mul(gv, f32x4.sub(v128.load(x + o), mv)));
        }
        let t0 = <f64>f32x4.extract_lane(a0, 0) + <f64>f32x4.extract_lane(a0, 1) + <f64>f32x4.extract_lane(a0, 2) + <f64>f32x4.extract_lane(a0, 3);
        let t1 = <f64>f32x4.extract_lane(a1, 0) + <f64>f32x4.extract_lane(a1, 1) + <f64>f32x4.extract_lane(a1, 2) + <f64>f32x4.extract_lane(a1, 3);
        for (; i < end; i++) {
          const o = <usize>i * 4;
          const gs = load<f32>(g + o);
          t0 += <f64>gs;
          t1 += <f64>(gs * (load<f32>(x + o) - m));
        }
        sg += t0;
        sgx += t1;
      }
    }
    const is = <f64>load<f32>(<usize>q.invstd + <usize>c * 4);
    store<f32>(<usize>q.dbias + <usize>c * 4, <f32>sg);
    store<f32>(<usize>q.dweight + <usize>c * 4, <f32>(sgx * is));
    const scale = is * (q.weight != 0 ? <f64>load<f32>(<usize>q.weight + <usize>c * 4) : 1);
    const k: f32 = q.batchStats != 0 ? <f32>((-scale * is * is * sgx) / M) : 0;
    const b: f32 = q.batchStats != 0 ? <f32>((-scale * sg) / M) : 0;
    const sv = f32x4.splat(<f32>scale), kv = f32x4.splat(k), bv = f32x4.splat(b);
    const sf = <f32>scale;
    for (let n = 0; n < N; n++) {
      const off = <usize>((n * C + c) * S) * 4;
      const x = <usize>q.x + off, g = <usize>q.dy + off, dx = <usize>q.y + off;
      let i = 0;
      for (; i + 4 <= S; i += 4) {
        const o = <usize>i * 4;
        v128.store(dx + o, f32x4.add(f32x4.add(f32x4.mul(v128.load(g + o), sv), f32x4.mul(f32x4.sub(v128.load(x + o), mv), kv)), bv));
      }
      for (; i < S; i++) {
        const o = <usize>i * 4;
        store<f32>(dx + o, load<f32>(g + o) * sf + (load<f32>(x + o) - m) * k + b);
      }
    }
  }
}
