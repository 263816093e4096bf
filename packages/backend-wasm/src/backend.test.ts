/**
 * Tests beyond the conformance suite: threaded results equal single-threaded ones bit for bit,
 * larger convolutions and GEMMs against float64 references, the fused optimizer kernels
 * against their formulas, the allocator, and a heap that stays flat over a training run.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sn from '@skipnet/core';
import { assertClose, randomArray, reference as R } from '@skipnet/core/testing';
import { createWasmBackend, type WasmBackend } from './index.js';
import { Heap } from './heap.js';
import { erf } from './math.js';

let one: WasmBackend;
let two: WasmBackend;
beforeAll(async () => {
  one = await createWasmBackend({ threads: 1 });
  two = await createWasmBackend({ threads: 2, threadMinWork: 0 });
});
afterAll(() => {
  one.dispose?.();
  two.dispose?.();
});

const f32 = (n: number, seedLo = -1, hi = 1) => randomArray(n, seedLo, hi);
const dense = (b: WasmBackend, data: Float32Array, shape: number[]) => ({ handle: b.upload(data), shape, dtype: 'float32' as const });
const geo = (s: number, p: number, d: number, g: number) => ({
  stride: [s, s] as [number, number],
  padding: [p, p] as [number, number],
  dilation: [d, d] as [number, number],
  groups: g,
});

/** dW of conv2d in float64: `dW[o][c][i][j] = Σ dy[n][o][y][x] · x[n][g·Cg + c][y·sh − ph + i·dh][x·sw − pw + j·dw]`. */
function weightGradRef(xd: Float32Array, xs: number[], dyd: Float32Array, ys: number[], ws: number[], g: ReturnType<typeof geo>): Float64Array {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [, OC, OH, OW] = ys as [number, number, number, number];
  const [, Cg, kh, kw] = ws as [number, number, number, number];
  const OCg = OC / g.groups;
  const out = new Float64Array(OC * Cg * kh * kw);
  for (let o = 0; o < OC; o++) {
    const gi = Math.floor(o / OCg);
    for (let c = 0; c < Cg; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          let s = 0;
          for (let n = 0; n < N; n++) {
            for (let y = 0; y < OH; y++) {
              const iy = y * g.stride[0] - g.padding[0] + i * g.dilation[0];
              if (iy < 0 || iy >= H) continue;
              for (let x = 0; x < OW; x++) {
                const ix = x * g.stride[1] - g.padding[1] + j * g.dilation[1];
                if (ix < 0 || ix >= W) continue;
                s += dyd[((n * OC + o) * OH + y) * OW + x]! * xd[((n * C + gi * Cg + c) * H + iy) * W + ix]!;
              }
            }
          }
          out[((o * Cg + c) * kh + i) * kw + j] = s;
        }
      }
    }
  }
  return out;
}

/** Runs `f` on both backends with the same inputs and returns both results. */
function both(
  shapes: number[][],
  outSize: number,
  f: (b: WasmBackend, xs: { handle: number; shape: number[]; dtype: 'float32' }[]) => number,
): [Float32Array, Float32Array, Float32Array[]] {
  const data = shapes.map((s) => f32(s.reduce((a, d) => a * d, 1)));
  const run = (b: WasmBackend) => {
    const xs = data.map((d, i) => dense(b, d, shapes[i]!));
    const h = f(b, xs);
    const out = b.readSync(h, 'float32', outSize) as Float32Array;
    b.free(h);
    xs.forEach((x) => b.free(x.handle));
    return out;
  };
  return [run(one), run(two), data];
}

