// Convolution through the packed GEMM: im2col straight into packed B panels (forward), the
// transposed im2col packed as B (weight gradient), and GEMM into a staging area followed by
// col2im (input gradient, transposed convolution). Grouped and depthwise convolutions are
// per-group GEMMs over the same code.

import { KC, MC, MR, NC, NR, madd, SCR_A, SCR_B, SCR_E, SCR_K, SCR_T, T_CAP, claim, imax, imin, macro, microDirect, packA, packB, part, storeTile } from './gemm';

/**
 * The parameter block of a convolution kernel, laid out as i32 slots in linear memory by the
 * host: three pointers, the geometry, bias pointer (0: none), activation (0 none, 1 relu),
 * this call's scratch base and the per-thread scratch stride in bytes. Unmanaged: a typed
 * view of memory, never allocated.
 */
@unmanaged class Geo {
  p0: i32; p1: i32; p2: i32;
  N: i32; C: i32; H: i32; W: i32;
  OC: i32; OH: i32; OW: i32;
  kh: i32; kw: i32; sh: i32; sw: i32;
  ph: i32; pw: i32; dh: i32; dw: i32; groups: i32;
  bias: i32; act: i32; scratch: i32; sstride: i32;
}

/**
 * Packs rows [k0, k0+kc) × pixels [p0, p0+ncw) of one image's column matrix (row k = (c, ki, kj)
 * of the group, column p = output pixel) into NR-pixel panels.
 */
function packIm2col(dst: usize, xImg: usize, k0: i32, kc: i32, p0: i32, ncw: i32, g: Geo, coords: usize): void {
  const H = g.H, W = g.W, OW = g.OW, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw;
  const khw = kh * kw;
  const HW4 = <usize>(H * W) * 4;
  const zero = f32x4.splat(0);
  for (let j = 0; j < ncw; j += NR) {
    const cnt = imin(NR, ncw - j);
    const pj = p0 + j;
    const oh = pj / OW;
    const ow = pj - oh * OW;
    const oneRow = ow + cnt <= OW;
    const ihb = oh * sh - g.ph;
    const iwb = ow * sw - g.pw;
    if (!oneRow) {
      for (let q = 0; q < NR; q++) {
        let ih = -(1 << 28), iw = -(1 << 28);
        if (q < cnt) {
          const pq = pj + q;
          const y = pq / OW;
          ih = y * sh - g.ph;
          iw = (pq - y * OW) * sw - g.pw;
        }
        store<i32>(coords + <usize>q * 8, ih);
        store<i32>(coords + <usize>q * 8, iw, 4);
      }
    }
    let c = k0 / khw;
    const rem = k0 - c * khw;
    let ki = rem / kw;
    let kj = rem - ki * kw;
    let d = dst + <usize>(j * kc) * 4;
    for (let kk = 0; kk < kc; kk++) {
      const xc = xImg + <usize>c * HW4;
      if (oneRow) {
        const iy = ihb + ki * dh;
        if (<u32>iy >= <u32>H) {
          v128.store(d, zero);
          v128.store(d, zero, 16);
        } else {
          const ix0 = iwb + kj * dw;
          const row = xc + <usize>(iy * W) * 4;
          if (sw == 1 && cnt == NR && ix0 >= 0 && ix0 + NR <= W) {
            const s = row + <usize>ix0 * 4;
            v128.store(d, v128.load(s));
            v128.store(d, v128.load(s, 16), 16);
          } else if (sw == 1 && cnt == NR) {
            // Partly outside the row: load anyway (memory around every buffer is readable)
            // and zero the lanes outside [0, W).
            const s = row + <usize>ix0 * 4;
            const lo = i32x4.splat(-ix0), hi = i32x4.splat(W - ix0);
            const m0 = v128.and(i32x4.ge_s(IOTA0, lo), i32x4.lt_s(IOTA0, hi));
            const m1 = v128.and(i32x4.ge_s(IOTA1, lo), i32x4.lt_s(IOTA1, hi));
            v128.store(d, v128.and(v128.load(s), m0));
            v128.store(d, v128.and(v128.load(s, 16), m1), 16);
          } else {
            for (let q = 0; q < NR; q++) {
              const ix = ix0 + q * sw;
              const v: f32 = q < cnt && <u32>ix < <u32>W ? load<f32>(row + <usize>ix * 4) : 0;
              store<f32>(d + <usize>q * 4, v);
            }
          }
        }
      } else {
        const oy = ki * dh, ox = kj * dw;
        for (let q = 0; q < NR; q++) {
          const iy = load<i32>(coords + <usize>q * 8) + oy;
          const ix = load<i32>(coords + <usize>q * 8, 4) + ox;
          const v: f32 = <u32>iy < <u32>H && <u32>ix < <u32>W ? load<f32>(xc + <usize>(iy * W + ix) * 4) : 0;
          store<f32>(d + <usize>q * 4, v);
        }
      }
      d += 32;
      if (++kj == kw) {
        kj = 0;
        if (++ki == kh) {
          ki = 0;
          c++;
        }
      }
    }
  }
}

