/**
 * im2col / col2im for NCHW convolution, and the small channel-major gather/scatter that lets a
 * convolution run one GEMM over several images at once.
 *
 * Column matrix layout: row `(c·kH + i)·kW + j`, column `oh·OW + ow` (plus a column offset per
 * image when images are batched), row stride `ld`. For every kernel tap the valid output
 * columns form one interval, computed once, so the copy loop has no bounds tests.
 */

/**
 * Geometry of one convolution, in the forward direction (x → y): input `[N, C, H, W]`,
 * output `[N, OC, OH, OW]`, kernel `kh×kw`, strides `sh, sw`, symmetric paddings `ph, pw`,
 * dilations `dh, dw`, and channel `groups`.
 */
export interface ConvGeom {
  /** Batch size. */
  readonly N: number;
  /** Input channels (all groups). */
  readonly C: number;
  /** Input height. */
  readonly H: number;
  /** Input width. */
  readonly W: number;
  /** Output channels (all groups). */
  readonly OC: number;
  /** Output height. */
  readonly OH: number;
  /** Output width. */
  readonly OW: number;
  /** Kernel height. */
  readonly kh: number;
  /** Kernel width. */
  readonly kw: number;
  /** Vertical stride. */
  readonly sh: number;
  /** Horizontal stride. */
  readonly sw: number;
  /** Padding above and below. */
  readonly ph: number;
  /** Padding left and right. */
  readonly pw: number;
  /** Vertical dilation. */
  readonly dh: number;
  /** Horizontal dilation. */
  readonly dw: number;
  /** Channel groups. */
  readonly groups: number;
}

/** Copies `n` floats: memcpy for long runs, a loop (no subarray allocation) for short ones. */
export function copyFloats(src: Float32Array, so: number, dst: Float32Array, d: number, n: number): void {
  if (n >= 256) dst.set(src.subarray(so, so + n), d);
  else for (let q = 0; q < n; q++) dst[d + q] = src[so + q]!;
}

/** First output column whose input column `ow·s - p + off` is ≥ 0. */
function firstValid(off: number, s: number, p: number): number {
  const v = p - off;
  return v <= 0 ? 0 : Math.ceil(v / s);
}

/** One past the last output column whose input column is < size (clamped to [lo, out]). */
function endValid(off: number, s: number, p: number, size: number, lo: number, out: number): number {
  const v = size - 1 + p - off;
  if (v < 0) return lo;
  return Math.max(lo, Math.min(out, Math.floor(v / s) + 1));
}

/**
 * Expands `Cg` channels of one image (starting at `xOff`) for output rows `[oh0, oh0+ohc)` into
 * `cols`: entry (row, col) at `colOff + row·ld + (oh-oh0)·OW + ow`. Padding becomes zeros.
 */
export function im2col(x: Float32Array, xOff: number, Cg: number, g: ConvGeom, oh0: number, ohc: number, cols: Float32Array, colOff: number, ld: number): void {
  const { H, W, OW, kh, kw, sh, sw, ph, pw, dh, dw } = g;
  const HW = H * W;
  for (let c = 0; c < Cg; c++) {
    const plane = xOff + c * HW;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = colOff + ((c * kh + i) * kw + j) * ld;
        const offW = j * dw;
        const lo = Math.min(OW, firstValid(offW, sw, pw));
        const hi = endValid(offW, sw, pw, W, lo, OW);
        for (let r = 0; r < ohc; r++) {
          const ih = (oh0 + r) * sh - ph + i * dh;
          const d = row + r * OW;
          if (ih < 0 || ih >= H) {
            cols.fill(0, d, d + OW);
            continue;
          }
          if (lo > 0) cols.fill(0, d, d + lo);
          let s = plane + ih * W + lo * sw - pw + offW;
          if (sw === 1) {
            copyFloats(x, s, cols, d + lo, hi - lo);
          } else {
            for (let ow = lo; ow < hi; ow++, s += sw) cols[d + ow] = x[s]!;
          }
          if (hi < OW) cols.fill(0, d + hi, d + OW);
        }
      }
    }
  }
}

/** The adjoint of {@link im2col}: adds every column entry back into its input position. */
export function col2im(
  cols: Float32Array,
  colOff: number,
  ld: number,
  Cg: number,
  g: ConvGeom,
  oh0: number,
  ohc: number,
  dx: Float32Array,
  xOff: number,
): void {
  const { H, W, OW, kh, kw, sh, sw, ph, pw, dh, dw } = g;
  const HW = H * W;
  for (let c = 0; c < Cg; c++) {
    const plane = xOff + c * HW;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = colOff + ((c * kh + i) * kw + j) * ld;
        const offW = j * dw;
        const lo = Math.min(OW, firstValid(offW, sw, pw));
        const hi = endValid(offW, sw, pw, W, lo, OW);
        for (let r = 0; r < ohc; r++) {
          const ih = (oh0 + r) * sh - ph + i * dh;
          if (ih < 0 || ih >= H) continue;
          const d = row + r * OW;
          let s = plane + ih * W + lo * sw - pw + offW;
          for (let ow = lo; ow < hi; ow++, s += sw) dx[s]! += cols[d + ow]!;
        }
      }
    }
  }
}

/**
 * Copies `rows` channel planes of `nb` consecutive images (image stride `imgStride`, plane size
 * `P`) into a channel-major matrix `[rows, nb·P]`.
 */
export function gatherImages(src: Float32Array, srcOff: number, imgStride: number, nb: number, rows: number, P: number, dst: Float32Array): void {
  const ld = nb * P;
  for (let b = 0; b < nb; b++) {
    for (let r = 0; r < rows; r++) {
      copyFloats(src, srcOff + b * imgStride + r * P, dst, r * ld + b * P, P);
    }
  }
}

/** The inverse of {@link gatherImages}: writes `[rows, nb·P]` back into `nb` images. */
export function scatterImages(src: Float32Array, nb: number, rows: number, P: number, dst: Float32Array, dstOff: number, imgStride: number): void {
  const ld = nb * P;
  for (let b = 0; b < nb; b++) {
    for (let r = 0; r < rows; r++) {
      copyFloats(src, r * ld + b * P, dst, dstOff + b * imgStride + r * P, P);
    }
  }
}
