import { expect, it } from 'vitest';
import type { UnaryOp } from '../../backend/types.js';
import { tidy } from '../../engine.js';
import * as ops from '../../ops/index.js';
import type { Tensor } from '../../tensor.js';
import { distinctArray, randomArray, refOf, take } from '../helpers.js';
import * as R from '../reference.js';
import { UNARY_OPS, type ConformanceSuite } from '../suite.js';

/** Unary ops on strided views, binary ops and comparisons with broadcasting, int32 promotion, `where` and `cast`. */
export const elementwiseSuite: ConformanceSuite = {
  name: 'elementwise',
  title: 'elementwise',
  register(ctx) {
    const { check } = ctx;
    const domains: Partial<Record<UnaryOp, [number, number]>> = { log: [0.1, 3], sqrt: [0.1, 3], rsqrt: [0.1, 3], reciprocal: [0.5, 3] };
    for (const op of UNARY_OPS) {
      it(`unary ${op} on a strided view`, async () => {
        const [lo, hi] = domains[op] ?? [-3, 3];
        const data = randomArray(7 * 5, lo, hi);
        if (op === 'round') data.set([0.5, 1.5, 2.5, -0.5, -1.5]);
        const x = ops.tensor(data, [7, 5]);
        // Transposed: the kernel must honour strides.
        const xt = x.transpose();
        const expected = R.map(refOf(data, [7, 5]), (v) => R.unaryRef[op]!(v, 0.2));
        const expT = { shape: [5, 7], data: new Float64Array(35).map((_, i) => expected.data[(i % 7) * 5 + Math.floor(i / 7)]!) };
        const y = tidy(() => {
          const v =
            op === 'leakyRelu'
              ? ops.leakyRelu(xt, 0.2)
              : op === 'geluTanh'
                ? ops.gelu(xt, 'tanh')
                : (ops as unknown as Record<string, (a: Tensor) => Tensor>)[op]!(xt);
          return v;
        });
        xt.dispose();
        x.dispose();
        await check(y, expT, op);
      });
    }

    const binaries: [string, (a: number, b: number) => number][] = [
      ['add', (a, b) => a + b],
      ['sub', (a, b) => a - b],
      ['mul', (a, b) => a * b],
      ['div', (a, b) => a / b],
      ['pow', (a, b) => Math.pow(a, b)],
      ['maximum', Math.max],
      ['minimum', Math.min],
      ['eq', (a, b) => +(a === b)],
      ['ne', (a, b) => +(a !== b)],
      ['lt', (a, b) => +(a < b)],
      ['le', (a, b) => +(a <= b)],
      ['gt', (a, b) => +(a > b)],
      ['ge', (a, b) => +(a >= b)],
    ];
    for (const [op, f] of binaries) {
      it(`binary ${op} with broadcasting`, async () => {
        const ad = op === 'pow' ? randomArray(3 * 4 * 5, 0.2, 2) : distinctArray(60, 0.1);
        const bd = op === 'div' || op === 'pow' ? randomArray(4 * 1, 0.5, 2) : Float32Array.from([ad[0]!, ad[7]!, 0.3, -0.25]);
        const a = ops.tensor(ad, [3, 4, 5]);
        const b = ops.tensor(bd, [4, 1]);
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
      const a = ops.tensor(ad, [2, 3]);
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
  },
};