describe('threads', () => {
  it('run on two threads over shared memory', () => {
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
  });

  it('fall back to one thread without shared memory, saying so once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sab = globalThis.SharedArrayBuffer;
    (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer = undefined;
    try {
      const a = await createWasmBackend({ threads: 4 });
      const b = await createWasmBackend({ threads: 4 });
      expect([a.threads, b.threads]).toEqual([1, 1]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/1 thread/);
      a.dispose?.();
      b.dispose?.();
    } finally {
      globalThis.SharedArrayBuffer = sab;
      warn.mockRestore();
    }
  });

  const convCases: [string, number[], number[], ReturnType<typeof geo>][] = [
    ['3x3 s1 p1', [3, 16, 19, 17], [24, 16, 3, 3], geo(1, 1, 1, 1)],
    ['3x3 s2 dilation 2', [2, 8, 21, 20], [12, 8, 3, 3], geo(2, 2, 2, 1)],
    ['grouped', [2, 12, 9, 9], [16, 3, 3, 3], geo(1, 1, 1, 4)],
    ['depthwise', [1, 10, 12, 12], [10, 1, 3, 3], geo(1, 1, 1, 10)],
    ['depthwise 5x3 dilation 2 odd width', [2, 6, 13, 11], [6, 1, 5, 3], geo(1, 2, 2, 6)],
    ['depthwise stride 2', [2, 6, 13, 11], [6, 1, 3, 3], geo(2, 1, 1, 6)],
    ['1x1', [4, 32, 7, 7], [40, 32, 1, 1], geo(1, 0, 1, 1)],
    // Direct path (unit horizontal stride): rows that are not a multiple of the 8-pixel tile,
    // dilation, vertical stride, uneven padding, groups.
    ['3x3 s1 dilation 2 odd sizes', [2, 5, 10, 13], [7, 5, 3, 3], geo(1, 2, 2, 1)],
    ['5x3 stride (2,1) pad (2,0) dilation (1,2) groups 2', [2, 4, 13, 11], [6, 2, 5, 3], { stride: [2, 1], padding: [2, 0], dilation: [1, 2], groups: 2 }],
    ['3x3 s1 p1 width 3', [3, 8, 6, 3], [9, 8, 3, 3], geo(1, 1, 1, 1)],
  ];
  const out = (n: number, k: number, s: number, p: number, d: number) => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  for (const [name, xs, ws, g] of convCases) {
    const ys = [xs[0]!, ws[0]!, out(xs[2]!, ws[2]!, g.stride[0], g.padding[0], g.dilation[0]), out(xs[3]!, ws[3]!, g.stride[1], g.padding[1], g.dilation[1])];
    const n = (s: number[]) => s.reduce((a, d) => a * d, 1);
    it(`conv2d ${name}: identical on 1 and 2 threads, and matches float64`, () => {
      const xd = f32(n(xs)),
        wd = f32(n(ws));
      const run = (b: WasmBackend) => {
        const x = dense(b, xd, xs),
          w = dense(b, wd, ws);
        const h = b.kernels.conv2d({ x, w }, { ...g, outShape: ys });
        const r = b.readSync(h, 'float32', n(ys)) as Float32Array;
        [h, x.handle, w.handle].forEach((v) => b.free(v));
        return r;
      };
      const [a, c] = [run(one), run(two)];
      expect(c).toEqual(a);
      assertClose(a, R.conv2dRef(R.ref(xd, xs), R.ref(wd, ws), g).data, { atol: 1e-4, rtol: 1e-4 }, name);
    });
    it(`conv2d ${name}: both backward kernels identical on 1 and 2 threads; input gradient matches float64`, () => {
      const [a, c, data] = both([ys, ws], n(xs), (b, [dy, w]) => b.kernels.conv2dBackwardInput({ dy: dy!, w: w! }, { ...g, inShape: xs }));
      expect(c).toEqual(a);
      // dx is the transposed convolution of dy by w, with output padding making up the input size.
      const op = [0, 1].map((i) => xs[2 + i]! - ((ys[2 + i]! - 1) * g.stride[i]! - 2 * g.padding[i]! + g.dilation[i]! * (ws[2 + i]! - 1) + 1)) as [
        number,
        number,
      ];
      assertClose(a, R.convTranspose2dRef(R.ref(data[0]!, ys), R.ref(data[1]!, ws), g, op).data, { atol: 1e-4, rtol: 1e-4 }, `${name} input gradient`);
      const [d, e, wdata] = both([xs, ys], n(ws), (b, [x, dy]) => b.kernels.conv2dBackwardWeight({ x: x!, dy: dy! }, { ...g, wShape: ws }));
      expect(e).toEqual(d);
      assertClose(d, weightGradRef(wdata[0]!, xs, wdata[1]!, ys, ws, g), { atol: 1e-4, rtol: 1e-4 }, `${name} weight gradient`);
    });
  }

  it('conv2d backward kernels match the adjoint of the forward (float64 dot products)', () => {
    const xs = [3, 16, 11, 13],
      ws = [20, 4, 3, 3],
      g = geo(2, 1, 1, 4);
    const ys = [3, 20, out(11, 3, 2, 1, 1), out(13, 3, 2, 1, 1)];
    const n = (s: number[]) => s.reduce((a, d) => a * d, 1);
    const xd = f32(n(xs)),
      wd = f32(n(ws)),
      dyd = f32(n(ys));
    const b = two;
    const x = dense(b, xd, xs),
      w = dense(b, wd, ws),
      dy = dense(b, dyd, ys);
    const dx = b.readSync(b.kernels.conv2dBackwardInput({ dy, w }, { ...g, inShape: xs }), 'float32', n(xs)) as Float32Array;
    const dw = b.readSync(b.kernels.conv2dBackwardWeight({ x, dy }, { ...g, wShape: ws }), 'float32', n(ws)) as Float32Array;
    // <dy, conv(x, w)> = <dx, x> = <dw, w>
    const y = R.conv2dRef(R.ref(xd, xs), R.ref(wd, ws), g).data;
    const lhs = y.reduce((s, v, i) => s + v * dyd[i]!, 0);
    expect(dx.reduce((s, v, i) => s + v * xd[i]!, 0)).toBeCloseTo(lhs, 2);
    expect(dw.reduce((s, v, i) => s + v * wd[i]!, 0)).toBeCloseTo(lhs, 2);
  });

  const mmCases: [string, number[], number[], boolean, boolean][] = [
    ['plain', [1, 67, 300], [1, 300, 129], false, false],
    ['transposed both, batched', [3, 140, 33], [3, 70, 140], true, true],
    ['broadcast B (folded batch)', [4, 30, 50], [1, 50, 200], false, false],
    ['matrix-vector', [1, 500, 260], [1, 260, 1], false, false],
  ];
  for (const [name, sa, sb, ta, tb] of mmCases) {
    it(`matmul ${name}: identical on 1 and 2 threads, and matches float64`, () => {
      const M = ta ? sa[2]! : sa[1]!,
        K = ta ? sa[1]! : sa[2]!,
        N = tb ? sb[1]! : sb[2]!;
      const B = Math.max(sa[0]!, sb[0]!);
      const ad = f32(sa.reduce((a, d) => a * d, 1)),
        bd = f32(sb.reduce((a, d) => a * d, 1));
      const run = (be: WasmBackend) => {
        const a = dense(be, ad, sa),
          b = dense(be, bd, sb);
        const h = be.kernels.matmul({ a, b }, { transposeA: ta, transposeB: tb });
        const r = be.readSync(h, 'float32', B * M * N) as Float32Array;
        [h, a.handle, b.handle].forEach((v) => be.free(v));
        return r;
      };
      const [x, y] = [run(one), run(two)];
      expect(y).toEqual(x);
      const ref = new Float64Array(B * M * N);
      for (let bi = 0; bi < B; bi++) {
        const ao = sa[0] === 1 ? 0 : bi * M * K,
          bo = sb[0] === 1 ? 0 : bi * K * N;
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += ad[ao + (ta ? k * M + i : i * K + k)]! * bd[bo + (tb ? j * K + k : k * N + j)]!;
            ref[(bi * M + i) * N + j] = s;
          }
      }
      assertClose(x, ref, { atol: 1e-3, rtol: 1e-4 }, name);
    });
  }

  it('convTranspose2d and fused conv+bias+relu are identical on 1 and 2 threads', () => {
    const [a, b] = both(
      [
        [2, 16, 9, 9],
        [16, 8, 4, 4],
      ],
      2 * 16 * 20 * 20,
      (be, [x, w]) => be.kernels.convTranspose2d({ x: x!, w: w! }, { ...geo(2, 0, 1, 2), outputPadding: [0, 0], outShape: [2, 16, 20, 20] }),
    );
    expect(b).toEqual(a);
    const [c, d] = both([[2, 8, 10, 10], [16, 8, 3, 3], [16]], 2 * 16 * 100, (be, [x, w, bias]) =>
      be.kernels.conv2dBiasAct({ x: x!, w: w!, bias: bias! }, { ...geo(1, 1, 1, 1), activation: 'relu', outShape: [2, 16, 10, 10] }),
    );
    expect(d).toEqual(c);
    expect(c.every((v) => v >= 0)).toBe(true);
    // Depthwise with bias and relu fused (the direct kernel).
    const [e, h] = both([[2, 8, 9, 10], [8, 1, 3, 3], [8]], 2 * 8 * 90, (be, [x, w, bias]) =>
      be.kernels.conv2dBiasAct({ x: x!, w: w!, bias: bias! }, { ...geo(1, 1, 1, 8), activation: 'relu', outShape: [2, 8, 9, 10] }),
    );
    expect(h).toEqual(e);
  });
  it('fused depthwise conv+bias+relu matches float64', () => {
    const xs = [2, 8, 9, 10],
      ws = [8, 1, 3, 3],
      g = geo(1, 1, 1, 8);
    const xd = f32(2 * 8 * 90),
      wd = f32(72),
      bd = f32(8);
    const be = two;
    const [x, w, b] = [dense(be, xd, xs), dense(be, wd, ws), dense(be, bd, [8])];
    const y = be.kernels.conv2dBiasAct({ x, w, bias: b }, { ...g, activation: 'relu', outShape: xs });
    const r = R.conv2dRef(R.ref(xd, xs), R.ref(wd, ws), g).data.map((v, i) => Math.max(0, v + bd[Math.floor(i / 90) % 8]!));
    assertClose(be.readSync(y, 'float32', 2 * 8 * 90), r, { atol: 1e-5, rtol: 1e-5 }, 'depthwise fused');
    [x.handle, w.handle, b.handle, y].forEach((v) => be.free(v));
  });
});

