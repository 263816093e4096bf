/**
 * `@skipnet/core/testing`: the conformance suite every backend runs against itself.
 *
 * ```ts
 * import { runConformance } from '@skipnet/core/testing';
 * import { createCpuBackend } from '../src/index.js';
 * runConformance({ name: 'cpu', factory: createCpuBackend });
 * ```
 *
 * Forward results are compared with float64 references on seeded random inputs (odd sizes,
 * stride 2, padding, dilation, groups, batch 1, strided views); every differentiable op is
 * checked by central finite differences; a leak check follows every test; 100 training
 * steps of a small conv net must leave the live tensor count unchanged.
 *
 * @packageDocumentation
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackendFactory, UnaryOp } from '../backend/types.js';
import { memory, registerBackend, removeBackend, setBackend, tidy, keep, noGrad } from '../engine.js';
import { normalAt, uniformAt } from '../random.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import { assertClose, distinctArray, gradCheck, randomArray, refOf, take, type Tolerance } from './helpers.js';
import * as R from './reference.js';

export { assertClose, gradCheck, randomArray, distinctArray, type Tolerance } from './helpers.js';
export * as reference from './reference.js';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Registry name for the backend under test. */
  readonly name: string;
  /** Factory creating the backend. */
  readonly factory: BackendFactory;
  /** Forward tolerance (default atol 1e-4, rtol 1e-4). */
  readonly forward?: Tolerance;
  /** Finite-difference tolerance (default atol 5e-3, rtol 2e-2). */
  readonly gradient?: Tolerance;
  /** Training steps in the memory check (default 100). */
  readonly memorySteps?: number;
}

const t = (data: Float32Array, shape: readonly number[]): Tensor => ops.tensor(data, shape);

/**
 * Registers vitest suites checking every kernel and gradient of a backend.
 */
