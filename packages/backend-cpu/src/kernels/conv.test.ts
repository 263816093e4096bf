import { describe, expect, it } from 'vitest';
import type { Activation } from '@skipnet/core';
import { assertClose, randomArray } from '@skipnet/core/testing';
import { dense, dot, k, read } from '../test/helpers.js';

interface Case {
  name: string;
  N: number;
  C: number;
  H: number;
  W: number;
  OC: number;
  kh: number;
  kw: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

const outSize = (n: number, kk: number, s: number, p: number, d: number): number => Math.floor((n + 2 * p - d * (kk - 1) - 1) / s) + 1;

/** Float64 direct convolution plus its two gradients, written as plain loops over output positions. */
function reference(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const { N, C, H, W, OC, kh, kw, groups } = c;
  const [sh, sw] = c.stride,
    [ph, pw] = c.padding,
    [dh, dw] = c.dilation;
  const OH = outSize(H, kh, sh, ph, dh),
    OW = outSize(W, kw, sw, pw, dw);
  const Cg = C / groups,
    OCg = OC / groups;
  const y = new Float64Array(N * OC * OH * OW);
  const dx = new Float64Array(N * C * H * W);
  const dwt = new Float64Array(OC * Cg * kh * kw);
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      const g = Math.floor(oc / OCg);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const yi = ((n * OC + oc) * OH + oh) * OW + ow;
          let s = 0;
          for (let ci = 0; ci < Cg; ci++) {
            const cin = g * Cg + ci;
            for (let i = 0; i < kh; i++) {
              const ih = oh * sh - ph + i * dh;
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < kw; j++) {
                const iw = ow * sw - pw + j * dw;
                if (iw < 0 || iw >= W) continue;
                const xi = ((n * C + cin) * H + ih) * W + iw;
                const wi = ((oc * Cg + ci) * kh + i) * kw + j;
                s += x[xi]! * w[wi]!;
                dx[xi]! += dy[yi]! * w[wi]!;
                dwt[wi]! += dy[yi]! * x[xi]!;
              }
            }
          }
          y[yi] = s;
        }
      }
    }
  }
  return { y, dx, dw: dwt, outShape: [N, OC, OH, OW] };
}

