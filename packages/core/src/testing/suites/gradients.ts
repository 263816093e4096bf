import { expect, it } from 'vitest';
import { tidy } from '../../engine.js';
import * as ops from '../../ops/index.js';
import { sizeOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { assertClose, distinctArray, gradCheck, randomArray, refOf } from '../helpers.js';
import * as R from '../reference.js';
import type { ConformanceSuite } from '../suite.js';
import { conv2dCases, convTranspose2dCases } from './conv.js';
import { registerDetectionGradients } from './detection.js';
import { adaptivePoolInputShape, poolCases, resizeCases, resizeInputShape } from './pool.js';

/**
 * Every finite-difference check: backprop gradients of each differentiable op against central
 * differences of a random projection of its output, on the geometries the forward suites use.
 * Beside them, the forward values of batch norm (and its running statistics), softmax and
 * cross-entropy, which these tests set up anyway.
 */
export const gradientsSuite: ConformanceSuite = {
  name: 'gradients',
  title: 'gradients by finite differences',
  register(ctx) {
    const { check, gradient: tol } = ctx;
    const x35 = (lo = -2, hi = 2) => ({ shape: [3, 5], data: randomArray(15, lo, hi) });
    const away = () => ({ shape: [3, 5], data: distinctArray(15, 0.13) });
    const unaryCases: [string, (x: Tensor) => Tensor, () => { shape: number[]; data: Float32Array }][] = [
      ['neg', ops.neg, x35],
      ['abs', ops.abs, away],
      ['exp', ops.exp, x35],
      ['log', ops.log, () => x35(0.3, 3)],
      ['sqrt', ops.sqrt, () => x35(0.3, 3)],
      ['rsqrt', ops.rsqrt, () => x35(0.3, 3)],
      ['square', ops.square, x35],
      ['reciprocal', ops.reciprocal, () => x35(0.5, 3)],
      ['sin', ops.sin, x35],
      ['cos', ops.cos, x35],
      ['tanh', ops.tanh, x35],
      ['sigmoid', ops.sigmoid, x35],
      ['relu', ops.relu, away],
      ['leakyRelu', (x) => ops.leakyRelu(x, 0.1), away],
      ['gelu', (x) => ops.gelu(x), x35],
      ['gelu tanh', (x) => ops.gelu(x, 'tanh'), x35],
      ['silu', ops.silu, x35],
      ['erf', ops.erf, x35],
      ['clamp', (x) => ops.clamp(x, -0.5, 0.6), away],
      // Long enough for vectorised activation-gradient kernels and their remainders.
      ['relu [7,41]', ops.relu, () => ({ shape: [7, 41], data: distinctArray(287, 0.05) })],
      ['sigmoid [7,41]', ops.sigmoid, () => ({ shape: [7, 41], data: randomArray(287, -3, 3) })],
      ['tanh [7,41]', ops.tanh, () => ({ shape: [7, 41], data: randomArray(287, -2, 2) })],
    ];
    for (const [name, f, make] of unaryCases) it(name, () => gradCheck(name, f, [make()], tol));

    const binCases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
      ['add', ops.add],
      ['sub', ops.sub],
      ['mul', ops.mul],
      ['div', ops.div],
      ['pow', ops.pow],
      ['maximum', ops.maximum],
      ['minimum', ops.minimum],
    ];
    for (const [name, f] of binCases) {
      it(`${name} with broadcasting`, () =>
        gradCheck(
          name,
          f,
          [
            { shape: [2, 3, 4], data: name === 'pow' ? randomArray(24, 0.5, 2) : distinctArray(24, 0.11) },
            { shape: [3, 1], data: name === 'div' || name === 'pow' ? randomArray(3, 0.5, 2) : Float32Array.from([0.081, -0.47, 0.38]) },
          ],
          tol,
        ));
    }
    it('where', () => {
      const c = ops.tensor([1, 0, 1, 0, 0, 1], [2, 3], { dtype: 'int32' });
      return gradCheck(
        'where',
        (a, b) => ops.where(c, a, b),
        [
          { shape: [2, 3], data: randomArray(6) },
          { shape: [1, 3], data: randomArray(3) },
        ],
        tol,
      ).finally(() => c.dispose());
    });
    const reduceCases: [string, (x: Tensor) => Tensor][] = [
      ['sum axis 1', (x) => ops.sum(x, 1)],
      ['sum all', (x) => ops.sum(x)],
      ['mean axes 0,2', (x) => ops.mean(x, [0, 2], true)],
      ['max axis 2', (x) => ops.max(x, 2)],
      ['min all', (x) => ops.min(x)],
      ['prod axis 0', (x) => ops.prod(x, 0)],
      ['variance axis 1', (x) => ops.variance(x, 1)],
      ['logSumExp axis 2', (x) => ops.logSumExp(x, 2)],
    ];
    for (const [name, f] of reduceCases)
      it(name, () => gradCheck(name, f, [{ shape: [2, 3, 4], data: name.startsWith('prod') ? randomArray(24, 0.5, 1.5) : distinctArray(24, 0.07) }], tol));
    const layoutCases: [string, (x: Tensor) => Tensor][] = [
      ['reshape', (x) => ops.reshape(x, [4, 6])],
      ['permute', (x) => ops.permute(x, [2, 0, 1])],
      ['expand', (x) => ops.expand(ops.slice(x, [0, 0, 0], [2, 1, 4]), [2, 5, 4])],
      ['slice', (x) => ops.slice(x, [1, 1, 0], [1, 2, 3])],
      [
        'pad',
        (x) =>
          ops.pad(
            x,
            [
              [0, 1],
              [2, 0],
              [1, 1],
            ],
            0.5,
          ),
      ],
      [
        'concat+split',
        (x) => {
          const [a, b] = ops.split(x, [1, 3], 2);
          return ops.concat([b!, ops.mul(a!, 2)], 2);
        },
      ],
      ['stack', (x) => ops.stack([x, ops.square(x)], 1)],
      ['flatten', (x) => ops.flatten(x, 1)],
    ];
    for (const [name, f] of layoutCases) it(name, () => gradCheck(name, f, [{ shape: [2, 3, 4], data: randomArray(24) }], tol));
    it('matmul batched with broadcast and transposes', () =>
      gradCheck(
        'matmul',
        (a, b) => ops.matmul(a, b, false, true),
        [
          { shape: [2, 1, 3, 4], data: randomArray(24) },
          { shape: [3, 5, 4], data: randomArray(60) },
        ],
        tol,
      ));
    it('linear', () =>
      gradCheck(
        'linear',
        (x, w, b) => ops.linear(x, w, b),
        [
          { shape: [2, 3, 4], data: randomArray(24) },
          { shape: [5, 4], data: randomArray(20) },
          { shape: [5], data: randomArray(5) },
        ],
        tol,
      ));
    it('conv2d with bias', () =>
      gradCheck(
        'conv2d bias',
        (x, w, b) => ops.conv2d(x, w, b, { padding: 1, stride: 2 }),
        [
          { shape: [2, 2, 5, 5], data: randomArray(100) },
          { shape: [3, 2, 3, 3], data: randomArray(54) },
          { shape: [3], data: randomArray(3) },
        ],
        tol,
      ));
    it('batchNorm (training) with running statistics', async () => {
      const rm = ops.zeros([3]);
      const rv = ops.ones([3]);
      await gradCheck(
        'batchNorm',
        (x, w, b) => ops.batchNorm(x, null, null, w, b, { training: true }),
        [
          { shape: [4, 3, 2, 2], data: randomArray(48) },
          { shape: [3], data: randomArray(3, 0.5, 1.5) },
          { shape: [3], data: randomArray(3) },
        ],
        tol,
      );
      const xd = randomArray(48, -1, 3);
      const x = ops.tensor(xd, [4, 3, 2, 2]);
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
      const wd = randomArray(4, 0.5, 1.5),
        bd = randomArray(4);
      const [x, rm, rv, w, b] = [
        ops.tensor(xd, [3, 4, 5, 6]),
        ops.tensor(stats.mean, [4]),
        ops.tensor(stats.variance, [4]),
        ops.tensor(wd, [4]),
        ops.tensor(bd, [4]),
      ];
      await check(ops.batchNorm(x, rm, rv, w, b), R.batchNormRef(refOf(xd, [3, 4, 5, 6]), stats, wd, bd), 'batchNorm (eval) output');
      assertClose(Float64Array.from(await rm.data()), Float64Array.from(stats.mean), { atol: 0, rtol: 0 }, 'running mean untouched in eval');
      await gradCheck(
        'batchNorm (eval)',
        (xx, ww, bb) => ops.batchNorm(xx, rm, rv, ww, bb),
        [
          { shape: [3, 4, 5, 6], data: xd },
          { shape: [4], data: wd },
          { shape: [4], data: bd },
        ],
        tol,
      );
      await gradCheck(
        'batchNorm (training) [3,4,5,6]',
        (xx, ww, bb) => ops.batchNorm(xx, null, null, ww, bb, { training: true }),
        [
          { shape: [3, 4, 5, 6], data: xd },
          { shape: [4], data: wd },
          { shape: [4], data: bd },
        ],
        tol,
      );
      await gradCheck(
        'batchNorm (training) [6,4], no affine',
        (xx) => ops.batchNorm(xx, null, null, null, null, { training: true }),
        [{ shape: [6, 4], data: randomArray(24) }],
        tol,
      );
      // Far from zero: the statistics must not lose the small spread to cancellation.
      const far = xd.map((v) => 1000 + v);
      const xFar = ops.tensor(far, [3, 4, 5, 6]);
      await check(
        ops.batchNorm(xFar, null, null, w, b, { training: true }),
        R.batchNormRef(refOf(far, [3, 4, 5, 6]), null, wd, bd),
        'batchNorm (training) near 1000',
        { atol: 2e-3, rtol: 2e-3 },
      );
      for (const v of [x, xFar, rm, rv, w, b]) v.dispose();
    });
    it('layerNorm and groupNorm', async () => {
      await gradCheck(
        'layerNorm',
        (x, w, b) => ops.layerNorm(x, [6], w, b),
        [
          { shape: [2, 3, 6], data: randomArray(36) },
          { shape: [6], data: randomArray(6) },
          { shape: [6], data: randomArray(6) },
        ],
        tol,
      );
      await gradCheck(
        'groupNorm',
        (x, w, b) => ops.groupNorm(x, 2, w, b),
        [
          { shape: [2, 4, 3, 2], data: randomArray(48) },
          { shape: [4], data: randomArray(4) },
          { shape: [4], data: randomArray(4) },
        ],
        tol,
      );
    });
    it('softmax and logSoftmax on both axes', async () => {
      await gradCheck('softmax', (x) => ops.softmax(x, -1), [{ shape: [3, 5], data: randomArray(15, -3, 3) }], tol);
      await gradCheck('softmax axis 0', (x) => ops.softmax(x, 0), [{ shape: [3, 5], data: randomArray(15, -3, 3) }], tol);
      await gradCheck('logSoftmax', (x) => ops.logSoftmax(x, -1), [{ shape: [3, 5], data: randomArray(15, -3, 3) }], tol);
      const d = randomArray(12, -20, 20);
      const y = tidy(() => ops.softmax(ops.tensor(d, [3, 4])));
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
      const idx = ops.tensor(
        [
          [1, 3],
          [3, 0],
        ],
        undefined,
        { dtype: 'int32' },
      );
      await gradCheck('embedding', (w) => ops.embedding(idx, w), [{ shape: [4, 3], data: randomArray(12) }], tol);
      idx.dispose();
    });
    it('scaled dot-product attention (causal)', () =>
      gradCheck(
        'attention',
        (q, k, v) => ops.scaledDotProductAttention(q, k, v, { causal: true }),
        [
          { shape: [2, 4, 3], data: randomArray(24) },
          { shape: [2, 4, 3], data: randomArray(24) },
          { shape: [2, 4, 2], data: randomArray(16) },
        ],
        tol,
      ));
    it('scaled dot-product cross-attention (queries and keys of different lengths, key padding mask)', async () => {
      // The decoder's cross-attention: 3 queries over 5 memory positions, the last 1 and 2 padded.
      const padding = ops.tensor([0, 0, 0, 0, -Infinity, 0, 0, 0, -Infinity, -Infinity], [2, 1, 5]);
      await gradCheck(
        'cross-attention',
        (q, k, v) => ops.scaledDotProductAttention(q, k, v, { mask: padding }),
        [
          { shape: [2, 3, 4], data: randomArray(24) },
          { shape: [2, 5, 4], data: randomArray(40) },
          { shape: [2, 5, 2], data: randomArray(20) },
        ],
        tol,
      );
      padding.dispose();
    });
    it('dropout with a fixed seed', () => gradCheck('dropout', (x) => ops.dropout(x, 0.3, true, 11), [{ shape: [4, 5], data: randomArray(20) }], tol));
    it('crossEntropy with label smoothing and ignoreIndex, on class maps', async () => {
      const tgt = ops.tensor([1, 255, 0, 2, 2, 1, 0, 255], [2, 2, 2], { dtype: 'int32' });
      await gradCheck(
        'crossEntropy',
        (x) => ops.crossEntropy(x, tgt, { labelSmoothing: 0.1, ignoreIndex: 255 }),
        [{ shape: [2, 3, 2, 2], data: randomArray(24, -2, 2) }],
        tol,
      );
      const logitsD = randomArray(6, -2, 2);
      const lab = ops.tensor([2, 0], [2], { dtype: 'int32' });
      const l = tidy(() => ops.crossEntropy(ops.tensor(logitsD, [2, 3]), lab));
      const lse = (r: number) => Math.log([0, 1, 2].reduce((s, c) => s + Math.exp(logitsD[r * 3 + c]!), 0));
      await check(l, { shape: [], data: Float64Array.of((lse(0) - logitsD[2]! + lse(1) - logitsD[3]!) / 2) }, 'crossEntropy value');
      tidy(() => expect(() => ops.crossEntropy(ops.tensor(logitsD, [2, 3]), ops.tensor([3, 0], [2], { dtype: 'int32' }))).toThrow(/out of range/));
      tgt.dispose();
      lab.dispose();
    });
    it('mse and bceWithLogits', async () => {
      const target = ops.tensor(randomArray(10), [2, 5]);
      await gradCheck('mse', (x) => ops.mse(x, target), [{ shape: [2, 5], data: randomArray(10) }], tol);
      const bin = ops.tensor([1, 0, 1, 1, 0, 0, 1, 0, 1, 0], [2, 5]);
      await gradCheck('bceWithLogits', (x) => ops.bceWithLogits(x, bin), [{ shape: [2, 5], data: randomArray(10, -4, 4) }], tol);
      target.dispose();
      bin.dispose();
    });
    it('residual add + relu (fused when the backend has addAct)', () => {
      const a = distinctArray(12, 0.1),
        b = distinctArray(12, 0.07);
      // Keep every sum clear of relu's kink by more than the finite-difference step.
      a.forEach((v, i) => {
        if (Math.abs(v + b[i]!) < 0.03) a[i] = v + 0.06;
      });
      return gradCheck(
        'addActivation',
        (x, y) => ops.addActivation(x, y, 'relu'),
        [
          { shape: [2, 3, 2], data: a },
          { shape: [2, 3, 2], data: b },
        ],
        tol,
      );
    });
    // The convolution, pooling, resize and gather geometries of the forward suites.
    for (const [name, xs, ws, geo] of conv2dCases) {
      it(`conv2d ${name}`, () =>
        gradCheck(
          `conv2d ${name}`,
          (x, w) => ops.conv2d(x, w, null, geo),
          [
            { shape: xs, data: randomArray(sizeOf(xs)) },
            { shape: ws, data: randomArray(sizeOf(ws)) },
          ],
          tol,
        ));
    }
    for (const [name, xs, ws, geo, op] of convTranspose2dCases) {
      it(`convTranspose2d ${name}`, () =>
        gradCheck(
          `convTranspose2d ${name}`,
          (x, w) => ops.convTranspose2d(x, w, null, { ...geo, outputPadding: op }),
          [
            { shape: xs, data: randomArray(sizeOf(xs)) },
            { shape: ws, data: randomArray(sizeOf(ws)) },
          ],
          tol,
        ));
    }
    for (const [name, xs, k, s, p] of poolCases) {
      it(`maxPool2d ${name}`, () =>
        gradCheck(`maxPool2d ${name}`, (v) => ops.maxPool2d(v, k, { stride: s, padding: p }), [{ shape: xs, data: distinctArray(sizeOf(xs)) }], tol));
      for (const cip of [true, false]) {
        it(`avgPool2d ${name} countIncludePad=${cip}`, () =>
          gradCheck(
            `avgPool2d ${name} countIncludePad=${cip}`,
            (v) => ops.avgPool2d(v, k, { stride: s, padding: p, countIncludePad: cip }),
            [{ shape: xs, data: randomArray(sizeOf(xs)) }],
            tol,
          ));
      }
    }
    it('adaptiveAvgPool2d to a non-divisible size', () =>
      gradCheck(
        'adaptiveAvgPool2d',
        (v) => ops.adaptiveAvgPool2d(v, [3, 2]),
        [{ shape: adaptivePoolInputShape, data: randomArray(sizeOf(adaptivePoolInputShape)) }],
        tol,
      ));
    for (const [name, oh, ow, mode, ac] of resizeCases) {
      it(`upsample ${name}`, () =>
        gradCheck(
          `upsample ${name}`,
          (v) => ops.upsample(v, { size: [oh, ow], mode, alignCorners: ac }),
          [{ shape: resizeInputShape, data: randomArray(sizeOf(resizeInputShape)) }],
          tol,
        ));
    }
    it('gather (a scatter-add gradient) with repeated indices', async () => {
      const idx = ops.tensor([3, 0, 3], [3], { dtype: 'int32' });
      await gradCheck('gather', (v) => ops.gather(v, idx, 0), [{ shape: [4, 3], data: randomArray(12) }], tol).finally(() => idx.dispose());
    });
    registerDetectionGradients(tol);
  },
};
