/**
 * Convolution by im2col + GEMM, shared by conv2d, conv2dBiasAct, convTranspose2d and the
 * conv2d backward kernels.
 *
 * - Forward, per group: `y_g[OCg, P] = W_g[OCg, K] · cols[K, P]` with `K = Cg·kH·kW`,
 *   `P = OH·OW`.
 * - Input gradient: `dcols[K, P] = W_gᵀ · dy_g`, then col2im (the adjoint of im2col).
 * - Weight gradient: `dW_g[OCg, K] += dy_g · colsᵀ`, summed over images.
 *
 * Work is cut into tiles: small images are batched (several images side by side in one column
 * matrix, so each GEMM has enough columns), huge images are split into bands of output rows
 * (so the column matrix stays bounded). 1×1 stride-1 unpadded convolutions skip im2col and
 * read the input in place.
 */
import { gemm } from './gemm.js';
import { col2im, gatherImages, im2col, scatterImages, type ConvGeom } from './im2col.js';
import { scratch, SLOT_COLS, SLOT_TMP } from './scratch.js';

export type { ConvGeom } from './im2col.js';

/** Batch images until one GEMM has at least this many columns. */
const COLS_TARGET = 256;
/** Upper bound on a column matrix, in floats (16 MiB). */
const COLS_CAP = 1 << 22;

interface Plan {
  /** Images per tile. */
  readonly nb: number;
  /** Output rows per tile (== OH unless one image's columns exceed the cap). */
  readonly rows: number;
}

function plan(g: ConvGeom, K: number): Plan {
  const P = g.OH * g.OW;
  if (K * P > COLS_CAP) return { nb: 1, rows: Math.max(1, Math.floor(COLS_CAP / (K * g.OW))) };
  if (P >= COLS_TARGET) return { nb: 1, rows: g.OH };
  const nb = Math.max(1, Math.min(g.N, Math.ceil(COLS_TARGET / P), Math.floor(COLS_CAP / (K * P))));
  return { nb, rows: g.OH };
}

function isPointwise(g: ConvGeom): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0;
}

/** Builds the geometry from an NCHW input shape, an OIHW weight shape and conv attributes. */
export function geometry(
  xShape: readonly number[],
  wShape: readonly number[],
  outShape: readonly number[],
  attrs: {
    readonly stride: readonly [number, number];
    readonly padding: readonly [number, number];
    readonly dilation: readonly [number, number];
    readonly groups: number;
  },
): ConvGeom {
  if (xShape.length !== 4 || wShape.length !== 4 || outShape.length !== 4) {
    throw new Error(`cpu conv: 4-D input, weight and output expected, got [${xShape.join(',')}], [${wShape.join(',')}], [${outShape.join(',')}]`);
  }
  return {
    N: xShape[0]!,
    C: xShape[1]!,
    H: xShape[2]!,
    W: xShape[3]!,
    OC: outShape[1]!,
    OH: outShape[2]!,
    OW: outShape[3]!,
    kh: wShape[2]!,
    kw: wShape[3]!,
    sh: attrs.stride[0],
    sw: attrs.stride[1],
    ph: attrs.padding[0],
    pw: attrs.padding[1],
    dh: attrs.dilation[0],
    dw: attrs.dilation[1],
    groups: attrs.groups,
  };
}

/** `y = conv2d(x, w)`; `y` is fully overwritten. */
export function convForward(x: Float32Array, w: Float32Array, y: Float32Array, g: ConvGeom): void {
  const { N, C, H, W, OC, OH, OW, kh, kw, groups } = g;
  const Cg = C / groups,
    OCg = OC / groups,
    K = Cg * kh * kw,
    P = OH * OW,
    HW = H * W;
  if (N * OC * P === 0) return;
  const pw1 = isPointwise(g);
  const { nb, rows } = plan(g, K);
  const cols = scratch(SLOT_COLS, K * nb * rows * OW);
  const tmp = nb > 1 ? scratch(SLOT_TMP, OCg * nb * P) : cols;
  for (let n0 = 0; n0 < N; n0 += nb) {
    const nbc = Math.min(nb, N - n0);
    for (let oh0 = 0; oh0 < OH; oh0 += rows) {
      const ohc = Math.min(rows, OH - oh0);
      const L = nbc * ohc * OW;
      for (let grp = 0; grp < groups; grp++) {
        const xImg = (n0 * C + grp * Cg) * HW;
        const yOff = (n0 * OC + grp * OCg) * P + oh0 * OW;
        let b = cols,
          bOff = 0,
          bRs = L;
        if (pw1 && nbc === 1) {
          b = x;
          bOff = xImg + oh0 * OW;
          bRs = HW;
        } else if (pw1) {
          gatherImages(x, xImg, C * HW, nbc, Cg, HW, cols);
        } else {
          for (let i = 0; i < nbc; i++) im2col(x, xImg + i * C * HW, Cg, g, oh0, ohc, cols, i * ohc * OW, L);
        }
        if (nbc === 1) {
          gemm(OCg, L, K, w, grp * OCg * K, K, 1, b, bOff, bRs, 1, y, yOff, P, false);
        } else {
          gemm(OCg, L, K, w, grp * OCg * K, K, 1, b, bOff, bRs, 1, tmp, 0, L, false);
          scatterImages(tmp, nbc, OCg, P, y, yOff, OC * P);
        }
      }
    }
  }
}