const CASES: Case[] = [
  { name: '3×3 pad 1', N: 2, C: 3, H: 7, W: 6, OC: 4, kh: 3, kw: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
  { name: 'stride 2, no pad, odd sizes, batch 1', N: 1, C: 4, H: 9, W: 8, OC: 5, kh: 3, kw: 3, stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 },
  { name: 'dilation 2 with pad 2', N: 2, C: 2, H: 8, W: 9, OC: 3, kh: 3, kw: 3, stride: [1, 1], padding: [2, 2], dilation: [2, 2], groups: 1 },
  { name: 'groups 2', N: 2, C: 4, H: 6, W: 5, OC: 6, kh: 3, kw: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 2 },
  {
    name: 'depthwise (groups = channels), stride 2',
    N: 2,
    C: 5,
    H: 7,
    W: 7,
    OC: 5,
    kh: 3,
    kw: 3,
    stride: [2, 2],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 5,
  },
  { name: 'depthwise multiplier 2', N: 1, C: 3, H: 5, W: 6, OC: 6, kh: 3, kw: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 3 },
  { name: '1×1 pointwise, small images batched', N: 3, C: 6, H: 4, W: 4, OC: 3, kh: 1, kw: 1, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
  { name: '1×1 pointwise, large image, groups 2', N: 2, C: 4, H: 17, W: 17, OC: 6, kh: 1, kw: 1, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 2 },
  { name: '1×1 stride 2 (downsample shortcut)', N: 2, C: 4, H: 7, W: 7, OC: 8, kh: 1, kw: 1, stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 },
  {
    name: 'asymmetric 2×3 kernel, stride (2,1), pad (1,0), dilation (1,2)',
    N: 2,
    C: 3,
    H: 8,
    W: 9,
    OC: 4,
    kh: 2,
    kw: 3,
    stride: [2, 1],
    padding: [1, 0],
    dilation: [1, 2],
    groups: 1,
  },
  {
    name: '7×7 stride 2 pad 3 (stem), image larger than the batching threshold',
    N: 2,
    C: 3,
    H: 33,
    W: 35,
    OC: 4,
    kh: 7,
    kw: 7,
    stride: [2, 2],
    padding: [3, 3],
    dilation: [1, 1],
    groups: 1,
  },
  {
    name: 'kernel larger than the padded input on one axis edge',
    N: 1,
    C: 2,
    H: 3,
    W: 3,
    OC: 2,
    kh: 3,
    kw: 3,
    stride: [3, 3],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 1,
  },
];

function run(c: Case) {
  const x = randomArray(c.N * c.C * c.H * c.W);
  const w = randomArray(c.OC * (c.C / c.groups) * c.kh * c.kw);
  const ref0 = reference(c, x, w, new Float32Array(0));
  const dy = randomArray(ref0.y.length);
  const ref = reference(c, x, w, dy);
  return { x, w, dy, ref };
}

describe('conv2d and its gradients against a float64 direct convolution', () => {
  CASES.forEach((c) => {
    it(c.name, () => {
      const { x, w, dy, ref } = run(c);
      const geo = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
      const xs = dense(x, [c.N, c.C, c.H, c.W]);
      const ws = dense(w, [c.OC, c.C / c.groups, c.kh, c.kw]);
      const dys = dense(dy, ref.outShape);
      const y = k.conv2d({ x: xs, w: ws }, { ...geo, outShape: ref.outShape });
      assertClose(read(y), ref.y, { atol: 1e-5, rtol: 1e-5 }, `${c.name}: forward`);
      const dx = k.conv2dBackwardInput({ dy: dys, w: ws }, { ...geo, inShape: xs.shape });
      assertClose(read(dx), ref.dx, { atol: 1e-5, rtol: 1e-5 }, `${c.name}: input gradient`);
      const dwt = k.conv2dBackwardWeight({ x: xs, dy: dys }, { ...geo, wShape: ws.shape });
      assertClose(read(dwt), ref.dw, { atol: 1e-5, rtol: 1e-5 }, `${c.name}: weight gradient`);
      // Adjoint identities: ⟨conv(x), dy⟩ = ⟨x, dx⟩ = ⟨w, dw⟩ (the gradients are exact transposes).
      const lhs = dot(y, dy);
      expect(Math.abs(dot(x, dx) - lhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
      expect(Math.abs(dot(w, dwt) - lhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
    });
  });

  it('splits a huge image into bands of output rows (column matrix over its cap)', () => {
    // K = 64·9 = 576, P = 91² = 8281: K·P exceeds the 4M-float cap, so rows are tiled.
    const c: Case = { name: 'banded', N: 1, C: 64, H: 91, W: 91, OC: 2, kh: 3, kw: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
    const { x, w, dy, ref } = run(c);
    const geo = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
    const xs = dense(x, [1, 64, 91, 91]),
      ws = dense(w, [2, 64, 3, 3]),
      dys = dense(dy, ref.outShape);
    assertClose(read(k.conv2d({ x: xs, w: ws }, { ...geo, outShape: ref.outShape })), ref.y, { atol: 1e-4, rtol: 1e-5 }, 'banded forward');
    assertClose(read(k.conv2dBackwardInput({ dy: dys, w: ws }, { ...geo, inShape: xs.shape })), ref.dx, { atol: 1e-4, rtol: 1e-5 }, 'banded input gradient');
    assertClose(read(k.conv2dBackwardWeight({ x: xs, dy: dys }, { ...geo, wShape: ws.shape })), ref.dw, { atol: 1e-3, rtol: 1e-5 }, 'banded weight gradient');
  });

  it('input gradient matches central finite differences of the conv2d kernel', () => {
    const c = CASES[3]!; // groups 2
    const { x, w, dy } = run(c);
    const geo = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
    const outShape = [c.N, c.OC, outSize(c.H, 3, 1, 1, 1), outSize(c.W, 3, 1, 1, 1)];
    const ws = dense(w, [c.OC, c.C / c.groups, 3, 3]);
    const loss = (xv: Float32Array): number => dot(k.conv2d({ x: dense(xv, [c.N, c.C, c.H, c.W]), w: ws }, { ...geo, outShape }), dy);
    const dx = k.conv2dBackwardInput({ dy: dense(dy, outShape), w: ws }, { ...geo, inShape: [c.N, c.C, c.H, c.W] });
    const eps = 1e-2;
    for (const i of [0, 17, 63, 100, 239]) {
      const xp = x.slice(),
        xm = x.slice();
      xp[i]! += eps;
      xm[i]! -= eps;
      const fd = (loss(xp) - loss(xm)) / (xp[i]! - xm[i]!);
      expect(Math.abs(fd - dx[i]!), `element ${i}`).toBeLessThan(2e-3);
    }
  });
});

describe('convTranspose2d', () => {
  const cases = [
    { name: 'stride 2, pad 1, output padding 1', N: 2, IC: 4, OCg: 3, groups: 1, H: 5, W: 4, k: 3, s: 2, p: 1, op: 1, d: 1 },
    { name: 'groups 2, dilation 2', N: 1, IC: 4, OCg: 2, groups: 2, H: 4, W: 6, k: 3, s: 1, p: 1, op: 0, d: 2 },
    { name: 'kernel 4 stride 2 (U-Net up-conv), batch 3', N: 3, IC: 2, OCg: 2, groups: 1, H: 3, W: 3, k: 4, s: 2, p: 1, op: 0, d: 1 },
    { name: 'stride 3 output padding 2', N: 1, IC: 3, OCg: 2, groups: 1, H: 4, W: 3, k: 2, s: 3, p: 0, op: 2, d: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const OC = c.OCg * c.groups;
      const OH = (c.H - 1) * c.s - 2 * c.p + c.d * (c.k - 1) + c.op + 1;
      const OW = (c.W - 1) * c.s - 2 * c.p + c.d * (c.k - 1) + c.op + 1;
      const x = randomArray(c.N * c.IC * c.H * c.W);
      const w = randomArray(c.IC * c.OCg * c.k * c.k);
      const ref = new Float64Array(c.N * OC * OH * OW);
      const ICg = c.IC / c.groups;
      for (let n = 0; n < c.N; n++) {
        for (let ic = 0; ic < c.IC; ic++) {
          const g = Math.floor(ic / ICg);
          for (let h = 0; h < c.H; h++) {
            for (let wi = 0; wi < c.W; wi++) {
              const xv = x[((n * c.IC + ic) * c.H + h) * c.W + wi]!;
              for (let o = 0; o < c.OCg; o++) {
                for (let i = 0; i < c.k; i++) {
                  const oh = h * c.s - c.p + i * c.d;
                  if (oh < 0 || oh >= OH) continue;
                  for (let j = 0; j < c.k; j++) {
                    const ow = wi * c.s - c.p + j * c.d;
                    if (ow < 0 || ow >= OW) continue;
                    ref[((n * OC + g * c.OCg + o) * OH + oh) * OW + ow]! += xv * w[((ic * c.OCg + o) * c.k + i) * c.k + j]!;
                  }
                }
              }
            }
          }
        }
      }
      const y = k.convTranspose2d(
        { x: dense(x, [c.N, c.IC, c.H, c.W]), w: dense(w, [c.IC, c.OCg, c.k, c.k]) },
        { stride: [c.s, c.s], padding: [c.p, c.p], dilation: [c.d, c.d], groups: c.groups, outputPadding: [c.op, c.op], outShape: [c.N, OC, OH, OW] },
      );
      assertClose(read(y), ref, { atol: 1e-5, rtol: 1e-5 }, c.name);
    });
  }
});

describe('conv2dBiasAct', () => {
  const acts: Activation[] = ['none', 'relu', 'sigmoid', 'tanh', 'gelu', 'silu'];
  const f: Record<Activation, (v: number) => number> = {
    none: (v) => v,
    relu: (v) => Math.max(0, v),
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    tanh: Math.tanh,
    gelu: (v) => 0.5 * v * (1 + erfRef(v / Math.SQRT2)),
    silu: (v) => v / (1 + Math.exp(-v)),
  };
  function erfRef(v: number): number {
    const a = Math.abs(v);
    let term = a,
      sum = a;
    for (let n = 1; n < 300 && term > 1e-18 * sum; n++) {
      term *= (2 * a * a) / (2 * n + 1);
      sum += term;
    }
    return Math.sign(v) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
  }
  for (const act of acts) {
    it(`act(conv + bias) with ${act}, with and without bias`, () => {
      const c = CASES[3]!;
      const { x, w, ref } = run(c);
      const bias = randomArray(c.OC);
      const geo = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
      const P = ref.outShape[2]! * ref.outShape[3]!;
      for (const withBias of [true, false]) {
        const y = k.conv2dBiasAct(
          { x: dense(x, [c.N, c.C, c.H, c.W]), w: dense(w, [c.OC, c.C / c.groups, 3, 3]), ...(withBias ? { bias: dense(bias, [c.OC]) } : {}) },
          { ...geo, activation: act, outShape: ref.outShape },
        );
        const expected = Array.from(ref.y, (v, i) => f[act](v + (withBias ? bias[Math.floor(i / P) % c.OC]! : 0)));
        assertClose(read(y), expected, { atol: 1e-5, rtol: 1e-5 }, `${act} bias=${withBias}`);
      }
    });
  }
});