describe('SIMD elementwise kernels (sizes above the TypeScript cut-off)', () => {
  const unaryOps = ['relu', 'neg', 'abs', 'square', 'sqrt', 'rsqrt', 'reciprocal', 'floor', 'ceil', 'round', 'leakyRelu'] as const;
  for (const op of unaryOps) {
    it(`unary ${op} on dense and transposed views`, () => {
      const positive = op === 'sqrt' || op === 'rsqrt' || op === 'reciprocal';
      const d = f32(40 * 33, positive ? 0.1 : -3, 3);
      if (op === 'round') d.set([0.5, 1.5, 2.5, -0.5, -1.5, -2.5]);
      if (op === 'relu') d[7] = NaN;
      for (const be of [one, two]) {
        const h = be.upload(d);
        const views = [
          { handle: h, shape: [40, 33], strides: [33, 1], offset: 0, dtype: 'float32' as const },
          { handle: h, shape: [33, 40], strides: [1, 33], offset: 0, dtype: 'float32' as const },
        ];
        for (const [vi, v] of views.entries()) {
          const y = be.kernels.unary({ x: v }, { op, alpha: 0.2 });
          const got = be.readSync(y, 'float32', d.length);
          const exp = Float64Array.from({ length: d.length }, (_, i) => {
            const src = vi === 0 ? d[i]! : d[(i % 40) * 33 + Math.floor(i / 40)]!;
            return R.unaryRef[op]!(src, 0.2);
          });
          assertClose(got, exp, { atol: 1e-6, rtol: 1e-6 }, `${op} view ${vi}`);
          be.free(y);
        }
        be.free(h);
      }
    });
  }
  // The float32 approximations of assembly/transcend.ts over wide ranges, their ends and
  // special values, against double precision: a few ulps relative, or an absolute floor where
  // the function passes through zero.
  const transcendental: [
    op: 'exp' | 'log' | 'tanh' | 'sigmoid' | 'gelu' | 'geluTanh' | 'silu' | 'erf',
    lo: number,
    hi: number,
    atol: number,
    specials: number[],
  ][] = [
    ['exp', -110, 95, 0, [0, -0, 1, 88.7, 88.73, 89, -87.3, -103, Infinity, -Infinity, NaN]],
    ['log', 1e-6, 1e6, 1e-7, [1, 0, -0, -1, 1e-40, 1e-45, 3.4e38, Infinity, -Infinity, NaN]],
    ['tanh', -12, 12, 1e-7, [0, 1e-5, -3e-4, 5e-4, 7.9, 20, Infinity, -Infinity, NaN]],
    ['sigmoid', -120, 120, 1e-7, [0, Infinity, -Infinity, NaN]],
    ['gelu', -12, 12, 2e-6, [0, 100, NaN]],
    ['geluTanh', -12, 12, 2e-6, [0, 100, NaN]],
    ['silu', -100, 100, 2e-6, [0, NaN]],
    ['erf', -6, 6, 1e-7, [0, 1e-6, -2e-3, 3.9, 4.1, Infinity, -Infinity, NaN]],
  ];
  for (const [op, lo, hi, atol, specials] of transcendental) {
    it(`unary ${op} (vectorised approximation) within a few float32 ulps over [${lo}, ${hi}]`, () => {
      const n = 4099;
      const d = new Float32Array(n);
      for (let i = 0; i < n; i++) d[i] = op === 'log' ? Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1)) : lo + ((hi - lo) * i) / (n - 1);
      d.set(specials, 1000);
      for (const be of [one, two]) {
        const h = be.upload(d);
        const y = be.kernels.unary({ x: { handle: h, shape: [n], strides: [1], offset: 0, dtype: 'float32' } }, { op });
        const got = be.readSync(y, 'float32', n);
        for (let i = 0; i < n; i++) {
          const want = Math.fround(R.unaryRef[op]!(d[i]!));
          const v = got[i]!;
          if (!Number.isFinite(want)) expect(v, `${op}(${d[i]})`).toBe(want);
          else expect(Math.abs(v - want), `${op}(${d[i]}) = ${v}, want ${want}`).toBeLessThanOrEqual(atol + 1e-6 * Math.abs(want));
        }
        [y, h].forEach((v) => be.free(v));
      }
    });
  }
  const binOps: [string, (a: number, b: number) => number][] = [
    ['add', (a, b) => a + b],
    ['sub', (a, b) => a - b],
    ['mul', (a, b) => a * b],
    ['div', (a, b) => a / b],
    ['maximum', Math.max],
    ['minimum', Math.min],
  ];
  for (const [op, f] of binOps) {
    it(`binary ${op} with row, column and transposed broadcasting`, () => {
      const [N, C, L] = [3, 8, 37];
      const ad = f32(N * C * L),
        bd = f32(C, 0.5, 2),
        cd = f32(L, 0.5, 2);
      for (const be of [one, two]) {
        const a = be.upload(ad),
          b = be.upload(bd),
          c = be.upload(cd);
        const out = [N, C, L];
        const av = { handle: a, shape: out, strides: [C * L, L, 1], offset: 0, dtype: 'float32' as const };
        const cases: [string, typeof av, typeof av, (i: number, j: number, k: number) => number][] = [
          ['per channel', av, { handle: b, shape: out, strides: [0, 1, 0], offset: 0, dtype: 'float32' }, (i, j, k) => f(ad[(i * C + j) * L + k]!, bd[j]!)],
          [
            'per column, swapped',
            { handle: c, shape: out, strides: [0, 0, 1], offset: 0, dtype: 'float32' },
            av,
            (i, j, k) => f(cd[k]!, ad[(i * C + j) * L + k]!),
          ],
          [
            'transposed',
            { handle: a, shape: [N, L, C], strides: [C * L, 1, L], offset: 0, dtype: 'float32' },
            { handle: b, shape: [N, L, C], strides: [0, 0, 1], offset: 0, dtype: 'float32' },
            (i, j, k) => f(ad[(i * C + k) * L + j]!, bd[k]!),
          ],
        ];
        for (const [name, x, y, ref] of cases) {
          const h = be.kernels.binary({ a: x, b: y }, { op: op as 'add', outShape: x.shape });
          const got = be.readSync(h, 'float32', N * C * L);
          const [d0, d1, d2] = x.shape as [number, number, number];
          const exp = new Float64Array(N * C * L);
          for (let i = 0; i < d0; i++) for (let j = 0; j < d1; j++) for (let k = 0; k < d2; k++) exp[(i * d1 + j) * d2 + k] = ref(i, j, k);
          assertClose(got, Float32Array.from(exp), { atol: 0, rtol: 1e-7 }, `${op} ${name}`);
          be.free(h);
        }
        [a, b, c].forEach((v) => be.free(v));
      }
    });
  }
});

