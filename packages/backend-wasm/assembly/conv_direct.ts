// Direct convolution: kernels that read the input in place instead of through im2col. The
// depthwise kernel (one filter per channel, vector loads along the row), and for unit horizontal
// stride over an already padded input, the GEMM micro-kernel fed from per-tap offset tables
// (forward) and an MR-tap × NR-channel register tile summed over pixels (weight gradient).

import { KC, MC, MR, NR, madd, SCR_A, SCR_E, SCR_K, SCR_T, T_CAP, claim, imax, imin, microDirect, packA, part, splitWork, storeTile } from './gemm';
import { ConvParams, biasAct, loadMasked } from './conv_common';

/**
 * Depthwise convolution (groups = C = OC: one kH×kW filter per channel), computed directly:
 * with unit horizontal stride, four output pixels per vector, each tap a (border-masked) vector
 * load times the broadcast weight; other strides scalar. Bias and relu are fused. Threads
 * split the N·C planes.
 */
export function convDepthwise(p: usize, _tid: i32, _nt: i32): void {
  const g = changetype<ConvParams>(p);
  const x = <usize>g.input, w = <usize>g.operand, y = <usize>g.output;
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

/**
 * Writes, for taps k0 .. k0+n of a group (tap = input channel, kernel row, kernel column), the
 * byte offset of the tap's input element from an output pixel's window origin in the padded
 * input (g.H × g.W being the padded plane).
 */
function tapOffsets(koff: usize, k0: i32, n: i32, g: ConvParams): void {
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
  const g = changetype<ConvParams>(p);
  const x = <usize>g.input, w = <usize>g.operand, y = <usize>g.output;
  const bias = <usize>g.bias;
  const act = g.act;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.scratchStride;
  const pa = scratch + <usize>SCR_A * 4, edge = scratch + <usize>SCR_E * 4, koff = scratch + <usize>SCR_K * 4;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G;
  const kh = g.kh, kw = g.kw, khw = kh * kw;
  const Kg = Cg * khw, P = g.OH * g.OW, HW = g.H * g.W, Wp = g.W, OW = g.OW;
  if (g.N * P * g.OC == 0) return;
  // Split output rows too when there are too few (image, group) units per thread.
  const rb = splitWork(g.N * G, 1, g.OH, nt);
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
 * Weight gradient of conv2d from a padded input (`input`, padded sizes in g.H × g.W, padding 0)
 * and the output gradient transposed per (image, group) to [pixel][channel] (`operand`), into `output`
 * ([OC][C/G·kh·kw]). Work units are (group, range of taps); each unit sums every image in
 * order into a [tap][channel] accumulator in its scratch, then writes its columns of dW, so the
 * result does not depend on the thread count. Pixels go in blocks whose inputs fit in L2.
 */
export function convWeightDirect(p: usize, tid: i32, nt: i32): void {
  const g = changetype<ConvParams>(p);
  const x = <usize>g.input, dyT = <usize>g.operand, dw = <usize>g.output;
  const scratch = <usize>g.scratch + <usize>tid * <usize>g.scratchStride;
  const acc = scratch + <usize>SCR_T * 4, edge = scratch + <usize>SCR_E * 4, koff = scratch + <usize>SCR_K * 4;
  const G = g.groups, Cg = g.C / G, OCg = g.OC / G;
  const kh = g.kh, kw = g.kw, khw = kh * kw;
  const Kg = Cg * khw, P = g.OH * g.OW, HW = g.H * g.W, Wp = g.W, OW = g.OW;
  if (g.OC * Kg == 0) return;
  // Taps per unit: a multiple of MR, at most KC (offset table) and T_CAP / 2OCg (accumulator).
  const kp = (Kg + MR - 1) / MR;
  const ks = imin(splitWork(G, imax((Kg + KC - 1) / KC, (Kg * OCg + T_CAP / 2 - 1) / (T_CAP / 2)), kp, nt), kp);
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
