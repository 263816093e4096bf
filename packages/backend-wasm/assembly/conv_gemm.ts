// Convolution through the packed GEMM: im2col straight into packed B panels (forward), the
// transposed im2col packed as B (weight gradient), and GEMM into a staging area followed by
// col2im (input gradient, transposed convolution). Grouped convolutions are per-group GEMMs
// over the same code.

import { KC, MC, NC, NR, SCR_A, SCR_B, SCR_E, SCR_T, T_CAP, claim, imax, imin, macro, packA, packB, part, splitChunk, splitWork } from './gemm';
import { ConvParams, IOTA0, IOTA1, biasAct, loadMasked } from './conv_common';
import { storeT4 } from './layout';

/**
 * Packs rows [k0, k0+kc) × pixels [p0, p0+ncw) of one image's column matrix (row k = (c, ki, kj)
 * of the group, column p = output pixel) into NR-pixel panels.
 */
function packIm2col(dst: usize, xImg: usize, k0: i32, kc: i32, p0: i32, ncw: i32, g: ConvParams, coords: usize): void {
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

/**
 * Packs the transposed column matrix as B for the weight gradient: depth = pixels
 * [pix0, pix0+kc), columns = rows [k0, k0+ncols) of the column matrix, in NR-column panels.
 * With unit horizontal stride, each column-matrix row is a contiguous run of an input row:
 * four pixels of eight rows are loaded as vectors (masked at the borders) and transposed.
 * `q8` is scratch for 8 × 4 i32 of per-row state.
 */
function packColsT(dst: usize, xImg: usize, k0: i32, ncols: i32, pix0: i32, kc: i32, g: ConvParams, q8: usize): void {
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
function col2im(src: usize, m0: i32, mrows: i32, ncw: i32, p0: i32, dxG: usize, g: ConvParams): void {
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
  const g = changetype<ConvParams>(p);
  const x = <usize>g.input, w = <usize>g.operand, y = <usize>g.output;
  const bias = <usize>g.bias;
  const act = g.act;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.scratchStride;
  const pa = scratch + <usize>SCR_A * 4, pb = scratch + <usize>SCR_B * 4, edge = scratch + <usize>SCR_E * 4;
  const coords = edge + 512;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G;
  const Kg = Cg * g.kh * g.kw, P = g.OH * g.OW, HW = g.H * g.W;
  if (g.N * P * g.OC == 0) return;
  const chunk = splitChunk(P, g.N * G, (P + NC - 1) / NC, nt, NR);
  const pch = (P + chunk - 1) / chunk;
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
  const g = changetype<ConvParams>(p);
  const dy = <usize>g.input, w = <usize>g.operand, dx = <usize>g.output;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.scratchStride;
  const pa = scratch + <usize>SCR_A * 4, pb = scratch + <usize>SCR_B * 4, edge = scratch + <usize>SCR_E * 4;
  const tmp = scratch + <usize>SCR_T * 4;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G, khw = g.kh * g.kw;
  const Kg = Cg * khw, P = g.OH * g.OW, HW = g.H * g.W;
  if (g.N * g.C * HW == 0) return;
  const cs = splitWork(g.N * G, 1, Cg, nt);
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
  const g = changetype<ConvParams>(p);
  const x = <usize>g.input, dy = <usize>g.operand, dw = <usize>g.output;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.scratchStride;
  const pa = scratch + <usize>SCR_A * 4, pb = scratch + <usize>SCR_B * 4, edge = scratch + <usize>SCR_E * 4;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G, khw = g.kh * g.kw;
  const Kg = Cg * khw, P = g.OH * g.OW, HW = g.H * g.W;
  if (g.OC * Kg == 0) return;
  const kp = (Kg + NR - 1) / NR;
  const ks = splitWork(G, imax(1, (Kg + NC - 1) / NC), kp, nt);
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