describe('softmax and logSoftmax rows (WebAssembly SIMD, threaded)', () => {
  for (const [rows, L] of [
    [37, 301],
    [3, 4099],
    [700, 7],
  ] as const) {
    it(`[${rows}, ${L}] match double precision; −∞ entries give 0 / −∞, a NaN makes its row NaN`, () => {
      const d = f32(rows * L, -30, 30);
      d[5] = -Infinity;
      d[L + 1] = NaN;
      for (const be of [one, two]) {
        const h = be.upload(d);
        for (const log of [false, true]) {
          const y = log
            ? be.kernels.logSoftmax({ x: { handle: h, shape: [rows, L], dtype: 'float32' } }, {})
            : be.kernels.softmax({ x: { handle: h, shape: [rows, L], dtype: 'float32' } }, {});
          const got = be.readSync(y, 'float32', rows * L);
          for (let r = 0; r < rows; r++) {
            const row = Array.from(d.subarray(r * L, (r + 1) * L));
            const m = Math.max(...row);
            const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
            for (let i = 0; i < L; i++) {
              const want = log ? row[i]! - lse : Math.exp(row[i]! - lse);
              const v = got[r * L + i]!;
              if (Number.isNaN(want)) expect(v, `row ${r}`).toBeNaN();
              else if (!Number.isFinite(want)) expect(v).toBe(want);
              else expect(Math.abs(v - want), `${log ? 'log' : ''}softmax[${r}, ${i}] = ${v}, want ${want}`).toBeLessThanOrEqual(1e-6 + 2e-6 * Math.abs(want));
            }
          }
          be.free(y);
        }
        be.free(h);
      }
    });
  }
});