/** Lanes 0..3 and 4..7 as i32x4, for masks of partial rows. */
const IOTA0 = i32x4(0, 1, 2, 3);
const IOTA1 = i32x4(4, 5, 6, 7);

/** Four floats from `ptr`, lanes u..u+3 kept where they fall in [lo, hi), zero elsewhere. */
function loadMasked(ptr: usize, u: i32, lo: i32, hi: i32): v128 {
  if (u >= lo && u + 4 <= hi) return v128.load(ptr);
  if (u + 4 <= lo || u >= hi) return i32x4.splat(0);
  const idx = i32x4.add(IOTA0, i32x4.splat(u));
  const m = v128.and(i32x4.ge_s(idx, i32x4.splat(lo)), i32x4.lt_s(idx, i32x4.splat(hi)));
  return v128.and(v128.load(ptr), m);
}

/** Stores the 4×4 transpose of rows x0..x3 as four vectors `stride` bytes apart. */
function storeT4(d: usize, stride: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(d + stride, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(d + 2 * stride, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(d + 3 * stride, i64x2.shuffle(t2, t3, 1, 3));
}

/**
 * Packs the transposed column matrix as B for the weight gradient: depth = pixels
 * [pix0, pix0+kc), columns = rows [k0, k0+ncols) of the column matrix, in NR-column panels.
 * With unit horizontal stride, each column-matrix row is a contiguous run of an input row:
 * four pixels of eight rows are loaded as vectors (masked at the borders) and transposed.
 * `q8` is scratch for 8 × 4 i32 of per-row state.
 */
function packColsT(dst: usize, xImg: usize, k0: i32, ncols: i32, pix0: i32, kc: i32, g: Geo, q8: usize): void {
  const H = g.H, W = g.W, OW = g.OW, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw;
  const khw = kh * kw;
  for (let jp = 0; jp < ncols; jp += NR) {
    const d = dst + <usize>(jp * kc) * 4;
    if (sw == 1) {
      let oh = pix0 / OW;
      let ow = pix0 - oh * OW;
      let t = 0;
      while (t < kc) {
        const len = imin(OW - ow, kc - t);
        // Per column-matrix row q of the panel: the input row pointer and the valid range of u.
        for (let q = 0; q < NR; q++) {
          const e = q8 + <usize>q * 16;
          const k = k0 + jp + q;
          let lo = len, hi = 0, ptr: usize = 0;
          if (jp + q < ncols) {
            const c = k / khw;
            const rem = k - c * khw;
            const ki = rem / kw;
            const kj = rem - ki * kw;
            const iy = oh * sh - g.ph + ki * g.dh;
            if (<u32>iy < <u32>H) {
              const ixb = ow - g.pw + kj * g.dw;
              lo = imin(len, imax(0, -ixb));
              hi = imax(0, imin(len, W - ixb));
              ptr = xImg + <usize>(c * H * W + iy * W + ixb) * 4;
            }
          }
          store<i32>(e, <i32>ptr);
          store<i32>(e, lo, 4);
          store<i32>(e, hi, 8);
        }
        let u = 0;
        for (; u + 4 <= len; u += 4) {
          const o = <usize>u * 4;
          const v0 = loadMasked(<usize>load<i32>(q8) + o, u, load<i32>(q8, 4), load<i32>(q8, 8));
          const v1 = loadMasked(<usize>load<i32>(q8, 16) + o, u, load<i32>(q8, 20), load<i32>(q8, 24));
          const v2 = loadMasked(<usize>load<i32>(q8, 32) + o, u, load<i32>(q8, 36), load<i32>(q8, 40));
          const v3 = loadMasked(<usize>load<i32>(q8, 48) + o, u, load<i32>(q8, 52), load<i32>(q8, 56));
          const dd = d + <usize>(t + u) * 32;
          storeT4(dd, 32, v0, v1, v2, v3);
          const v4 = loadMasked(<usize>load<i32>(q8, 64) + o, u, load<i32>(q8, 68), load<i32>(q8, 72));
          const v5 = loadMasked(<usize>load<i32>(q8, 80) + o, u, load<i32>(q8, 84), load<i32>(q8, 88));
          const v6 = loadMasked(<usize>load<i32>(q8, 96) + o, u, load<i32>(q8, 100), load<i32>(q8, 104));
          const v7 = loadMasked(<usize>load<i32>(q8, 112) + o, u, load<i32>(q8, 116), load<i32>(q8, 120));
          storeT4(dd + 16, 32, v4, v5, v6, v7);
        }
        for (; u < len; u++) {
          const dd = d + <usize>(t + u) * 32;
          for (let q = 0; q < NR; q++) {
            const e = q8 + <usize>q * 16;
            const v: f32 = u >= load<i32>(e, 4) && u < load<i32>(e, 8) ? load<f32>(<usize>load<i32>(e) + <usize>u * 4) : 0;
            store<f32>(dd + <usize>q * 4, v);
          }
        }
        t += len;
        ow = 0;
        oh++;
      }
      continue;
    }
    for (let q = 0; q < NR; q++) {
      const dq = d + <usize>q * 4;
      const k = k0 + jp + q;
      if (jp + q >= ncols) {
        for (let t = 0; t < kc; t++) store<f32>(dq + <usize>t * 32, 0);
        continue;
      }
      const c = k / khw;
      const rem = k - c * khw;
      const ki = rem / kw;
      const kj = rem - ki * kw;
      const xc = xImg + <usize>(c * H * W) * 4;
      let oh = pix0 / OW;
      let ow = pix0 - oh * OW;
      let t = 0;
      while (t < kc) {
        const len = imin(OW - ow, kc - t);
        const iy = oh * sh - g.ph + ki * g.dh;
        if (<u32>iy >= <u32>H) {
          for (let u = 0; u < len; u++) store<f32>(dq + <usize>(t + u) * 32, 0);
        } else {
          const row = xc + <usize>(iy * W) * 4;
          const ixb = ow * sw - g.pw + kj * g.dw;
          for (let u = 0; u < len; u++) {
            const ix = ixb + u * sw;
            const v: f32 = <u32>ix < <u32>W ? load<f32>(row + <usize>ix * 4) : 0;
            store<f32>(dq + <usize>(t + u) * 32, v);
          }
        }
        t += len;
        ow = 0;
        oh++;
      }
    }
  }
}

/**
 * Adds rows [m0, m0+mrows) × pixels [p0, p0+ncw) of a column-matrix gradient (staged with
 * row stride ncw) back into the image gradient `dxG` (channel 0 of the group): col2im.
 */
function col2im(src: usize, m0: i32, mrows: i32, ncw: i32, p0: i32, dxG: usize, g: Geo): void {
  const H = g.H, W = g.W, OW = g.OW, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw;
  const khw = kh * kw;
  for (let r = 0; r < mrows; r++) {
    const k = m0 + r;
    const c = k / khw;
    const rem = k - c * khw;
    const ki = rem / kw;
    const kj = rem - ki * kw;
    const dc = dxG + <usize>(c * H * W) * 4;
    const s = src + <usize>(r * ncw) * 4;
    let oh = p0 / OW;
    let ow = p0 - oh * OW;
    let q = 0;
    while (q < ncw) {
      const len = imin(OW - ow, ncw - q);
      const iy = oh * sh - g.ph + ki * g.dh;
      if (<u32>iy < <u32>H) {
        const row = dc + <usize>(iy * W) * 4;
        const ixb = ow * sw - g.pw + kj * g.dw;
        if (sw == 1) {
          const lo = imax(0, -ixb);
          const hi = imin(len, W - ixb);
          let t = lo;
          const sq = s + <usize>q * 4;
          const rq = row + <usize>ixb * 4;
          for (; t + 4 <= hi; t += 4) {
            const o = <usize>t * 4;
            v128.store(rq + o, f32x4.add(v128.load(rq + o), v128.load(sq + o)));
          }
          for (; t < hi; t++) {
            const o = <usize>t * 4;
            store<f32>(rq + o, load<f32>(rq + o) + load<f32>(sq + o));
          }
        } else {
          for (let t = 0; t < len; t++) {
            const ix = ixb + t * sw;
            if (<u32>ix < <u32>W) {
              const a = row + <usize>ix * 4;
              store<f32>(a, load<f32>(a) + load<f32>(s + <usize>(q + t) * 4));
            }
          }
        }
      }
      q += len;
      ow = 0;
      oh++;
    }
  }
}


/**
 * conv2d forward (optionally + bias, + relu). Work units are (image, group, pixel chunk);
 * thread `tid` of `nt` takes a contiguous range of them.
 */
export function convForward(p: usize, tid: i32, nt: i32): void {
  const g = changetype<Geo>(p);
  const x = <usize>g.p0, w = <usize>g.p1, y = <usize>g.p2;
  const bias = <usize>g.bias;
  const act = g.act;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.sstride;
  const pa = scratch + <usize>SCR_A * 4, pb = scratch + <usize>SCR_B * 4, edge = scratch + <usize>SCR_E * 4;
  const coords = edge + 512;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G;
  const Kg = Cg * g.kh * g.kw, P = g.OH * g.OW, HW = g.H * g.W;
  if (g.N * P * g.OC == 0) return;
  let pch = (P + NC - 1) / NC;
  if (g.N * G * pch < 4 * nt) pch = imin((P + NR - 1) / NR, (4 * nt + g.N * G - 1) / (g.N * G));
  let chunk = (P + pch - 1) / pch;
  chunk = (chunk + NR - 1) / NR * NR;
  pch = (P + chunk - 1) / chunk;
  const units = g.N * G * pch;
  for (let u = claim(); u < units; u = claim()) {
    const n = u / (G * pch);
    const r = u - n * G * pch;
    const gi = r / pch;
    const p0 = (r - gi * pch) * chunk;
    const ncw = imin(chunk, P - p0);
    const xImg = x + <usize>((n * g.C + gi * Cg) * HW) * 4;
    const yOff = y + <usize>((n * g.OC + gi * OCg) * P + p0) * 4;
    const wG = w + <usize>(gi * OCg * Kg) * 4;
    if (Kg == 0) {
      for (let oc = 0; oc < OCg; oc++) memory.fill(yOff + <usize>(oc * P) * 4, 0, <usize>ncw * 4);
    }
    for (let kb = 0; kb < Kg; kb += KC) {
      const kc = imin(KC, Kg - kb);
      packIm2col(pb, xImg, kb, kc, p0, ncw, g, coords);
      for (let mb = 0; mb < OCg; mb += MC) {
        const mc = imin(MC, OCg - mb);
        packA(pa, wG + <usize>(mb * Kg + kb) * 4, Kg, 1, mc, kc);
        macro(pa, pb, mc, ncw, kc, yOff + <usize>(mb * P) * 4, P, kb > 0, edge);
      }
    }
    if (bias != 0 || act != 0) biasAct(yOff, bias == 0 ? 0 : bias + <usize>(gi * OCg) * 4, act, OCg, ncw, P);
  }
}

/**
 * Input gradient of conv2d (and the transposed convolution): for each (image, group, channel
 * range) unit, `dcols = W_gᵀ · dy` chunk by chunk into the staging area, then col2im. Units
 * own disjoint channel ranges of dx, so threads never write the same element.
 */
export function convBackwardData(p: usize, tid: i32, nt: i32): void {
  const g = changetype<Geo>(p);
  const dy = <usize>g.p0, w = <usize>g.p1, dx = <usize>g.p2;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.sstride;
  const pa = scratch + <usize>SCR_A * 4, pb = scratch + <usize>SCR_B * 4, edge = scratch + <usize>SCR_E * 4;
  const tmp = scratch + <usize>SCR_T * 4;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G, khw = g.kh * g.kw;
  const Kg = Cg * khw, P = g.OH * g.OW, HW = g.H * g.W;
  if (g.N * g.C * HW == 0) return;
  let cs = 1;
  if (g.N * G < 4 * nt) cs = imin(Cg, (4 * nt + g.N * G - 1) / (g.N * G));
  const units = g.N * G * cs;
  for (let u = claim(); u < units; u = claim()) {
    const n = u / (G * cs);
    const r = u - n * G * cs;
    const gi = r / cs;
    const cp = r - gi * cs;
    const c0 = part(cp, cs, Cg), c1 = part(cp + 1, cs, Cg);
    const m0 = c0 * khw, mrows = (c1 - c0) * khw;
    const dxG = dx + <usize>((n * g.C + gi * Cg) * HW) * 4;
    memory.fill(dxG + <usize>(c0 * HW) * 4, 0, <usize>((c1 - c0) * HW) * 4);
    if (mrows == 0 || P == 0 || OCg == 0) continue;
    let chunk = imin(NC, T_CAP / mrows);
    chunk = imax(NR, chunk / NR * NR);
    const dyG = dy + <usize>((n * g.OC + gi * OCg) * P) * 4;
    const wG = w + <usize>(gi * OCg * Kg) * 4;
    for (let p0 = 0; p0 < P; p0 += chunk) {
      const ncw = imin(chunk, P - p0);
      for (let kb = 0; kb < OCg; kb += KC) {
        const kc = imin(KC, OCg - kb);
        packB(pb, dyG + <usize>(kb * P + p0) * 4, P, 1, kc, ncw);
        for (let mb = 0; mb < mrows; mb += MC) {
          const mc = imin(MC, mrows - mb);
          packA(pa, wG + <usize>(kb * Kg + m0 + mb) * 4, 1, Kg, mc, kc);
          macro(pa, pb, mc, ncw, kc, tmp + <usize>(mb * ncw) * 4, ncw, kb > 0, edge);
        }
      }
      col2im(tmp, m0, mrows, ncw, p0, dxG, g);
    }
  }
}

/**
 * Weight gradient of conv2d: `dW_g = Σ_n dy_g[n] · cols_g[n]ᵀ`. Units are (group, column range
 * of dW); each sums over every image and pixel block in the same order, so results do not
 * depend on the thread count.
 */
export function convBackwardWeight(p: usize, tid: i32, nt: i32): void {
  const g = changetype<Geo>(p);
  const x = <usize>g.p0, dy = <usize>g.p1, dw = <usize>g.p2;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.sstride;
  const pa = scratch + <usize>SCR_A * 4, pb = scratch + <usize>SCR_B * 4, edge = scratch + <usize>SCR_E * 4;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G, khw = g.kh * g.kw;
  const Kg = Cg * khw, P = g.OH * g.OW, HW = g.H * g.W;
  if (g.OC * Kg == 0) return;
  const kp = (Kg + NR - 1) / NR;
  let ks = imax(1, (Kg + NC - 1) / NC);
  if (G * ks < 4 * nt) ks = imin(kp, (4 * nt + G - 1) / G);
  const units = G * ks;
  for (let u = claim(); u < units; u = claim()) {
    const gi = u / ks;
    const kpart = u - gi * ks;
    const k0 = part(kpart, ks, kp) * NR;
    const k1 = imin(Kg, part(kpart + 1, ks, kp) * NR);
    const ncols = k1 - k0;
    if (ncols <= 0) continue;
    const dwG = dw + <usize>(gi * OCg * Kg + k0) * 4;
    for (let oc = 0; oc < OCg; oc++) memory.fill(dwG + <usize>(oc * Kg) * 4, 0, <usize>ncols * 4);
    for (let n = 0; n < g.N; n++) {
      const xImg = x + <usize>((n * g.C + gi * Cg) * HW) * 4;
      const dyG = dy + <usize>((n * g.OC + gi * OCg) * P) * 4;
      for (let pix = 0; pix < P; pix += KC) {
        const kc = imin(KC, P - pix);
        packColsT(pb, xImg, k0, ncols, pix, kc, g, edge + 512);
        for (let mb = 0; mb < OCg; mb += MC) {
          const mc = imin(MC, OCg - mb);
          packA(pa, dyG + <usize>(mb * P + pix) * 4, P, 1, mc, kc);
          macro(pa, pb, mc, ncols, kc, dwG + <usize>(mb * Kg) * 4, Kg, true, edge);
        }
      }
    }
  }
}

/**
 * Depthwise convolution (groups = C = OC: one kH×kW filter per channel), computed directly:
 * with unit horizontal stride, four output pixels per vector, each tap a (border-masked) vector
 * load times the broadcast weight; other strides scalar. Bias and relu are fused. Threads
 * split the N·C planes.
 */
export function convDepthwise(p: usize, _tid: i32, _nt: i32): void {
  const g = changetype<Geo>(p);
  const x = <usize>g.p0, w = <usize>g.p1, y = <usize>g.p2;
  const bias = <usize>g.bias;
  const relu = g.act == 1;
  const C = g.C, H = g.H, W = g.W, OH = g.OH, OW = g.OW, kh = g.kh, kw = g.kw;
  const sh = g.sh, sw = g.sw, ph = g.ph, pw = g.pw, dh = g.dh, dw = g.dw;
  const planes = g.N * C;
  const zero = f32x4.splat(0);
  for (let pl = claim(); pl < planes; pl = claim()) {
    const c = pl % C;
    const xp = x + <usize>(pl * H * W) * 4;
    const yp = y + <usize>(pl * OH * OW) * 4;
    const wc = w + <usize>(c * kh * kw) * 4;
    const b: f32 = bias != 0 ? load<f32>(bias + <usize>c * 4) : 0;
    for (let oh = 0; oh < OH; oh++) {
      const yr = yp + <usize>(oh * OW) * 4;
      const ih0 = oh * sh - ph;
      let ow = 0;
      if (sw == 1) {
        for (; ow + 4 <= OW; ow += 4) {
          let acc = f32x4.splat(b);
          for (let ki = 0; ki < kh; ki++) {
            const iy = ih0 + ki * dh;
            if (<u32>iy >= <u32>H) continue;
            const row = xp + <usize>(iy * W) * 4;
            for (let kj = 0; kj < kw; kj++) {
              const ix = ow - pw + kj * dw;
              const v = loadMasked(row + <usize>ix * 4, 0, -ix, W - ix);
              acc = madd(v128.load32_splat(wc + <usize>(ki * kw + kj) * 4), v, acc);
            }
          }
          v128.store(yr + <usize>ow * 4, relu ? v128.bitselect(zero, acc, f32x4.lt(acc, zero)) : acc);
        }
      }
      for (; ow < OW; ow++) {
        let s = b;
        const iw0 = ow * sw - pw;
        for (let ki = 0; ki < kh; ki++) {
          const iy = ih0 + ki * dh;
          if (<u32>iy >= <u32>H) continue;
          for (let kj = 0; kj < kw; kj++) {
            const ix = iw0 + kj * dw;
            if (<u32>ix < <u32>W) s += load<f32>(wc + <usize>(ki * kw + kj) * 4) * load<f32>(xp + <usize>(iy * W + ix) * 4);
          }
        }
        store<f32>(yr + <usize>ow * 4, relu && s < 0 ? 0 : s);
      }
    }
  }
}

/** Parameter block of {@link padPlanes}. */
@unmanaged class PadParams {
  src: i32; dst: i32; planes: i32;
  H: i32; W: i32; top: i32; left: i32; Hp: i32; Wp: i32;
}

/**
 * Copies each H×W plane into the middle of a zeroed Hp×Wp plane (`top` rows above, `left`
 * columns before): the padded input of {@link convDirect}. Threads split the planes.
 */
export function padPlanes(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<PadParams>(p);
  const H = q.H, W = q.W, Hp = q.Hp, Wp = q.Wp, top = q.top, left = q.left;
  const right = <usize>(Wp - W - left) * 4;
  for (let pl = claim(); pl < q.planes; pl = claim()) {
    const src = <usize>q.src + <usize>(pl * H * W) * 4;
    const dst = <usize>q.dst + <usize>(pl * Hp * Wp) * 4;
    memory.fill(dst, 0, <usize>(top * Wp + left) * 4);
    for (let h = 0; h < H; h++) {
      const d = dst + <usize>((top + h) * Wp + left) * 4;
      memory.copy(d, src + <usize>(h * W) * 4, <usize>W * 4);
      // The right margin of this row and the left margin of the next are adjacent.
      memory.fill(d + <usize>W * 4, 0, h + 1 < H ? right + <usize>left * 4 : right);
    }
    const below = dst + <usize>((top + H) * Wp) * 4;
    memory.fill(below, 0, <usize>((Hp - top - H) * Wp) * 4);
  }
}

/**
 * Writes, for taps k0 .. k0+n of a group (tap = input channel, kernel row, kernel column), the
 * byte offset of the tap's input element from an output pixel's window origin in the padded
 * input (g.H × g.W being the padded plane).
 */
function tapOffsets(koff: usize, k0: i32, n: i32, g: Geo): void {
  const kw = g.kw, khw = g.kh * kw, HW = g.H * g.W;
  for (let k = 0; k < n; k++) {
    const kk = k0 + k;
    const c = kk / khw;
    const rem = kk - c * khw;
    const ki = rem / kw;
    store<i32>(koff + <usize>k * 4, (c * HW + ki * g.dh * g.W + (rem - ki * kw) * g.dw) * 4);
  }
}

/**
 * Direct convolution of an already padded input (g.H × g.W are the padded sizes, padding 0)
 * with unit horizontal stride: the GEMM micro-kernel reads each tap's NR adjacent output pixels
 * straight from the input row (see `microDirect`), so there is no im2col. Work units are
 * (image, group, block of output rows); within one, NR-pixel tiles of each output row meet
 * every MR-row panel of the packed weights while the tiles' input rows sit in L1. Bias and relu as {@link convForward}.
 * Tiles that run past a row's end read into the next row (or the buffer's slack): those lanes
 * are computed and dropped.
 */
export function convDirect(p: usize, tid: i32, nt: i32): void {
  const g = changetype<Geo>(p);
  const x = <usize>g.p0, w = <usize>g.p1, y = <usize>g.p2;
  const bias = <usize>g.bias;
  const act = g.act;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.sstride;
  const pa = scratch + <usize>SCR_A * 4, edge = scratch + <usize>SCR_E * 4, koff = scratch + <usize>SCR_K * 4;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G;
  const kh = g.kh, kw = g.kw, khw = kh * kw;
  const Kg = Cg * khw, P = g.OH * g.OW, HW = g.H * g.W, Wp = g.W, OW = g.OW;
  if (g.N * P * g.OC == 0) return;
  // Split output rows too when there are fewer than four (image, group) units per thread.
  const rb = g.N * G < 4 * nt ? imin(g.OH, (4 * nt + g.N * G - 1) / (g.N * G)) : 1;
  const units = g.N * G * rb;
  for (let u = claim(); u < units; u = claim()) {
    const n = u / (G * rb);
    const r = u - n * G * rb;
    const gi = r / rb;
    const oh0 = part(r - gi * rb, rb, g.OH), oh1 = part(r - gi * rb + 1, rb, g.OH);
    const xImg = x + <usize>((n * g.C + gi * Cg) * HW) * 4;
    const yG = y + <usize>((n * g.OC + gi * OCg) * P) * 4;
    const wG = w + <usize>(gi * OCg * Kg) * 4;
    if (Kg == 0) {
      for (let oc = 0; oc < OCg; oc++) memory.fill(yG + <usize>(oc * P + oh0 * OW) * 4, 0, <usize>((oh1 - oh0) * OW) * 4);
      continue;
    }
    for (let kb = 0; kb < Kg; kb += KC) {
      const kc = imin(KC, Kg - kb);
      tapOffsets(koff, kb, kc, g);
      for (let mb = 0; mb < OCg; mb += MC) {
        const mc = imin(MC, OCg - mb);
        packA(pa, wG + <usize>(mb * Kg + kb) * 4, Kg, 1, mc, kc);
        for (let oh = oh0; oh < oh1; oh++) {
          const xRow = xImg + <usize>(oh * g.sh * Wp) * 4;
          const yRow = yG + <usize>(mb * P + oh * OW) * 4;
          for (let ow = 0; ow < OW; ow += NR) {
            const cols = imin(NR, OW - ow);
            for (let i = 0; i < mc; i += MR) {
              microDirect(pa + <usize>(i * kc) * 4, xRow + <usize>ow * 4, koff, kc, yRow + <usize>(i * P + ow) * 4, P, kb > 0, imin(MR, mc - i), cols, edge);
            }
          }
        }
      }
    }
    if (bias != 0 || act != 0) biasAct(yG + <usize>(oh0 * OW) * 4, bias == 0 ? 0 : bias + <usize>(gi * OCg) * 4, act, OCg, (oh1 - oh0) * OW, P);
  }
}

/** Adds bias[oc] (0: none) and applies relu (act 1) to `rows` rows of `len` floats, `ld` apart. */
function biasAct(y: usize, bias: usize, act: i32, rows: i32, len: i32, ld: i32): void {
  const zero = f32x4.splat(0);
  for (let oc = 0; oc < rows; oc++) {
    const bv: f32 = bias != 0 ? load<f32>(bias + <usize>oc * 4) : 0;
    const bb = f32x4.splat(bv);
    const row = y + <usize>(oc * ld) * 4;
    let t = 0;
    if (act == 1) {
      for (; t + 4 <= len; t += 4) {
        const a = row + <usize>t * 4;
        v128.store(a, f32x4.max(f32x4.add(v128.load(a), bb), zero));
      }
      for (; t < len; t++) {
        const a = row + <usize>t * 4;
        const v = load<f32>(a) + bv;
        store<f32>(a, v < 0 ? 0 : v);
      }
    } else {
      for (; t + 4 <= len; t += 4) {
        const a = row + <usize>t * 4;
        v128.store(a, f32x4.add(v128.load(a), bb));
      }
      for (; t < len; t++) {
        const a = row + <usize>t * 4;
        store<f32>(a, load<f32>(a) + bv);
      }
    }
  }
}

/** Parameter block of {@link transposePlanes}. */
@unmanaged class TransposeParams {
  src: i32; dst: i32; B: i32; R: i32; S: i32;
}

/** `dst[b][s][r] = src[b][r][s]` for B planes of R×S floats, in 4×4 SIMD blocks; threads split b. */
export function transposePlanes(p: usize, _tid: i32, _nt: i32): void {
  const q = changetype<TransposeParams>(p);
  const R = q.R, S = q.S;
  const plane = <usize>(R * S) * 4;
  for (let b = claim(); b < q.B; b = claim()) {
    const src = <usize>q.src + <usize>b * plane, dst = <usize>q.dst + <usize>b * plane;
    let r = 0;
    for (; r + 4 <= R; r += 4) {
      const r0 = src + <usize>(r * S) * 4;
      const rs = <usize>S * 4;
      let s = 0;
      for (; s + 4 <= S; s += 4) {
        const o = <usize>s * 4;
        storeT4(dst + <usize>(s * R + r) * 4, <usize>R * 4, v128.load(r0 + o), v128.load(r0 + rs + o), v128.load(r0 + 2 * rs + o), v128.load(r0 + 3 * rs + o));
      }
      for (; s < S; s++) {
        for (let i = 0; i < 4; i++) store<f32>(dst + <usize>(s * R + r + i) * 4, load<f32>(r0 + <usize>i * rs + <usize>s * 4));
      }
    }
    for (; r < R; r++) {
      for (let s = 0; s < S; s++) store<f32>(dst + <usize>(s * R + r) * 4, load<f32>(src + <usize>(r * S + s) * 4));
    }
  }
}

/**
 * One MR-tap × NR-channel tile of the weight gradient, summed over output pixels [p0, p1) of
 * one image: for each pixel, the MR taps' input values (at byte offsets t0..t3 from the pixel's
 * window origin in the padded image `xImg`) times NR channels of the transposed output gradient
 * `dyT` ([pixel][channel], `ld` channels per pixel). Added to the tile at `c` (row stride `ldc`).
 */
function microTaps(
  xImg: usize, t0: usize, t1: usize, t2: usize, t3: usize, dyT: usize, ld: i32,
  p0: i32, p1: i32, OW: i32, rowStep: usize, colStep: usize, c: usize, ldc: i32, rows: i32, cols: i32, edge: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let oh = p0 / OW;
  let ow = p0 - oh * OW;
  let pb = dyT + <usize>(p0 * ld) * 4;
  const pstep = <usize>ld * 4;
  let p = p0;
  while (p < p1) {
    const len = imin(OW - ow, p1 - p);
    let xb = xImg + <usize>oh * rowStep + <usize>ow * colStep;
    for (let i = 0; i < len; i++) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let a = v128.load32_splat(xb + t0);
      c00 = madd(a, b0, c00);
      c01 = madd(a, b1, c01);
      a = v128.load32_splat(xb + t1);
      c10 = madd(a, b0, c10);
      c11 = madd(a, b1, c11);
      a = v128.load32_splat(xb + t2);
      c20 = madd(a, b0, c20);
      c21 = madd(a, b1, c21);
      a = v128.load32_splat(xb + t3);
      c30 = madd(a, b0, c30);
      c31 = madd(a, b1, c31);
      xb += colStep;
      pb += pstep;
    }
    p += len;
    ow = 0;
    oh++;
  }
  storeTile(c, ldc, true, rows, cols, edge, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * Weight gradient of conv2d from a padded input (`p0`, padded sizes in g.H × g.W, padding 0)
 * and the output gradient transposed per (image, group) to [pixel][channel] (`p1`), into `p2`
 * ([OC][C/G·kh·kw]). Work units are (group, range of taps); each unit sums every image in
 * order into a [tap][channel] accumulator in its scratch, then writes its columns of dW, so the
 * result does not depend on the thread count. Pixels go in blocks whose inputs fit in L2.
 */
export function convWeightDirect(p: usize, tid: i32, nt: i32): void {
  const g = changetype<Geo>(p);
  const x = <usize>g.p0, dyT = <usize>g.p1, dw = <usize>g.p2;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.sstride;
  const acc = scratch + <usize>SCR_T * 4, edge = scratch + <usize>SCR_E * 4, koff = scratch + <usize>SCR_K * 4;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G;
  const kh = g.kh, kw = g.kw, khw = kh * kw;
  const Kg = Cg * khw, P = g.OH * g.OW, HW = g.H * g.W, Wp = g.W, OW = g.OW;
  if (g.OC * Kg == 0) return;
  // Taps per unit: a multiple of MR, at most KC (offset table) and T_CAP / 2OCg (accumulator).
  const kp = (Kg + MR - 1) / MR;
  let ks = imax((Kg + KC - 1) / KC, (Kg * OCg + T_CAP / 2 - 1) / (T_CAP / 2));
  if (G * ks < 4 * nt) ks = imin(kp, (4 * nt + G - 1) / G);
  ks = imin(ks, kp);
  const units = G * ks;
  const rowStep = <usize>(g.sh * Wp) * 4, colStep = <usize>g.sw * 4;
  // Pixels per block: the block's gradient rows and input rows within ~256 KiB.
  const rowBytes = (OCg + Cg * kh) * OW * 4 + 1;
  const pblock = imax(OW, (262144 / rowBytes) * OW);
  for (let u = claim(); u < units; u = claim()) {
    const gi = u / ks;
    const kpart = u - gi * ks;
    const k0 = part(kpart, ks, kp) * MR;
    const k1 = imin(Kg, part(kpart + 1, ks, kp) * MR);
    const nk = k1 - k0;
    if (nk <= 0) continue;
    tapOffsets(koff, k0, nk, g);
    memory.fill(acc, 0, <usize>(nk * OCg) * 4);
    for (let n = 0; n < g.N; n++) {
      const xImg = x + <usize>((n * g.C + gi * Cg) * HW) * 4;
      const dyImg = dyT + <usize>((n * G + gi) * P * OCg) * 4;
      for (let pb0 = 0; pb0 < P; pb0 += pblock) {
        const pb1 = imin(P, pb0 + pblock);
        for (let k = 0; k < nk; k += MR) {
          const rows = imin(MR, nk - k);
          const kt = koff + <usize>k * 4;
          const t0 = <usize>load<i32>(kt);
          // Missing taps of a partial panel repeat the first; their rows are not stored.
          const t1 = rows > 1 ? <usize>load<i32>(kt, 4) : t0;
          const t2 = rows > 2 ? <usize>load<i32>(kt, 8) : t0;
          const t3 = rows > 3 ? <usize>load<i32>(kt, 12) : t0;
          for (let j = 0; j < OCg; j += NR) {
            microTaps(xImg, t0, t1, t2, t3, dyImg + <usize>j * 4, OCg, pb0, pb1, OW, rowStep, colStep,
              acc + <usize>(k * OCg + j) * 4, OCg, rows, imin(NR, OCg - j), edge);
          }
        }
      }
    }
    // acc is [tap][channel]; dW is [channel][tap].
    const dwG = dw + <usize>(gi * OCg * Kg + k0) * 4;
    for (let oc = 0; oc < OCg; oc++) {
      for (let k = 0; k < nk; k++) store<f32>(dwG + <usize>(oc * Kg + k) * 4, load<f32>(acc + <usize>(k * OCg + oc) * 4));
    }
  }
}