export function runConformance(options: ConformanceOptions): void {
  const fwd = options.forward ?? { atol: 1e-4, rtol: 1e-4 };
  const gtol = options.gradient ?? { atol: 5e-3, rtol: 2e-2 };
  const regName = `conformance-${options.name}`;

  describe(`conformance: ${options.name}`, () => {
    let before = 0;
    beforeAll(async () => {
      registerBackend(regName, options.factory);
      await setBackend(regName);
    });
    afterAll(() => removeBackend(regName));
    beforeEach(() => {
      before = memory().tensors;
    });
    afterEach(() => {
      // Leak check: every test must free what it created.
      expect(memory().tensors, 'live tensors after the test').toBe(before);
    });

    const check = async (out: Tensor, expected: R.Ref, what: string, tol = fwd): Promise<void> => {
      expect(out.shape, `${what}: shape`).toEqual(expected.shape);
      assertClose(await take(out), expected.data, tol, what);
    };

    describe('elementwise', () => {
      const domains: Partial<Record<UnaryOp, [number, number]>> = { log: [0.1, 3], sqrt: [0.1, 3], rsqrt: [0.1, 3], reciprocal: [0.5, 3] };
      const unaryOps: UnaryOp[] = ['neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'leakyRelu', 'gelu', 'geluTanh', 'silu', 'erf', 'floor', 'ceil', 'round'];
      for (const op of unaryOps) {
        it(`unary ${op} on a strided view`, async () => {
          const [lo, hi] = domains[op] ?? [-3, 3];
          const data = randomArray(7 * 5, lo, hi);
          if (op === 'round') data.set([0.5, 1.5, 2.5, -0.5, -1.5]);
          const x = t(data, [7, 5]);
          // Transposed: the kernel must honour strides.
          const xt = x.transpose();
          const expected = R.map(refOf(data, [7, 5]), (v) => R.unaryRef[op]!(v, 0.2));
          const expT = { shape: [5, 7], data: new Float64Array(35).map((_, i) => expected.data[(i % 7) * 5 + Math.floor(i / 7)]!) };
          const y = tidy(() => {
            const v = op === 'leakyRelu' ? ops.leakyRelu(xt, 0.2) : op === 'geluTanh' ? ops.gelu(xt, 'tanh') : (ops as unknown as Record<string, (a: Tensor) => Tensor>)[op]!(xt);
            return v;
          });
          xt.dispose();
          x.dispose();
          await check(y, expT, op);
        });
      }

      const binaries: [string, (a: number, b: number) => number][] = [
        ['add', (a, b) => a + b], ['sub', (a, b) => a - b], ['mul', (a, b) => a * b], ['div', (a, b) => a / b],
        ['pow', (a, b) => Math.pow(a, b)], ['maximum', Math.max], ['minimum', Math.min],
        ['eq', (a, b) => +(a === b)], ['ne', (a, b) => +(a !== b)], ['lt', (a, b) => +(a < b)],
        ['le', (a, b) => +(a <= b)], ['gt', (a, b) => +(a > b)], ['ge', (a, b) => +(a >= b)],
      ];
      for (const [op, f] of binaries) {
        it(`binary ${op} with broadcasting`, async () => {
          const ad = op === 'pow' ? randomArray(3 * 4 * 5, 0.2, 2) : distinctArray(60, 0.1);
          const bd = op === 'div' || op === 'pow' ? randomArray(4 * 1, 0.5, 2) : Float32Array.from([ad[0]!, ad[7]!, 0.3, -0.25]);
          const a = t(ad, [3, 4, 5]);
          const b = t(bd, [4, 1]);
          const y = (ops as unknown as Record<string, (a: Tensor, b: Tensor) => Tensor>)[op]!(a, b);
          a.dispose();
          b.dispose();
          const isCmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op);
          expect(y.dtype).toBe(isCmp ? 'int32' : 'float32');
          await check(y, R.zip(refOf(ad, [3, 4, 5]), refOf(bd, [4, 1]), f), op);
        });
      }

      it('int32 arithmetic stays int32 and promotes with float32', async () => {
        const a = ops.tensor([1, 2, 3], [3], { dtype: 'int32' });
        const y = ops.add(a, 2);
        expect(y.dtype).toBe('int32');
        expect(Array.from(await take(y))).toEqual([3, 4, 5]);
        const z = ops.mul(a, 0.5);
        expect(z.dtype).toBe('float32');
        expect(Array.from(await take(z))).toEqual([0.5, 1, 1.5]);
        a.dispose();
      });

      it('where broadcasts condition and branches', async () => {
        const cd = Int32Array.from([1, 0, 0, 1, 1, 0]);
        const ad = randomArray(6);
        const c = ops.tensor(cd, [2, 3], { dtype: 'int32' });
        const a = t(ad, [2, 3]);
        const y = ops.where(c, a, -7);
        await check(y, { shape: [2, 3], data: Float64Array.from(ad, (v, i) => (cd[i] ? v : -7)) }, 'where');
        c.dispose();
        a.dispose();
      });

      it('cast truncates toward zero and round-trips', async () => {
        const x = ops.tensor([-2.7, -0.5, 0.5, 3.9], [4]);
        const i = ops.cast(x, 'int32');
        expect(i.dtype).toBe('int32');
        expect(Array.from(await i.data())).toEqual([-2, 0, 0, 3]);
        const f = ops.cast(i, 'float32');
        expect(Array.from(await take(f))).toEqual([-2, 0, 0, 3]);
        i.dispose();
        x.dispose();
      });
    });

    describe('reductions', () => {
      for (const op of ['sum', 'mean', 'max', 'min', 'prod'] as const) {
        for (const axes of [[1], [0, 2], [0, 1, 2]]) {
          it(`${op} over ${JSON.stringify(axes)} of a permuted view`, async () => {
            const d = op === 'prod' ? randomArray(3 * 4 * 5, 0.8, 1.2) : randomArray(60);
            const base = t(d, [3, 4, 5]);
            const y = ops[op](base, axes);
            await check(y, R.reduceRef(refOf(d, [3, 4, 5]), axes, op), `${op}${JSON.stringify(axes)}`);
            const keep = ops[op](base, axes, true);
            expect(keep.shape).toEqual([3, 4, 5].map((s, i) => (axes.includes(i) ? 1 : s)));
            keep.dispose();
            base.dispose();
          });
        }
      }
      it('argmax / argmin along each axis (first index on ties)', async () => {
        const d = Float32Array.from([1, 5, 5, 0, -1, 2, 2, -1, 7, 7, 0, 3]);
        const x = t(d, [3, 4]);
        expect(Array.from(await take(ops.argmax(x, 1)))).toEqual([1, 1, 0]);
        expect(Array.from(await take(ops.argmin(x, 1)))).toEqual([3, 0, 2]);
        expect(Array.from(await take(ops.argmax(x, 0)))).toEqual([2, 2, 0, 2]);
        expect(Array.from(await take(ops.argmax(x)))).toEqual([8]);
        x.dispose();
      });
      it('variance (unbiased and biased) and logSumExp', async () => {
        const d = randomArray(24);
        const x = t(d, [4, 6]);
        const r = refOf(d, [4, 6]);
        const m = R.reduceRef(r, [1], 'mean');
        const ss = new Float64Array(4).map((_, i) => d.slice(i * 6, i * 6 + 6).reduce((s, v) => s + (v - m.data[i]!) ** 2, 0));
        await check(ops.variance(x, 1), { shape: [4], data: ss.map((v) => v / 5) }, 'variance');
        await check(ops.variance(x, 1, false, 0), { shape: [4], data: ss.map((v) => v / 6) }, 'variance biased');
        const lse = new Float64Array(4).map((_, i) => Math.log(d.slice(i * 6, i * 6 + 6).reduce((s, v) => s + Math.exp(v), 0)));
        await check(ops.logSumExp(x, 1), { shape: [4], data: lse }, 'logSumExp');
        x.dispose();
      });
    });

    describe('matmul', () => {
      const cases: [string, number[], number[], boolean, boolean][] = [
        ['plain 2-D odd sizes', [7, 13], [13, 5], false, false],
        ['batched', [3, 4, 6], [3, 6, 5], false, false],
        ['broadcast batch', [2, 1, 4, 6], [3, 6, 5], false, false],
        ['transposeA', [6, 4], [6, 5], true, false],
        ['transposeB', [4, 6], [5, 6], false, true],
        ['both transposed, batched', [2, 6, 4], [2, 5, 6], true, true],
        ['matrix-vector', [5, 9], [9], false, false],
        ['larger than a tile', [65, 130], [130, 67], false, false],
      ];
      for (const [name, sa, sb, ta, tb] of cases) {
        it(name, async () => {
          const ad = randomArray(sizeOf(sa));
          const bd = randomArray(sizeOf(sb));
          const a = t(ad, sa);
          const b = t(bd, sb);
          const y = ops.matmul(a, b, ta, tb);
          // Reference: explicit loops over broadcast batches.
          const m = ta ? sa[sa.length - 1]! : sa[sa.length - 2]!;
          const k = ta ? sa[sa.length - 2]! : sa[sa.length - 1]!;
          const n = sb.length === 1 ? 1 : tb ? sb[sb.length - 2]! : sb[sb.length - 1]!;
          const batchShape = sb.length === 1 ? sa.slice(0, -2) : broadcastShapes('ref', sa.slice(0, -2), sb.slice(0, -2));
          const batch = sizeOf(batchShape);
          const out = new Float64Array(batch * m * n);
          const aBatch = sizeOf(sa.slice(0, -2));
          const bBatch = sb.length === 1 ? 1 : sizeOf(sb.slice(0, -2));
          for (let bi = 0; bi < batch; bi++) {
            // index into broadcast operands (only the cases above: trailing-aligned 1-broadcast)
            const ai = aBatch === 1 ? 0 : aBatch === batch ? bi : Math.floor(bi / (batch / aBatch));
            const bj = bBatch === 1 ? 0 : bBatch === batch ? bi : bi % bBatch;
            for (let i = 0; i < m; i++)
              for (let j = 0; j < n; j++) {
                let s = 0;
                for (let p = 0; p < k; p++) {
                  const av = ta ? ad[ai * m * k + p * m + i]! : ad[ai * m * k + i * k + p]!;
                  const bv = sb.length === 1 ? bd[p]! : tb ? bd[bj * k * n + j * k + p]! : bd[bj * k * n + p * n + j]!;
                  s += av * bv;
                }
                out[bi * m * n + i * n + j] = s;
              }
          }
          const shape = sb.length === 1 ? [...sa.slice(0, -1)] : [...batchShape, m, n];
          await check(y, { shape, data: out }, name);
          a.dispose();
          b.dispose();
        });
      }
      it('transposed views are used without a copy and give the same result', async () => {
        const ad = randomArray(6 * 4);
        const bd = randomArray(6 * 5);
        const a = t(ad, [6, 4]);
        const b = t(bd, [6, 5]);
        const viaView = tidy(() => ops.matmul(ops.transpose(a), b));
        const viaFlag = ops.matmul(a, b, true, false);
        assertClose(await take(viaView), await take(viaFlag), fwd, 'transpose view');
        a.dispose();
        b.dispose();
      });
    });

    describe('convolution', () => {
      const cases: [string, number[], number[], R.ConvGeo][] = [
        ['3x3 s1 p1', [2, 3, 8, 7], [4, 3, 3, 3], { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }],
        ['3x3 s2 p1 odd input', [1, 4, 9, 11], [6, 4, 3, 3], { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 }],
        ['dilation 2', [2, 2, 10, 9], [3, 2, 3, 3], { stride: [1, 1], padding: [2, 2], dilation: [2, 2], groups: 1 }],
        ['groups 2', [2, 4, 7, 7], [6, 2, 3, 3], { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 2 }],
        ['depthwise', [2, 5, 6, 6], [5, 1, 3, 3], { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 5 }],
        ['1x1 stride 2', [3, 6, 5, 5], [4, 6, 1, 1], { stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 }],
        ['7x7 s2 p3 asymmetric stride', [1, 3, 13, 12], [2, 3, 7, 5], { stride: [2, 1], padding: [3, 2], dilation: [1, 1], groups: 1 }],
      ];
      for (const [name, xs, ws, geo] of cases) {
        it(`conv2d ${name}`, async () => {
          const xd = randomArray(sizeOf(xs));
          const wd = randomArray(sizeOf(ws));
          const x = t(xd, xs);
          const w = t(wd, ws);
          const y = ops.conv2d(x, w, null, geo);
          await check(y, R.conv2dRef(refOf(xd, xs), refOf(wd, ws), geo), name);
          x.dispose();
          w.dispose();
        });
        it(`conv2d ${name}: gradients`, async () => {
          await gradCheck(`conv2d ${name}`, (x, w) => ops.conv2d(x, w, null, geo), [
            { shape: xs, data: randomArray(sizeOf(xs)) },
            { shape: ws, data: randomArray(sizeOf(ws)) },
          ], gtol);
        });
      }
      it('conv2d with bias and fused relu matches the composite', async () => {
        const xd = randomArray(2 * 3 * 6 * 6);
        const wd = randomArray(4 * 3 * 3 * 3);
        const bd = randomArray(4);
        const [x, w, b] = [t(xd, [2, 3, 6, 6]), t(wd, [4, 3, 3, 3]), t(bd, [4])];
        const y = ops.conv2d(x, w, b, { padding: 1 }, 'relu');
        const r = R.conv2dRef(refOf(xd, [2, 3, 6, 6]), refOf(wd, [4, 3, 3, 3]), { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 });
        const expected = { shape: r.shape, data: r.data.map((v, i) => Math.max(0, v + bd[Math.floor(i / 36) % 4]!)) };
        await check(y, expected, 'conv2d+bias+relu');
        [x, w, b].forEach((v) => v.dispose());
      });
      it("padding 'same' with an even kernel pads after, like PyTorch", async () => {
        const xd = randomArray(1 * 2 * 5 * 5);
        const wd = randomArray(3 * 2 * 2 * 2);
        const [x, w] = [t(xd, [1, 2, 5, 5]), t(wd, [3, 2, 2, 2])];
        const y = ops.conv2d(x, w, null, { padding: 'same' });
        expect(y.shape).toEqual([1, 3, 5, 5]);
        // Equivalent: pad bottom/right by one, then a valid conv.
        const padded = new Float64Array(2 * 6 * 6);
        for (let c = 0; c < 2; c++) for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) padded[(c * 6 + i) * 6 + j] = xd[(c * 5 + i) * 5 + j]!;
        await check(y, R.conv2dRef({ shape: [1, 2, 6, 6], data: padded }, refOf(wd, [3, 2, 2, 2]), { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 }), 'same');
        x.dispose();
        w.dispose();
      });
      const tcases: [string, number[], number[], R.ConvGeo, [number, number]][] = [
        ['stride 2 output padding 1', [2, 3, 4, 5], [3, 4, 3, 3], { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 }, [1, 1]],
        ['2x2 stride 2 (U-Net up)', [1, 4, 3, 3], [4, 2, 2, 2], { stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 }, [0, 0]],
        ['groups 2 dilation 2', [1, 4, 5, 4], [4, 3, 3, 3], { stride: [1, 1], padding: [1, 1], dilation: [2, 2], groups: 2 }, [0, 0]],
      ];
      for (const [name, xs, ws, geo, op] of tcases) {
        it(`convTranspose2d ${name}`, async () => {
          const xd = randomArray(sizeOf(xs));
          const wd = randomArray(sizeOf(ws));
          const x = t(xd, xs);
          const w = t(wd, ws);
          const y = ops.convTranspose2d(x, w, null, { ...geo, outputPadding: op });
          await check(y, R.convTranspose2dRef(refOf(xd, xs), refOf(wd, ws), geo, op), name);
          x.dispose();
          w.dispose();
        });
        it(`convTranspose2d ${name}: gradients`, async () => {
          await gradCheck(`convTranspose2d ${name}`, (x, w) => ops.convTranspose2d(x, w, null, { ...geo, outputPadding: op }), [
            { shape: xs, data: randomArray(sizeOf(xs)) },
            { shape: ws, data: randomArray(sizeOf(ws)) },
          ], gtol);
        });
      }
    });

    describe('pooling and resizing', () => {
      const pools: [string, number[], [number, number], [number, number], [number, number]][] = [
        ['2x2 s2', [2, 3, 6, 7], [2, 2], [2, 2], [0, 0]],
        ['3x3 s2 p1', [1, 2, 9, 8], [3, 3], [2, 2], [1, 1]],
        ['3x3 s1 p1', [2, 1, 5, 5], [3, 3], [1, 1], [1, 1]],
        // A strided subsample (ResNet's option-A shortcut), odd sizes.
        ['1x1 s2', [2, 3, 7, 5], [1, 1], [2, 2], [0, 0]],
      ];
      for (const [name, xs, k, s, p] of pools) {
        it(`maxPool2d ${name} (+ gradients)`, async () => {
          const xd = distinctArray(sizeOf(xs));
          const x = t(xd, xs);
          await check(ops.maxPool2d(x, k, { stride: s, padding: p }), R.pool2dRef(refOf(xd, xs), 'max', k, s, p), `maxPool ${name}`);
          x.dispose();
          await gradCheck(`maxPool2d ${name}`, (v) => ops.maxPool2d(v, k, { stride: s, padding: p }), [{ shape: xs, data: xd }], gtol);
        });
        for (const cip of [true, false]) {
          it(`avgPool2d ${name} countIncludePad=${cip} (+ gradients)`, async () => {
            const xd = randomArray(sizeOf(xs));
            const x = t(xd, xs);
            await check(ops.avgPool2d(x, k, { stride: s, padding: p, countIncludePad: cip }), R.pool2dRef(refOf(xd, xs), 'avg', k, s, p, cip), `avgPool ${name}`);
            x.dispose();
            await gradCheck(`avgPool2d ${name}`, (v) => ops.avgPool2d(v, k, { stride: s, padding: p, countIncludePad: cip }), [{ shape: xs, data: xd }], gtol);
          });
        }
      }
      it('adaptiveAvgPool2d to divisible, non-divisible and 1x1 sizes (+ gradients)', async () => {
        const xs = [2, 3, 5, 7];
        const xd = randomArray(sizeOf(xs));
        const x = t(xd, xs);
        for (const [oh, ow] of [[1, 1], [3, 2], [5, 7]] as [number, number][]) {
          const out = new Float64Array(6 * oh * ow);
          for (let pl = 0; pl < 6; pl++)
            for (let i = 0; i < oh; i++)
              for (let j = 0; j < ow; j++) {
                const [h0, h1] = [Math.floor((i * 5) / oh), Math.ceil(((i + 1) * 5) / oh)];
                const [w0, w1] = [Math.floor((j * 7) / ow), Math.ceil(((j + 1) * 7) / ow)];
                let s = 0;
                for (let a = h0; a < h1; a++) for (let b = w0; b < w1; b++) s += xd[pl * 35 + a * 7 + b]!;
                out[(pl * oh + i) * ow + j] = s / ((h1 - h0) * (w1 - w0));
              }
          await check(ops.adaptiveAvgPool2d(x, [oh, ow]), { shape: [2, 3, oh, ow], data: out }, `adaptive ${oh}x${ow}`);
        }
        x.dispose();
        await gradCheck('adaptiveAvgPool2d', (v) => ops.adaptiveAvgPool2d(v, [3, 2]), [{ shape: xs, data: xd }], gtol);
      });
      const resizes: [string, number, number, 'nearest' | 'bilinear', boolean][] = [
        ['nearest x2', 8, 10, 'nearest', false],
        ['nearest down', 3, 2, 'nearest', false],
        ['bilinear x2', 8, 10, 'bilinear', false],
        ['bilinear odd', 7, 3, 'bilinear', false],
        ['bilinear alignCorners', 9, 11, 'bilinear', true],
      ];
      for (const [name, oh, ow, mode, ac] of resizes) {
        it(`upsample ${name} (+ gradients)`, async () => {
          const xs = [1, 2, 4, 5];
          const xd = randomArray(sizeOf(xs));
          const x = t(xd, xs);
          await check(ops.upsample(x, { size: [oh, ow], mode, alignCorners: ac }), R.resizeRef(refOf(xd, xs), oh, ow, mode, ac), name);
          x.dispose();
          await gradCheck(`upsample ${name}`, (v) => ops.upsample(v, { size: [oh, ow], mode, alignCorners: ac }), [{ shape: xs, data: xd }], gtol);
        });
      }
    });

    describe('layout ops', () => {
      it('contiguous of permuted, sliced and expanded views', async () => {
        const d = randomArray(2 * 3 * 4);
        const x = t(d, [2, 3, 4]);
        const p = tidy(() => ops.contiguous(ops.permute(x, [2, 0, 1])));
        const expected = new Float64Array(24);
        for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected[(k * 2 + i) * 3 + j] = d[(i * 3 + j) * 4 + k]!;
        await check(p, { shape: [4, 2, 3], data: expected }, 'permute');
        const s = tidy(() => ops.contiguous(ops.slice(x, [1, 1, 1], [1, 2, 2])));
        await check(s, { shape: [1, 2, 2], data: Float64Array.from([d[17]!, d[18]!, d[21]!, d[22]!]) }, 'slice');
        const e = tidy(() => ops.contiguous(ops.expand(ops.slice(x, [0, 0, 0], [1, 3, 1]), [2, 3, 3])));
        await check(e, { shape: [2, 3, 3], data: Float64Array.from({ length: 18 }, (_, i) => d[Math.floor((i % 9) / 3) * 4]!) }, 'expand');
        x.dispose();
      });
      it('concat, split, stack and pad', async () => {
        const a = randomArray(6);
        const b = randomArray(4);
        const ta = t(a, [2, 3]);
        const tb = t(b, [2, 2]);
        const c = ops.concat([ta, tb], 1);
        await check(c, { shape: [2, 5], data: Float64Array.from([a[0]!, a[1]!, a[2]!, b[0]!, b[1]!, a[3]!, a[4]!, a[5]!, b[2]!, b[3]!]) }, 'concat');
        const [p0, p1] = ops.split(ta, [1, 2], 1);
        await check(ops.contiguous(p1!), { shape: [2, 2], data: Float64Array.from([a[1]!, a[2]!, a[4]!, a[5]!]) }, 'split');
        p0!.dispose();
        p1!.dispose();
        const st = ops.stack([ta, ta], 1);
        expect(st.shape).toEqual([2, 2, 3]);
        st.dispose();
        const pd = ops.pad(tb, [[1, 0], [0, 2]], -1);
        await check(pd, { shape: [3, 4], data: Float64Array.from([-1, -1, -1, -1, b[0]!, b[1]!, -1, -1, b[2]!, b[3]!, -1, -1]) }, 'pad');
        ta.dispose();
        tb.dispose();
      });
      it('pad with unpadded trailing axes (channels only, outer only, none)', async () => {
        const shape = [2, 3, 4, 5];
        const d = randomArray(120);
        const x = t(d, shape);
        const cases: [number, number][][] = [[[0, 0], [1, 2], [0, 0], [0, 0]], [[2, 1], [0, 0], [0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0], [0, 0]]];
        for (const pads of cases) {
          const out = shape.map((n, i) => n + pads[i]![0] + pads[i]![1]);
          const want = new Float64Array(sizeOf(out)).fill(0.25);
          for (let i = 0; i < 120; i++) {
            const idx = [Math.floor(i / 60), Math.floor(i / 20) % 3, Math.floor(i / 5) % 4, i % 5];
            let o = 0;
            for (let k = 0; k < 4; k++) o = o * out[k]! + idx[k]! + pads[k]![0];
            want[o] = d[i]!;
          }
          await check(ops.pad(x, pads, 0.25), { shape: out, data: want }, `pad ${JSON.stringify(pads)}`);
        }
        x.dispose();
      });
      it('gather and its scatter-add gradient with repeated indices', async () => {
        const d = randomArray(4 * 3);
        const x = t(d, [4, 3]);
        const idx = ops.tensor([3, 0, 3], [3], { dtype: 'int32' });
        const g = ops.gather(x, idx, 0);
        await check(g, { shape: [3, 3], data: Float64Array.from([...d.slice(9, 12), ...d.slice(0, 3), ...d.slice(9, 12)]) }, 'gather');
        const g1 = tidy(() => ops.gather(x, ops.tensor([2, 2], [2], { dtype: 'int32' }), 1));
        await check(g1, { shape: [4, 2], data: Float64Array.from({ length: 8 }, (_, i) => d[Math.floor(i / 2) * 3 + 2]!) }, 'gather axis 1');
        await gradCheck('gather', (v) => ops.gather(v, idx, 0), [{ shape: [4, 3], data: d }], gtol);
        tidy(() => expect(() => ops.gather(x, ops.tensor([4], [1], { dtype: 'int32' }), 0)).toThrow(/out of range/));
        x.dispose();
        idx.dispose();
      });
      it('assign writes in place, broadcasting the source', async () => {
        const x = ops.zeros([2, 3]);
        const v = x.reshape([3, 2]);
        tidy(() => ops.assign(x, ops.tensor([1, 2, 3], [3])));
        expect(Array.from(await x.data())).toEqual([1, 2, 3, 1, 2, 3]);
        expect(Array.from(await v.data())).toEqual([1, 2, 3, 1, 2, 3]);
        x.dispose();
        v.dispose();
      });
    });

    describe('random', () => {
      it('uniform and normal values match the shared counter-based generator', async () => {
        const u = ops.rand([5, 7], { seed: 42, low: -2, high: 3 });
        const expectedU = Float64Array.from({ length: 35 }, (_, i) => -2 + 5 * uniformAt(42, 0, i));
        assertClose(await take(u), expectedU, { atol: 1e-6, rtol: 1e-6 }, 'rand');
        const n = ops.randn([64], { seed: 7, mean: 1, std: 2 });
        const expectedN = Float64Array.from({ length: 64 }, (_, i) => 1 + 2 * normalAt(7, 0, i));
        assertClose(await take(n), expectedN, { atol: 1e-4, rtol: 1e-4 }, 'randn');
        const r = ops.randint(-3, 9, [1000], { seed: 1 });
        expect(r.dtype).toBe('int32');
        const ints = await take(r);
        // floor, not truncation: negative values are reached evenly
        expect(Array.from(ints)).toEqual(Array.from({ length: 1000 }, (_, i) => Math.floor(-3 + 12 * uniformAt(1, 0, i))));
        expect(Math.min(...ints)).toBe(-3);
        expect(Math.max(...ints)).toBe(8);
      });
      it('normal samples have the right moments', async () => {
        const n = await take(ops.randn([20000], { seed: 3 }));
        const m = n.reduce((s, v) => s + v, 0) / n.length;
        const v = n.reduce((s, x) => s + (x - m) ** 2, 0) / n.length;
        expect(Math.abs(m)).toBeLessThan(0.03);
        expect(Math.abs(v - 1)).toBeLessThan(0.05);
      });
    });

    describe('gradients by finite differences', () => {
      const x35 = (lo = -2, hi = 2) => ({ shape: [3, 5], data: randomArray(15, lo, hi) });
      const away = () => ({ shape: [3, 5], data: distinctArray(15, 0.13) });
      const unaryCases: [string, (x: Tensor) => Tensor, () => { shape: number[]; data: Float32Array }][] = [
        ['neg', ops.neg, x35], ['abs', ops.abs, away], ['exp', ops.exp, x35], ['log', ops.log, () => x35(0.3, 3)],
        ['sqrt', ops.sqrt, () => x35(0.3, 3)], ['rsqrt', ops.rsqrt, () => x35(0.3, 3)], ['square', ops.square, x35],
        ['reciprocal', ops.reciprocal, () => x35(0.5, 3)], ['sin', ops.sin, x35], ['cos', ops.cos, x35],
        ['tanh', ops.tanh, x35], ['sigmoid', ops.sigmoid, x35], ['relu', ops.relu, away],
        ['leakyRelu', (x) => ops.leakyRelu(x, 0.1), away], ['gelu', (x) => ops.gelu(x), x35],
        ['gelu tanh', (x) => ops.gelu(x, 'tanh'), x35], ['silu', ops.silu, x35], ['erf', ops.erf, x35],
        ['clamp', (x) => ops.clamp(x, -0.5, 0.6), away],
        // Long enough for vectorised activation-gradient kernels and their remainders.
        ['relu [7,41]', ops.relu, () => ({ shape: [7, 41], data: distinctArray(287, 0.05) })],
        ['sigmoid [7,41]', ops.sigmoid, () => ({ shape: [7, 41], data: randomArray(287, -3, 3) })],
        ['tanh [7,41]', ops.tanh, () => ({ shape: [7, 41], data: randomArray(287, -2, 2) })],
      ];
      for (const [name, f, make] of unaryCases) it(name, () => gradCheck(name, f, [make()], gtol));

      const binCases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
        ['add', ops.add], ['sub', ops.sub], ['mul', ops.mul], ['div', ops.div], ['pow', ops.pow],
        ['maximum', ops.maximum], ['minimum', ops.minimum],
      ];
      for (const [name, f] of binCases) {
        it(`${name} with broadcasting`, () =>
          gradCheck(name, f, [
            { shape: [2, 3, 4], data: name === 'pow' ? randomArray(24, 0.5, 2) : distinctArray(24, 0.11) },
            { shape: [3, 1], data: name === 'div' || name === 'pow' ? randomArray(3, 0.5, 2) : Float32Array.from([0.081, -0.47, 0.38]) },
          ], gtol));
      }
      it('where', () => {
        const c = ops.tensor([1, 0, 1, 0, 0, 1], [2, 3], { dtype: 'int32' });
        return gradCheck('where', (a, b) => ops.where(c, a, b), [{ shape: [2, 3], data: randomArray(6) }, { shape: [1, 3], data: randomArray(3) }], gtol).finally(() => c.dispose());
      });
      const reduceCases: [string, (x: Tensor) => Tensor][] = [
        ['sum axis 1', (x) => ops.sum(x, 1)], ['sum all', (x) => ops.sum(x)], ['mean axes 0,2', (x) => ops.mean(x, [0, 2], true)],
        ['max axis 2', (x) => ops.max(x, 2)], ['min all', (x) => ops.min(x)], ['prod axis 0', (x) => ops.prod(x, 0)],
        ['variance axis 1', (x) => ops.variance(x, 1)], ['logSumExp axis 2', (x) => ops.logSumExp(x, 2)],
      ];
      for (const [name, f] of reduceCases) it(name, () => gradCheck(name, f, [{ shape: [2, 3, 4], data: name.startsWith('prod') ? randomArray(24, 0.5, 1.5) : distinctArray(24, 0.07) }], gtol));
      const layoutCases: [string, (x: Tensor) => Tensor][] = [
        ['reshape', (x) => ops.reshape(x, [4, 6])], ['permute', (x) => ops.permute(x, [2, 0, 1])],
        ['expand', (x) => ops.expand(ops.slice(x, [0, 0, 0], [2, 1, 4]), [2, 5, 4])], ['slice', (x) => ops.slice(x, [1, 1, 0], [1, 2, 3])],
        ['pad', (x) => ops.pad(x, [[0, 1], [2, 0], [1, 1]], 0.5)], ['concat+split', (x) => { const [a, b] = ops.split(x, [1, 3], 2); return ops.concat([b!, ops.mul(a!, 2)], 2); }],
        ['stack', (x) => ops.stack([x, ops.square(x)], 1)], ['flatten', (x) => ops.flatten(x, 1)],
      ];
      for (const [name, f] of layoutCases) it(name, () => gradCheck(name, f, [{ shape: [2, 3, 4], data: randomArray(24) }], gtol));
      it('matmul batched with broadcast and transposes', () =>
        gradCheck('matmul', (a, b) => ops.matmul(a, b, false, true), [{ shape: [2, 1, 3, 4], data: randomArray(24) }, { shape: [3, 5, 4], data: randomArray(60) }], gtol));
      it('linear', () =>
        gradCheck('linear', (x, w, b) => ops.linear(x, w, b), [{ shape: [2, 3, 4], data: randomArray(24) }, { shape: [5, 4], data: randomArray(20) }, { shape: [5], data: randomArray(5) }], gtol));
      it('conv2d with bias', () =>
        gradCheck('conv2d bias', (x, w, b) => ops.conv2d(x, w, b, { padding: 1, stride: 2 }), [
          { shape: [2, 2, 5, 5], data: randomArray(100) }, { shape: [3, 2, 3, 3], data: randomArray(54) }, { shape: [3], data: randomArray(3) },
        ], gtol));
      it('batchNorm (training) with running statistics', async () => {
        const rm = ops.zeros([3]);
        const rv = ops.ones([3]);
        await gradCheck('batchNorm', (x, w, b) => ops.batchNorm(x, null, null, w, b, { training: true }), [
          { shape: [4, 3, 2, 2], data: randomArray(48) }, { shape: [3], data: randomArray(3, 0.5, 1.5) }, { shape: [3], data: randomArray(3) },
        ], gtol);
        const xd = randomArray(48, -1, 3);
        const x = t(xd, [4, 3, 2, 2]);
        const y = ops.batchNorm(x, rm, rv, null, null, { training: true, momentum: 0.1 });
        const r = refOf(xd, [4, 3, 2, 2]);
        const mean = R.reduceRef(r, [0, 2, 3], 'mean');
        const v = new Float64Array(3);
        for (let i = 0; i < 48; i++) {
          const c = Math.floor(i / 4) % 3;
          v[c] = v[c]! + (xd[i]! - mean.data[c]!) ** 2;
        }
        const expectedY = Float64Array.from(xd, (val, i) => {
          const c = Math.floor(i / 4) % 3;
          return (val - mean.data[c]!) / Math.sqrt(v[c]! / 16 + 1e-5);
        });
        await check(y, { shape: [4, 3, 2, 2], data: expectedY }, 'batchNorm output', { atol: 1e-4, rtol: 1e-3 });
        await check(rm, { shape: [3], data: mean.data.map((m) => 0.1 * m) }, 'running mean');
        await check(rv, { shape: [3], data: v.map((s) => 0.9 + 0.1 * (s / 15)) }, 'running var');
        x.dispose();
      });
      it('batchNorm in evaluation mode, over [N, C], over larger planes and far from zero', async () => {
        const xd = randomArray(360, -2, 4);
        const stats = { mean: randomArray(4, -1, 1), variance: randomArray(4, 0.5, 2) };
        const wd = randomArray(4, 0.5, 1.5), bd = randomArray(4);
        const [x, rm, rv, w, b] = [t(xd, [3, 4, 5, 6]), t(stats.mean, [4]), t(stats.variance, [4]), t(wd, [4]), t(bd, [4])];
        await check(ops.batchNorm(x, rm, rv, w, b), R.batchNormRef(refOf(xd, [3, 4, 5, 6]), stats, wd, bd), 'batchNorm (eval) output');
        assertClose(Float64Array.from(await rm.data()), Float64Array.from(stats.mean), { atol: 0, rtol: 0 }, 'running mean untouched in eval');
        await gradCheck('batchNorm (eval)', (xx, ww, bb) => ops.batchNorm(xx, rm, rv, ww, bb), [
          { shape: [3, 4, 5, 6], data: xd }, { shape: [4], data: wd }, { shape: [4], data: bd },
        ], gtol);
        await gradCheck('batchNorm (training) [3,4,5,6]', (xx, ww, bb) => ops.batchNorm(xx, null, null, ww, bb, { training: true }), [
          { shape: [3, 4, 5, 6], data: xd }, { shape: [4], data: wd }, { shape: [4], data: bd },
        ], gtol);
        await gradCheck('batchNorm (training) [6,4], no affine', (xx) => ops.batchNorm(xx, null, null, null, null, { training: true }), [
          { shape: [6, 4], data: randomArray(24) },
        ], gtol);
        // Far from zero: the statistics must not lose the small spread to cancellation.
        const far = xd.map((v) => 1000 + v);
        const xFar = t(far, [3, 4, 5, 6]);
        await check(ops.batchNorm(xFar, null, null, w, b, { training: true }), R.batchNormRef(refOf(far, [3, 4, 5, 6]), null, wd, bd), 'batchNorm (training) near 1000', { atol: 2e-3, rtol: 2e-3 });
        for (const v of [x, xFar, rm, rv, w, b]) v.dispose();
      });
      it('layerNorm and groupNorm', async () => {
        await gradCheck('layerNorm', (x, w, b) => ops.layerNorm(x, [6], w, b), [{ shape: [2, 3, 6], data: randomArray(36) }, { shape: [6], data: randomArray(6) }, { shape: [6], data: randomArray(6) }], gtol);
        await gradCheck('groupNorm', (x, w, b) => ops.groupNorm(x, 2, w, b), [{ shape: [2, 4, 3, 2], data: randomArray(48) }, { shape: [4], data: randomArray(4) }, { shape: [4], data: randomArray(4) }], gtol);
      });
      it('softmax and logSoftmax on both axes', async () => {
        await gradCheck('softmax', (x) => ops.softmax(x, -1), [{ shape: [3, 5], data: randomArray(15, -3, 3) }], gtol);
        await gradCheck('softmax axis 0', (x) => ops.softmax(x, 0), [{ shape: [3, 5], data: randomArray(15, -3, 3) }], gtol);
        await gradCheck('logSoftmax', (x) => ops.logSoftmax(x, -1), [{ shape: [3, 5], data: randomArray(15, -3, 3) }], gtol);
        const d = randomArray(12, -20, 20);
        const y = tidy(() => ops.softmax(t(d, [3, 4])));
        const expected = new Float64Array(12);
        for (let r = 0; r < 3; r++) {
          const row = Array.from(d.slice(r * 4, r * 4 + 4));
          const m = Math.max(...row);
          const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
          row.forEach((v, i) => (expected[r * 4 + i] = Math.exp(v - m) / s));
        }
        await check(y, { shape: [3, 4], data: expected }, 'softmax values');
      });
      it('embedding', async () => {
        const idx = ops.tensor([[1, 3], [3, 0]], undefined, { dtype: 'int32' });
        await gradCheck('embedding', (w) => ops.embedding(idx, w), [{ shape: [4, 3], data: randomArray(12) }], gtol);
        idx.dispose();
      });
      it('scaled dot-product attention (causal)', () =>
        gradCheck('attention', (q, k, v) => ops.scaledDotProductAttention(q, k, v, { causal: true }), [
          { shape: [2, 4, 3], data: randomArray(24) }, { shape: [2, 4, 3], data: randomArray(24) }, { shape: [2, 4, 2], data: randomArray(16) },
        ], gtol));
      it('dropout with a fixed seed', () => gradCheck('dropout', (x) => ops.dropout(x, 0.3, true, 11), [{ shape: [4, 5], data: randomArray(20) }], gtol));
      it('crossEntropy with label smoothing and ignoreIndex, on class maps', async () => {
        const tgt = ops.tensor([1, 255, 0, 2, 2, 1, 0, 255], [2, 2, 2], { dtype: 'int32' });
        await gradCheck('crossEntropy', (x) => ops.crossEntropy(x, tgt, { labelSmoothing: 0.1, ignoreIndex: 255 }), [{ shape: [2, 3, 2, 2], data: randomArray(24, -2, 2) }], gtol);
        const logitsD = randomArray(6, -2, 2);
        const lab = ops.tensor([2, 0], [2], { dtype: 'int32' });
        const l = tidy(() => ops.crossEntropy(t(logitsD, [2, 3]), lab));
        const lse = (r: number) => Math.log([0, 1, 2].reduce((s, c) => s + Math.exp(logitsD[r * 3 + c]!), 0));
        await check(l, { shape: [], data: Float64Array.of((lse(0) - logitsD[2]! + lse(1) - logitsD[3]!) / 2) }, 'crossEntropy value');
        tidy(() => expect(() => ops.crossEntropy(t(logitsD, [2, 3]), ops.tensor([3, 0], [2], { dtype: 'int32' }))).toThrow(/out of range/));
        tgt.dispose();
        lab.dispose();
      });
      it('mse and bceWithLogits', async () => {
        const target = ops.tensor(randomArray(10), [2, 5]);
        await gradCheck('mse', (x) => ops.mse(x, target), [{ shape: [2, 5], data: randomArray(10) }], gtol);
        const bin = ops.tensor([1, 0, 1, 1, 0, 0, 1, 0, 1, 0], [2, 5]);
        await gradCheck('bceWithLogits', (x) => ops.bceWithLogits(x, bin), [{ shape: [2, 5], data: randomArray(10, -4, 4) }], gtol);
        target.dispose();
        bin.dispose();
      });
      it('residual add + relu (fused when the backend has addAct)', () => {
        const a = distinctArray(12, 0.1), b = distinctArray(12, 0.07);
        // Keep every sum clear of relu's kink by more than the finite-difference step.
        a.forEach((v, i) => { if (Math.abs(v + b[i]!) < 0.03) a[i] = v + 0.06; });
        return gradCheck('addActivation', (x, y) => ops.addActivation(x, y, 'relu'), [{ shape: [2, 3, 2], data: a }, { shape: [2, 3, 2], data: b }], gtol);
      });
    });

    describe('memory', () => {
      it(`${options.memorySteps ?? 100} training steps of a small conv net leave memory() flat`, async () => {
        const steps = options.memorySteps ?? 100;
        const params = tidy(() => [
          ops.mul(ops.randn([4, 1, 3, 3], { seed: 1 }), 0.3), ops.zeros([4]), ops.ones([4]), ops.zeros([4]),
          ops.mul(ops.randn([3, 4 * 4 * 4], { seed: 2 }), 0.1), ops.zeros([3]),
        ].map((p) => keep(p.requiresGrad_())));
        const runningMean = keep(ops.zeros([4]));
        const runningVar = keep(ops.ones([4]));
        const x = keep(ops.randn([8, 1, 8, 8], { seed: 3 }));
        const y = keep(ops.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], { dtype: 'int32' }));
        const step = (): Tensor => tidy(() => {
          const [w1, b1, g, beta, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
          let h = ops.conv2d(x, w1, b1, { padding: 1 });
          h = ops.batchNorm(h, runningMean, runningVar, g, beta, { training: true });
          h = ops.maxPool2d(ops.relu(h), 2);
          const logits = ops.linear(ops.flatten(h, 1), w2, b2);
          const loss = ops.crossEntropy(logits, y);
          loss.backward();
          noGrad(() => {
            for (const p of params) {
              ops.assign(p, ops.sub(p, ops.mul(p.grad!, 0.1)));
              p.grad!.dispose();
              p.grad = null;
            }
          });
          return loss;
        });
        const first = step();
        const firstLoss = await first.item();
        first.dispose();
        const baseline = memory();
        let last = 0;
        for (let i = 1; i < steps; i++) {
          const l = step();
          if (i === steps - 1) last = await l.item();
          l.dispose();
        }
        const after = memory();
        expect(after.tensors).toBe(baseline.tensors);
        expect(after.bytes).toBe(baseline.bytes);
        expect(last).toBeLessThan(firstLoss);
        [...params, runningMean, runningVar, x, y].forEach((p) => p.dispose());
      });
      it('using a disposed tensor throws an error that says so', () => {
        const x = ops.ones([2]);
        x.dispose();
        expect(() => ops.add(x, 1)).toThrow(/disposed/);
      });
    });
  });
}