describe('contiguous copies of large strided views (WebAssembly, threaded)', () => {
  // [2, 3, 40, 33] source; views: a 4-D permute whose inner run is contiguous, a full
  // transpose (inner step 33), a stride-0 broadcast of a row, and an int32 permute.
  const n = 2 * 3 * 40 * 33;
  const cases: [string, number[], number[], number, (idx: number[]) => number][] = [
    ['permute [0,2,1,3]', [2, 40, 3, 33], [3960, 33, 1320, 1], 0, ([a, b, c, d]) => ((a! * 3 + c!) * 40 + b!) * 33 + d!],
    ['transpose of the last two', [2, 3, 33, 40], [3960, 1320, 1, 33], 0, ([a, b, c, d]) => ((a! * 3 + b!) * 40 + d!) * 33 + c!],
    ['broadcast row, offset 5', [2, 3, 40, 33], [0, 0, 0, 1], 5, ([, , , d]) => 5 + d!],
  ];
  for (const dtype of ['float32', 'int32'] as const) {
    for (const [name, vs, st, offset, src] of cases) {
      it(`${name} (${dtype}) matches an index-by-index copy on 1 and 2 threads`, () => {
        const data = dtype === 'int32' ? Int32Array.from({ length: n }, (_, i) => i * 7 - 100) : f32(n);
        for (const be of [one, two]) {
          const h = be.upload(data);
          const y = be.kernels.contiguous({ x: { handle: h, shape: vs, strides: st, offset, dtype } }, {});
          const got = be.readSync(y, dtype, n);
          const want = new (dtype === 'int32' ? Int32Array : Float32Array)(n);
          for (let i = 0; i < n; i++) {
            const idx = [Math.floor(i / (vs[1]! * vs[2]! * vs[3]!)), Math.floor(i / (vs[2]! * vs[3]!)) % vs[1]!, Math.floor(i / vs[3]!) % vs[2]!, i % vs[3]!];
            want[i] = data[src(idx)]!;
          }
          expect(Array.from(got)).toEqual(Array.from(want));
          [y, h].forEach((v) => be.free(v));
        }
      });
    }
  }
});

