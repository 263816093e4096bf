/**
 * Float64 reference implementations the conformance suite compares backends against.
 * Written for clarity, not speed: plain loops over row-major arrays.
 */
import { broadcastShapes, sizeOf, stridesOf, type Shape } from '../shape.js';

/** A float64 host tensor. */
export interface Ref {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Wraps host data as a reference tensor. */
export function ref(data: ArrayLike<number>, shape: Shape): Ref {
  return { shape: [...shape], data: Float64Array.from(data) };
}

function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k]!;
    i = Math.floor(i / shape[k]!);
  }
  return idx;
}

function broadcastIndex(idx: readonly number[], shape: Shape): number {
  const strides = stridesOf(shape);
  const lead = idx.length - shape.length;
  let o = 0;
  for (let k = 0; k < shape.length; k++) o += (shape[k] === 1 ? 0 : idx[k + lead]!) * strides[k]!;
  return o;
}

/** Elementwise map. */
export function map(a: Ref, f: (x: number) => number): Ref {
  return { shape: a.shape, data: a.data.map(f) };
}

/** Elementwise binary with broadcasting. */
export function zip(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const shape = broadcastShapes('ref', a.shape, b.shape);
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(a.data[broadcastIndex(idx, a.shape)]!, b.data[broadcastIndex(idx, b.shape)]!);
  }
  return { shape, data: out };
}

/** erf to double precision (W. J. Cody's rational approximations via erfc series). */
export function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for a reference; use the Taylor series near 0 and
  // a continued fraction for erfc in the tails.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = ax;
    let term = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

/** The unary functions of the Backend interface, in float64. */
export const unaryRef: Record<string, (x: number, alpha?: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => Math.sign(x),
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(x, 0),
  leakyRelu: (x, a = 0.01) => (x > 0 ? x : a * x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  silu: (x) => x / (1 + Math.exp(-x)),
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
};

/** Reduction over axes (dropped from the output). */
export function reduceRef(a: Ref, axes: readonly number[], op: 'sum' | 'mean' | 'max' | 'min' | 'prod'): Ref {
  const outShape = a.shape.filter((_, i) => !axes.includes(i));
  const n = sizeOf(outShape);
  const init = op === 'max' ? -Infinity : op === 'min' ? Infinity : op === 'prod' ? 1 : 0;
  const out = new Float64Array(n).fill(init);
  const count = axes.reduce((c, ax) => c * a.shape[ax]!, 1);
  const oStrides = stridesOf(outShape);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    let o = 0;
    let k = 0;
    idx.forEach((v, d) => {
      if (!axes.includes(d)) o += v * oStrides[k++]!;
    });
    const v = a.data[i]!;
    if (op === 'max') out[o] = Math.max(out[o]!, v);
    else if (op === 'min') out[o] = Math.min(out[o]!, v);
    else if (op === 'prod') out[o] = out[o]! * v;
    else out[o] = out[o]! + v;
  }
  if (op === 'mean') for (let i = 0; i < n; i++) out[i] = out[i]! / count;
  return { shape: outShape, data: out };
}

/**
 * Batch normalisation over every axis but 1: with `stats` the given per-channel mean and
 * variance (running statistics), without it the batch's mean and biased variance.
 */
export function batchNormRef(
  x: Ref,
  stats: { mean: ArrayLike<number>; variance: ArrayLike<number> } | null,
  weight: ArrayLike<number> | null,
  bias: ArrayLike<number> | null,
  eps = 1e-5,
): Ref {
  const c = x.shape[1]!;
  const s = x.data.length / (x.shape[0]! * c);
  const chan = (i: number): number => Math.floor(i / s) % c;
  let mean: ArrayLike<number>, variance: ArrayLike<number>;
  if (stats) ({ mean, variance } = stats);
  else {
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const m = reduceRef(x, axes, 'mean').data;
    const v = new Float64Array(c);
    x.data.forEach((val, i) => (v[chan(i)] = v[chan(i)]! + (val - m[chan(i)]!) ** 2));
    mean = m;
    variance = v.map((sq) => sq / (x.data.length / c));
  }
  return {
    shape: x.shape,
    data: x.data.map((val, i) => {
      const ch = chan(i);
      return ((val - mean[ch]!) / Math.sqrt(variance[ch]! + eps)) * (weight ? weight[ch]! : 1) + (bias ? bias[ch]! : 0);
    }),
  };
}

/** Batched matmul `[B,M,K]@[B,K,N]` (B broadcast from 1). */
export function matmulRef(a: Ref, b: Ref): Ref {
  const [ba, m, k] = a.shape as [number, number, number];
  const [bb, , n] = b.shape as [number, number, number];
  const batch = Math.max(ba, bb);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = (ba === 1 ? 0 : t) * m * k;
    const bo = (bb === 1 ? 0 : t) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[ao + i * k + p]! * b.data[bo + p * n + j]!;
        out[t * m * n + i * n + j] = s;
      }
  }
  return { shape: [batch, m, n], data: out };
}