/** `dx = ∂conv2d/∂x · dy`; `dx` must be zero-filled (fresh) on entry. */
export function convBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, g: ConvGeom): void {
  const { N, C, H, W, OC, OH, OW, kh, kw, groups } = g;
  const Cg = C / groups,
    OCg = OC / groups,
    K = Cg * kh * kw,
    P = OH * OW,
    HW = H * W;
  if (N * C * HW === 0 || P === 0 || OCg === 0) return;
  const pw1 = isPointwise(g);
  const { nb, rows } = plan(g, K);
  const cols = scratch(SLOT_COLS, K * nb * rows * OW);
  const tmp = nb > 1 ? scratch(SLOT_TMP, OCg * nb * P) : cols;
  for (let n0 = 0; n0 < N; n0 += nb) {
    const nbc = Math.min(nb, N - n0);
    for (let oh0 = 0; oh0 < OH; oh0 += rows) {
      const ohc = Math.min(rows, OH - oh0);
      const L = nbc * ohc * OW;
      for (let grp = 0; grp < groups; grp++) {
        const xImg = (n0 * C + grp * Cg) * HW;
        const yOff = (n0 * OC + grp * OCg) * P + oh0 * OW;
        const wOff = grp * OCg * K;
        let b = dy,
          bOff = yOff,
          bRs = P;
        if (nbc > 1) {
          gatherImages(dy, yOff, OC * P, nbc, OCg, P, tmp);
          b = tmp;
          bOff = 0;
          bRs = L;
        }
        // A = W_gᵀ: A(k, oc) = w[wOff + oc·K + k].
        if (pw1 && nbc === 1) {
          gemm(K, L, OCg, w, wOff, 1, K, b, bOff, bRs, 1, dx, xImg + oh0 * OW, HW, false);
          continue;
        }
        gemm(K, L, OCg, w, wOff, 1, K, b, bOff, bRs, 1, cols, 0, L, false);
        if (pw1) scatterImages(cols, nbc, Cg, HW, dx, xImg, C * HW);
        else for (let i = 0; i < nbc; i++) col2im(cols, i * ohc * OW, L, Cg, g, oh0, ohc, dx, xImg + i * C * HW);
      }
    }
  }
}

/** `dw = ∂conv2d/∂w · dy`; `dw` must be zero-filled (fresh) on entry. */
export function convBackwardFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, g: ConvGeom): void {
  const { N, C, H, W, OC, OH, OW, kh, kw, groups } = g;
  const Cg = C / groups,
    OCg = OC / groups,
    K = Cg * kh * kw,
    P = OH * OW,
    HW = H * W;
  if (N * P === 0 || OC * K === 0) return;
  const pw1 = isPointwise(g);
  const { nb, rows } = plan(g, K);
  const cols = scratch(SLOT_COLS, K * nb * rows * OW);
  const tmp = nb > 1 ? scratch(SLOT_TMP, OCg * nb * P) : cols;
  for (let n0 = 0; n0 < N; n0 += nb) {
    const nbc = Math.min(nb, N - n0);
    for (let oh0 = 0; oh0 < OH; oh0 += rows) {
      const ohc = Math.min(rows, OH - oh0);
      const L = nbc * ohc * OW;
      for (let grp = 0; grp < groups; grp++) {
        const xImg = (n0 * C + grp * Cg) * HW;
        const yOff = (n0 * OC + grp * OCg) * P + oh0 * OW;
        let a = dy,
          aOff = yOff,
          aRs = P;
        if (nbc > 1) {
          gatherImages(dy, yOff, OC * P, nbc, OCg, P, tmp);
          a = tmp;
          aOff = 0;
          aRs = L;
        }
        // B = colsᵀ: B(p, k) = cols[k·ld + p].
        let b = cols,
          bOff = 0,
          bCs = L;
        if (pw1 && nbc === 1) {
          b = x;
          bOff = xImg + oh0 * OW;
          bCs = HW;
        } else if (pw1) {
          gatherImages(x, xImg, C * HW, nbc, Cg, HW, cols);
        } else {
          for (let i = 0; i < nbc; i++) im2col(x, xImg + i * C * HW, Cg, g, oh0, ohc, cols, i * ohc * OW, L);
        }
        gemm(OCg, K, L, a, aOff, aRs, 1, b, bOff, 1, bCs, dw, grp * OCg * K, K, true);
      }
    }
  }
}