describe('SIMD reductions and comparisons (sizes above the TypeScript cut-off)', () => {
  for (const op of ['sum', 'mean', 'max', 'min'] as const) {
    it(`${op} over several axis sets`, () => {
      const shape = [5, 7, 9, 11];
      const d = f32(5 * 7 * 9 * 11);
      for (const axes of [[0, 2, 3], [1], [3], [0, 1, 2, 3], [0]]) {
        const h = two.upload(d);
        const y = two.kernels.reduce({ x: { handle: h, shape, dtype: 'float32' } }, { op, axes });
        const ref = R.reduceRef(R.ref(d, shape), axes, op);
        assertClose(two.readSync(y, 'float32', ref.data.length), ref.data, { atol: 1e-5, rtol: 1e-5 }, `${op} ${axes}`);
        [h, y].forEach((v) => two.free(v));
      }
    });
  }
  it('max and min propagate NaN', () => {
    const d = f32(600);
    d[123] = NaN;
    const h = one.upload(d);
    for (const op of ['max', 'min'] as const) {
      const y = one.kernels.reduce({ x: { handle: h, shape: [6, 100], dtype: 'float32' } }, { op, axes: [1] });
      const r = one.readSync(y, 'float32', 6);
      expect(Number.isNaN(r[1])).toBe(true);
      expect(Number.isNaN(r[0])).toBe(false);
      one.free(y);
    }
    one.free(h);
  });
  it('int32 → float32 cast', () => {
    const d = Int32Array.from({ length: 1003 }, (_, i) => ((i * 7919) % 2001) - 1000 + (i === 5 ? 2 ** 30 + 3 : 0));
    const h = two.upload(d);
    const y = two.kernels.cast({ x: { handle: h, shape: [1003], strides: [1], offset: 0, dtype: 'int32' } }, { dtype: 'float32' });
    expect(two.readSync(y, 'float32', 1003)).toEqual(Float32Array.from(d));
    [h, y].forEach((v) => two.free(v));
  });
  it('comparisons write int32 0/1 with broadcasting', () => {
    const [N, L] = [9, 70];
    const ad = f32(N * L),
      bd = f32(L);
    bd.set(ad.subarray(0, L));
    const a = two.upload(ad),
      b = two.upload(bd);
    const cmps: [string, (x: number, y: number) => boolean][] = [
      ['eq', (x, y) => x === y],
      ['ne', (x, y) => x !== y],
      ['lt', (x, y) => x < y],
      ['le', (x, y) => x <= y],
      ['gt', (x, y) => x > y],
      ['ge', (x, y) => x >= y],
    ];
    for (const [op, f] of cmps) {
      const y = two.kernels.binary(
        {
          a: { handle: a, shape: [N, L], strides: [L, 1], offset: 0, dtype: 'float32' },
          b: { handle: b, shape: [N, L], strides: [0, 1], offset: 0, dtype: 'float32' },
        },
        { op: op as 'eq', outShape: [N, L] },
      );
      const got = Array.from(two.readSync(y, 'int32', N * L));
      expect(got).toEqual(Array.from({ length: N * L }, (_, i) => (f(ad[i]!, bd[i % L]!) ? 1 : 0)));
      two.free(y);
    }
    [a, b].forEach((v) => two.free(v));
  });
});