/** Transposes the last two dims of a 3-D reference. */
export function transposeRef(a: Ref): Ref {
  const [b, r, c] = a.shape as [number, number, number];
  const out = new Float64Array(a.data.length);
  for (let t = 0; t < b; t++) for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[t * r * c + j * r + i] = a.data[t * r * c + i * c + j]!;
  return { shape: [b, c, r], data: out };
}

/** Convolution geometry for references. */
export interface ConvGeo {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** NCHW conv2d, weight `[oc, ic/g, kh, kw]`. */
export function conv2dRef(x: Ref, w: Ref, g: ConvGeo): Ref {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [oc, icg, kh, kw] = w.shape as [number, number, number, number];
  const oh = Math.floor((h + 2 * g.padding[0] - g.dilation[0] * (kh - 1) - 1) / g.stride[0]) + 1;
  const ow = Math.floor((wd + 2 * g.padding[1] - g.dilation[1] * (kw - 1) - 1) / g.stride[1]) + 1;
  const ocg = oc / g.groups;
  const out = new Float64Array(n * oc * oh * ow);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < oc; o++) {
      const grp = Math.floor(o / ocg);
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++) {
          let s = 0;
          for (let i = 0; i < icg; i++) {
            const ci = grp * icg + i;
            for (let u = 0; u < kh; u++) {
              const iy = y * g.stride[0] - g.padding[0] + u * g.dilation[0];
              if (iy < 0 || iy >= h) continue;
              for (let v = 0; v < kw; v++) {
                const ix = xx * g.stride[1] - g.padding[1] + v * g.dilation[1];
                if (ix < 0 || ix >= wd) continue;
                s += x.data[((b * c + ci) * h + iy) * wd + ix]! * w.data[((o * icg + i) * kh + u) * kw + v]!;
              }
            }
          }
          out[((b * oc + o) * oh + y) * ow + xx] = s;
        }
    }
  void c;
  return { shape: [n, oc, oh, ow], data: out };
}

/** Transposed conv2d, weight `[ic, oc/g, kh, kw]`, as the scatter form of conv2d. */
export function convTranspose2dRef(x: Ref, w: Ref, g: ConvGeo, outputPadding: [number, number]): Ref {
  const [n, ic, h, wd] = x.shape as [number, number, number, number];
  const [, ocg, kh, kw] = w.shape as [number, number, number, number];
  const oc = ocg * g.groups;
  const icg = ic / g.groups;
  const oh = (h - 1) * g.stride[0] - 2 * g.padding[0] + g.dilation[0] * (kh - 1) + outputPadding[0] + 1;
  const ow = (wd - 1) * g.stride[1] - 2 * g.padding[1] + g.dilation[1] * (kw - 1) + outputPadding[1] + 1;
  const out = new Float64Array(n * oc * oh * ow);
  for (let b = 0; b < n; b++)
    for (let ci = 0; ci < ic; ci++) {
      const grp = Math.floor(ci / icg);
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < wd; xx++) {
          const v0 = x.data[((b * ic + ci) * h + y) * wd + xx]!;
          for (let j = 0; j < ocg; j++) {
            const o = grp * ocg + j;
            for (let u = 0; u < kh; u++) {
              const oy = y * g.stride[0] - g.padding[0] + u * g.dilation[0];
              if (oy < 0 || oy >= oh) continue;
              for (let v = 0; v < kw; v++) {
                const ox = xx * g.stride[1] - g.padding[1] + v * g.dilation[1];
                if (ox < 0 || ox >= ow) continue;
                out[((b * oc + o) * oh + oy) * ow + ox]! += v0 * w.data[((ci * ocg + j) * kh + u) * kw + v]!;
              }
            }
          }
        }
    }
  return { shape: [n, oc, oh, ow], data: out };
}

/** Max or average pooling (PyTorch semantics). */
export function pool2dRef(x: Ref, kind: 'max' | 'avg', k: [number, number], s: [number, number], p: [number, number], countIncludePad = true): Ref {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const oh = Math.floor((h + 2 * p[0] - k[0]) / s[0]) + 1;
  const ow = Math.floor((w + 2 * p[1] - k[1]) / s[1]) + 1;
  const out = new Float64Array(n * c * oh * ow);
  for (let pl = 0; pl < n * c; pl++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let acc = kind === 'max' ? -Infinity : 0;
        let cnt = 0;
        const y0 = y * s[0] - p[0];
        const x0 = xx * s[1] - p[1];
        for (let u = 0; u < k[0]; u++)
          for (let v = 0; v < k[1]; v++) {
            const iy = y0 + u;
            const ix = x0 + v;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const val = x.data[(pl * h + iy) * w + ix]!;
            if (kind === 'max') acc = Math.max(acc, val);
            else acc += val;
            cnt++;
          }
        if (kind === 'avg') {
          const hEnd = Math.min(y0 + k[0], h + p[0]);
          const wEnd = Math.min(x0 + k[1], w + p[1]);
          const padded = (hEnd - y0) * (wEnd - x0);
          acc /= countIncludePad ? padded : cnt;
        }
        out[(pl * oh + y) * ow + xx] = acc;
      }
  return { shape: [n, c, oh, ow], data: out };
}

