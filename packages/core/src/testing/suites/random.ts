import { expect, it } from 'vitest';
import * as ops from '../../ops/index.js';
import { normalAt, uniformAt } from '../../random.js';
import { assertClose, take } from '../helpers.js';
import type { ConformanceSuite } from '../suite.js';

/** Seeded `rand`, `randn` and `randint` reproduce core's counter-based generator value for value. */
export const randomSuite: ConformanceSuite = {
  name: 'random',
  title: 'random',
  register() {
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
  },
};