describe('pooling (SIMD 2×2 stride-2 path)', () => {
  it('maxPool2d values, argmax indices (ties first, NaN wins) and gradient', () => {
    const [N, C, H, W] = [2, 3, 6, 21];
    const d = f32(N * C * H * W);
    d[5] = d[6]!; // a tie inside one window: the first cell wins
    d[W + 9] = NaN; // NaN wins its window
    const xs = [N, C, H, W],
      os = [N, C, 3, 10];
    for (const be of [one, two]) {
      const x = dense(be, d, xs);
      const { out, indices } = be.kernels.maxPool2d({ x }, { kernel: [2, 2], stride: [2, 2], padding: [0, 0], outShape: os });
      const got = be.readSync(out, 'float32', 180),
        idx = be.readSync(indices, 'int32', 180);
      const ref = R.pool2dRef(R.ref(d, xs), 'max', [2, 2], [2, 2], [0, 0]).data;
      for (let i = 0; i < 180; i++) {
        const pl = Math.floor(i / 30),
          oh = Math.floor((i % 30) / 10),
          ow = i % 10;
        const cells = [
          [2 * oh, 2 * ow],
          [2 * oh, 2 * ow + 1],
          [2 * oh + 1, 2 * ow],
          [2 * oh + 1, 2 * ow + 1],
        ].map(([h, w]) => h! * W + w!);
        let bi = cells[0]!;
        for (const c of cells.slice(1)) {
          const v = d[pl * H * W + c]!,
            b = d[pl * H * W + bi]!;
          if (b !== b) break;
          if (v > b || v !== v) bi = c;
        }
        expect(idx[i], `index ${i}`).toBe(bi);
        if (Number.isNaN(ref[i]!)) expect(Number.isNaN(got[i]!)).toBe(true);
        else expect(got[i]).toBe(d[pl * H * W + bi]);
      }
      const g = dense(be, f32(180), os);
      const dx = be.kernels.maxPool2dBackward({ dy: g, indices: { handle: indices, shape: os, dtype: 'int32' } }, { inShape: xs });
      const gd = be.readSync(g.handle, 'float32', 180),
        dxd = be.readSync(dx, 'float32', N * C * H * W);
      const exp = new Float32Array(N * C * H * W);
      for (let i = 0; i < 180; i++) exp[Math.floor(i / 30) * H * W + idx[i]!]! += gd[i]!;
      expect(dxd).toEqual(exp);
      [x.handle, out, indices, g.handle, dx].forEach((v) => be.free(v));
    }
  });
  it('avgPool2d matches float64 and its gradient is its adjoint (2×2 stride 2; 3×3 padded)', () => {
    const xs = [2, 3, 8, 19];
    const n = 2 * 3 * 8 * 19;
    const d = f32(n);
    for (const [k, st, p, os, cip] of [
      [2, 2, 0, [2, 3, 4, 9], false],
      [3, 2, 1, [2, 3, 4, 10], true],
      [3, 2, 1, [2, 3, 4, 10], false],
    ] as const) {
      const m = 2 * 3 * os[2] * os[3];
      const g = f32(m);
      const geo = { kernel: [k, k] as [number, number], stride: [st, st] as [number, number], padding: [p, p] as [number, number], countIncludePad: cip };
      const results = [one, two].map((be) => {
        const x = dense(be, d, xs),
          dy = dense(be, g, [...os]);
        const y = be.kernels.avgPool2d({ x }, { ...geo, outShape: [...os] });
        const dx = be.kernels.avgPool2dBackward({ dy }, { ...geo, inShape: xs });
        const r = [be.readSync(y, 'float32', m) as Float32Array, be.readSync(dx, 'float32', n) as Float32Array];
        [x.handle, dy.handle, y, dx].forEach((v) => be.free(v));
        return r;
      });
      expect(results[1]).toEqual(results[0]);
      const [y, dx] = results[0]!;
      assertClose(y!, R.pool2dRef(R.ref(d, xs), 'avg', [k, k], [st, st], [p, p], cip).data, { atol: 1e-6, rtol: 1e-5 }, `avg k${k}`);
      const lhs = y!.reduce((acc, v, i) => acc + v * g[i]!, 0);
      expect(dx!.reduce((acc, v, i) => acc + v * d[i]!, 0)).toBeCloseTo(lhs, 3);
    }
  });
});

describe('resize', () => {
  for (const [mode, ac, oh, ow] of [
    ['nearest', false, 10, 32],
    ['nearest', false, 7, 45],
    ['bilinear', false, 9, 37],
    ['bilinear', true, 11, 33],
  ] as const) {
    it(`${mode}${ac ? ' alignCorners' : ''} to ${oh}×${ow}: matches float64, identical on 1 and 2 threads, adjoint gradient`, () => {
      const xs = [2, 3, 5, 16],
        os = [2, 3, oh, ow];
      const n = 2 * 3 * 5 * 16,
        m = 2 * 3 * oh * ow;
      const d = f32(n),
        g = f32(m);
      const results = [one, two].map((be) => {
        const x = dense(be, d, xs),
          dy = dense(be, g, os);
        const y = be.kernels.resize({ x }, { mode, alignCorners: ac, outShape: os });
        const dx = be.kernels.resizeBackward({ dy }, { mode, alignCorners: ac, inShape: xs });
        const r = [be.readSync(y, 'float32', m) as Float32Array, be.readSync(dx, 'float32', n) as Float32Array];
        [x.handle, dy.handle, y, dx].forEach((v) => be.free(v));
        return r;
      });
      expect(results[1]).toEqual(results[0]);
      const [y, dx] = results[0]!;
      assertClose(y!, R.resizeRef(R.ref(d, xs), oh, ow, mode, ac).data, { atol: 1e-6, rtol: 1e-5 }, mode);
      expect(dx!.reduce((acc, v, i) => acc + v * d[i]!, 0)).toBeCloseTo(
        y!.reduce((acc, v, i) => acc + v * g[i]!, 0),
        3,
      );
    });
  }
});