/** Nearest / bilinear resize with PyTorch's coordinate rules. */
export function resizeRef(x: Ref, oh: number, ow: number, mode: 'nearest' | 'bilinear', alignCorners: boolean): Ref {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const out = new Float64Array(n * c * oh * ow);
  const src = (d: number, inSize: number, outSize: number): number => {
    if (alignCorners) return outSize > 1 ? (d * (inSize - 1)) / (outSize - 1) : 0;
    return Math.max((d + 0.5) * (inSize / outSize) - 0.5, 0);
  };
  for (let pl = 0; pl < n * c; pl++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let v: number;
        if (mode === 'nearest') {
          const iy = Math.min(Math.floor((y * h) / oh), h - 1);
          const ix = Math.min(Math.floor((xx * w) / ow), w - 1);
          v = x.data[(pl * h + iy) * w + ix]!;
        } else {
          const sy = src(y, h, oh);
          const sx = src(xx, w, ow);
          const y0 = Math.min(Math.floor(sy), h - 1);
          const x0 = Math.min(Math.floor(sx), w - 1);
          const y1 = Math.min(y0 + 1, h - 1);
          const x1 = Math.min(x0 + 1, w - 1);
          const ly = sy - y0;
          const lx = sx - x0;
          const at = (yy: number, xq: number): number => x.data[(pl * h + yy) * w + xq]!;
          v = (1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1));
        }
        out[(pl * oh + y) * ow + xx] = v;
      }
  return { shape: [n, c, oh, ow], data: out };
}

/** A loss reference's reduction: `'none'` keeps `shape`, `'mean'` / `'sum'` give a scalar. */
function reduceLossRef(values: Float64Array, shape: readonly number[], reduction: 'mean' | 'sum' | 'none'): Ref {
  if (reduction === 'none') return { shape: [...shape], data: values };
  const total = values.reduce((s, v) => s + v, 0);
  return { shape: [], data: Float64Array.of(reduction === 'sum' ? total : total / values.length) };
}

/** Intersection, union and smallest enclosing area of two boxes `[x1, y1, x2, y2]`. */
export function boxPairAreas(a: ArrayLike<number>, b: ArrayLike<number>): { inter: number; union: number; enclosing: number } {
  const [ax1, ay1, ax2, ay2] = [a[0]!, a[1]!, a[2]!, a[3]!];
  const [bx1, by1, bx2, by2] = [b[0]!, b[1]!, b[2]!, b[3]!];
  const inter = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1)) * Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  const enclosing = (Math.max(ax2, bx2) - Math.min(ax1, bx1)) * (Math.max(ay2, by2) - Math.min(ay1, by1));
  return { inter, union, enclosing };
}

/**
 * IoU (or GIoU) of every pair of `[..., N, 4]` and `[..., M, 4]` boxes with equal leading dims:
 * `[..., N, M]` (torchvision.ops.box_iou / generalized_box_iou).
 */
export function boxIouRef(a: Ref, b: Ref, generalized: boolean): Ref {
  const n = a.shape[a.shape.length - 2]!;
  const m = b.shape[b.shape.length - 2]!;
  const batch = a.data.length / (4 * n);
  const out = new Float64Array(batch * n * m);
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        const { inter, union, enclosing } = boxPairAreas(a.data.subarray((t * n + i) * 4), b.data.subarray((t * m + j) * 4));
        out[(t * n + i) * m + j] = inter / union - (generalized ? (enclosing - union) / enclosing : 0);
      }
  return { shape: [...a.shape.slice(0, -2), n, m], data: out };
}

/** `1 − GIoU` of paired `[..., 4]` boxes with torchvision's `eps` placement (generalized_box_iou_loss). */
export function giouLossRef(a: Ref, b: Ref, eps: number, reduction: 'mean' | 'sum' | 'none'): Ref {
  const out = new Float64Array(a.data.length / 4);
  for (let i = 0; i < out.length; i++) {
    const { inter, union, enclosing } = boxPairAreas(a.data.subarray(4 * i), b.data.subarray(4 * i));
    out[i] = 1 - (inter / (union + eps) - (enclosing - union) / (enclosing + eps));
  }
  return reduceLossRef(out, a.shape.slice(0, -1), reduction);
}

