import { expect, it } from 'vitest';
import * as ops from '../../ops/index.js';
import { randomArray, refOf, take } from '../helpers.js';
import * as R from '../reference.js';
import type { ConformanceSuite } from '../suite.js';

/** Sum, mean, max, min and prod over axes of a permuted view; argmax/argmin ties; variance and logSumExp. */
export const reductionsSuite: ConformanceSuite = {
  name: 'reductions',
  title: 'reductions',
  register(ctx) {
    const { check } = ctx;
    for (const op of ['sum', 'mean', 'max', 'min', 'prod'] as const) {
      for (const axes of [[1], [0, 2], [0, 1, 2]]) {
        it(`${op} over ${JSON.stringify(axes)} of a permuted view`, async () => {
          const d = op === 'prod' ? randomArray(3 * 4 * 5, 0.8, 1.2) : randomArray(60);
          const base = ops.tensor(d, [3, 4, 5]);
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
      const x = ops.tensor(d, [3, 4]);
      expect(Array.from(await take(ops.argmax(x, 1)))).toEqual([1, 1, 0]);
      expect(Array.from(await take(ops.argmin(x, 1)))).toEqual([3, 0, 2]);
      expect(Array.from(await take(ops.argmax(x, 0)))).toEqual([2, 2, 0, 2]);
      expect(Array.from(await take(ops.argmax(x)))).toEqual([8]);
      x.dispose();
    });
    it('variance (unbiased and biased) and logSumExp', async () => {
      const d = randomArray(24);
      const x = ops.tensor(d, [4, 6]);
      const r = refOf(d, [4, 6]);
      const m = R.reduceRef(r, [1], 'mean');
      const ss = new Float64Array(4).map((_, i) => d.slice(i * 6, i * 6 + 6).reduce((s, v) => s + (v - m.data[i]!) ** 2, 0));
      await check(ops.variance(x, 1), { shape: [4], data: ss.map((v) => v / 5) }, 'variance');
      await check(ops.variance(x, 1, false, 0), { shape: [4], data: ss.map((v) => v / 6) }, 'variance biased');
      const lse = new Float64Array(4).map((_, i) => Math.log(d.slice(i * 6, i * 6 + 6).reduce((s, v) => s + Math.exp(v), 0)));
      await check(ops.logSumExp(x, 1), { shape: [4], data: lse }, 'logSumExp');
      x.dispose();
    });
  },
};