describe('fused elementwise kernels', () => {
  it('sgdStep matches torch.optim.SGD (momentum, nesterov, weight decay)', () => {
    for (const be of [one, two]) {
      const n = 1001;
      const p0 = f32(n),
        g = f32(n),
        v0 = f32(n);
      const p = dense(be, p0, [n]),
        gr = dense(be, g, [n]),
        v = dense(be, v0, [n]);
      be.kernels.sgdStep({ param: p, grad: gr, velocity: v }, { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true, firstStep: false });
      const pe = new Float64Array(n),
        ve = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const d = g[i]! + 0.01 * p0[i]!;
        ve[i] = 0.9 * v0[i]! + d;
        pe[i] = p0[i]! - 0.1 * (d + 0.9 * ve[i]!);
      }
      assertClose(be.readSync(v.handle, 'float32', n), ve, { atol: 1e-6, rtol: 1e-5 }, 'velocity');
      assertClose(be.readSync(p.handle, 'float32', n), pe, { atol: 1e-6, rtol: 1e-5 }, 'param');
      [p, gr, v].forEach((t) => be.free(t.handle));
    }
  });
  it('adamStep matches torch.optim.AdamW', () => {
    const n = 999;
    const p0 = f32(n),
      g = f32(n),
      m0 = f32(n, 0, 0.1),
      v0 = f32(n, 0, 0.1);
    const be = two;
    const [p, gr, m, v] = [p0, g, m0, v0].map((d) => dense(be, d, [n]));
    const a = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, step: 3 };
    be.kernels.adamStep({ param: p!, grad: gr!, m: m!, v: v! }, a);
    const pe = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const mi = 0.9 * m0[i]! + 0.1 * g[i]!,
        vi = 0.999 * v0[i]! + 0.001 * g[i]! ** 2;
      const bc1 = 1 - 0.9 ** 3,
        bc2 = 1 - 0.999 ** 3;
      pe[i] = p0[i]! * (1 - a.lr * a.weightDecay) - (a.lr / bc1) * (mi / (Math.sqrt(vi) / Math.sqrt(bc2) + a.eps));
    }
    assertClose(be.readSync(p!.handle, 'float32', n), pe, { atol: 1e-5, rtol: 1e-4 }, 'adamw param');
    [p, gr, m, v].forEach((t) => be.free(t!.handle));
  });
  it('erf is accurate across its range', () => {
    for (const x of [-7, -3.2, -2.5, -1, -1e-6, 0, 1e-6, 0.3, 0.999, 2.49, 2.51, 4, 6.5]) {
      expect(erf(x)).toBeCloseTo(R.erf(x), 12);
    }
  });
});

describe('heap', () => {
  it('coalesces freed neighbours and returns the top', () => {
    const h = new Heap({ initialPages: 2, maximumPages: 64, shared: false });
    const base = h.stats().top;
    const a = h.alloc(100),
      b = h.alloc(1000),
      c = h.alloc(10);
    h.free(a);
    h.free(b);
    expect(h.stats().freeBlocks).toBe(1); // a and b merged
    const d = h.alloc(275); // fits in the merged block, at a's place
    expect(d).toBe(a);
    h.free(c);
    h.free(d);
    expect(h.stats()).toMatchObject({ top: base, free: 0, freeBlocks: 0 });
    expect(h.memoryStats()).toEqual({ bytes: 0, buffers: 0 });
    expect(() => h.free(d)).toThrow(/not live/);
  });
  it('grows the memory on demand and keeps views valid', () => {
    const h = new Heap({ initialPages: 2, maximumPages: 1024, shared: false });
    const a = h.alloc(10);
    h.f32[a >>> 2] = 42;
    const big = h.alloc(4 << 20);
    expect(h.stats().capacity).toBeGreaterThanOrEqual(16 << 20);
    expect(h.f32[a >>> 2]).toBe(42);
    h.free(big);
    h.free(a);
  });

  it('200 training steps of a small residual conv net keep the heap flat after the first few', async () => {
    sn.registerBackend('wasm-heap', () => createWasmBackend({ threads: 2 }));
    const be = (await sn.setBackend('wasm-heap')) as WasmBackend;
    try {
      const relu = new sn.ReLU();
      const model = new sn.Sequential(
        new sn.Conv2d(3, 8, 3, { padding: 1 }),
        new sn.BatchNorm2d(8),
        new sn.ReLU(),
        new sn.Skip({
          main: {
            conv1: new sn.Conv2d(8, 8, 3, { padding: 1, bias: false }),
            bn1: new sn.BatchNorm2d(8),
            relu,
            conv2: new sn.Conv2d(8, 8, 3, { padding: 1, bias: false }),
            bn2: new sn.BatchNorm2d(8),
          },
          post: relu,
        }),
        new sn.MaxPool2d(2),
        new sn.AdaptiveAvgPool2d(1),
        new sn.Flatten(),
        new sn.Linear(8, 4),
      );
      const opt = new sn.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
      const x = sn.keep(sn.randn([8, 3, 12, 12], { seed: 5 }));
      const y = sn.keep(sn.tensor([0, 1, 2, 3, 0, 1, 2, 3], [8], { dtype: 'int32' }));
      const tops: number[] = [];
      const mems: number[] = [];
      let first = 0,
        last = 0;
      for (let step = 0; step < 200; step++) {
        const loss = sn.tidy(() => {
          const l = sn.crossEntropy(model.call(x), y);
          l.backward();
          return l;
        });
        opt.step();
        opt.zeroGrad();
        const v = await loss.item();
        loss.dispose();
        if (step === 0) first = v;
        last = v;
        tops.push(be.heapStats().top);
        mems.push(sn.memory().bytes);
      }
      expect(last).toBeLessThan(first);
      expect(new Set(tops.slice(5)).size).toBe(1);
      expect(new Set(mems.slice(5)).size).toBe(1);
      expect(be.heapStats().capacity).toBeLessThan(64 << 20);
      opt.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    } finally {
      sn.removeBackend('wasm-heap');
    }
  }, 60_000);
});