/** torchvision.ops.sigmoid_focal_loss of logits against 0/1 (or soft) targets. */
export function sigmoidFocalLossRef(x: Ref, targets: ArrayLike<number>, alpha: number, gamma: number, reduction: 'mean' | 'sum' | 'none'): Ref {
  const out = x.data.map((v, i) => {
    const t = targets[i]!;
    const p = 1 / (1 + Math.exp(-v));
    const ce = Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)));
    const pt = p * t + (1 - p) * (1 - t);
    const loss = ce * (1 - pt) ** gamma;
    return alpha >= 0 ? (alpha * t + (1 - alpha) * (1 - t)) * loss : loss;
  });
  return reduceLossRef(out, x.shape, reduction);
}

/** torch.nn.functional.smooth_l1_loss (`beta = 0`: l1_loss). */
export function smoothL1LossRef(x: Ref, target: Ref, beta: number, reduction: 'mean' | 'sum' | 'none'): Ref {
  const out = x.data.map((v, i) => {
    const d = Math.abs(v - target.data[i]!);
    return d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
  });
  return reduceLossRef(out, x.shape, reduction);
}

/** Box `i` of `[A, 4]` anchors, repeated over the leading dims of `[..., A, 4]` codes. */
function anchorOf(anchors: Ref, i: number): [number, number, number, number] {
  const k = (i % (anchors.data.length / 4)) * 4;
  return [anchors.data[k]!, anchors.data[k + 1]!, anchors.data[k + 2]!, anchors.data[k + 3]!];
}

/** torchvision's `BoxCoder.decode_single` of `[..., A, 4]` deltas on `[A, 4]` anchors. */
export function decodeBoxesRef(anchors: Ref, deltas: Ref, weights: readonly number[], clampLog: number): Ref {
  const out = new Float64Array(deltas.data.length);
  for (let i = 0; i < out.length / 4; i++) {
    const [x1, y1, x2, y2] = anchorOf(anchors, i);
    const [w, h] = [x2 - x1, y2 - y1];
    const d = deltas.data.subarray(4 * i);
    const cx = (d[0]! / weights[0]!) * w + x1 + 0.5 * w;
    const cy = (d[1]! / weights[1]!) * h + y1 + 0.5 * h;
    const pw = Math.exp(Math.min(d[2]! / weights[2]!, clampLog)) * w;
    const ph = Math.exp(Math.min(d[3]! / weights[3]!, clampLog)) * h;
    out.set([cx - pw / 2, cy - ph / 2, cx + pw / 2, cy + ph / 2], 4 * i);
  }
  return { shape: [...deltas.shape], data: out };
}

/** torchvision's `BoxCoder.encode_single(boxes, anchors)` of `[..., A, 4]` boxes against `[A, 4]` anchors. */
export function encodeBoxesRef(anchors: Ref, boxes: Ref, weights: readonly number[]): Ref {
  const out = new Float64Array(boxes.data.length);
  for (let i = 0; i < out.length / 4; i++) {
    const [ax1, ay1, ax2, ay2] = anchorOf(anchors, i);
    const b = boxes.data.subarray(4 * i);
    const [aw, ah, bw, bh] = [ax2 - ax1, ay2 - ay1, b[2]! - b[0]!, b[3]! - b[1]!];
    out.set(
      [
        (weights[0]! * (b[0]! + bw / 2 - (ax1 + aw / 2))) / aw,
        (weights[1]! * (b[1]! + bh / 2 - (ay1 + ah / 2))) / ah,
        weights[2]! * Math.log(bw / aw),
        weights[3]! * Math.log(bh / ah),
      ],
      4 * i,
    );
  }
  return { shape: [...boxes.shape], data: out };
}

/** FCOS's `BoxLinearCoder`: `encode` (boxes → `[l, t, r, b]`) or `decode`, on `[A, 4]` anchors. */
export function boxDistancesRef(anchors: Ref, values: Ref, direction: 'encode' | 'decode', normalizeBySize: boolean): Ref {
  const out = new Float64Array(values.data.length);
  for (let i = 0; i < out.length / 4; i++) {
    const [x1, y1, x2, y2] = anchorOf(anchors, i);
    const [cx, cy] = [(x1 + x2) / 2, (y1 + y2) / 2];
    const [sw, sh] = normalizeBySize ? [x2 - x1, y2 - y1] : [1, 1];
    const v = values.data.subarray(4 * i);
    out.set(
      direction === 'encode'
        ? [(cx - v[0]!) / sw, (cy - v[1]!) / sh, (v[2]! - cx) / sw, (v[3]! - cy) / sh]
        : [cx - v[0]! * sw, cy - v[1]! * sh, cx + v[2]! * sw, cy + v[3]! * sh],
      4 * i,
    );
  }
  return { shape: [...values.shape], data: out };
}
