import { expect, it } from 'vitest';
import { tidy } from '../../engine.js';
import * as ops from '../../ops/index.js';
import { sizeOf } from '../../shape.js';
import { randomArray } from '../helpers.js';
import type { ConformanceSuite } from '../suite.js';

/** Layout kernels: `contiguous` of strided views, concat, split, stack, pad, gather and in-place assign. */
export const layoutSuite: ConformanceSuite = {
  name: 'layout',
  title: 'layout ops',
  register(ctx) {
    const { check } = ctx;
    it('contiguous of permuted, sliced and expanded views', async () => {
      const d = randomArray(2 * 3 * 4);
      const x = ops.tensor(d, [2, 3, 4]);
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
      const ta = ops.tensor(a, [2, 3]);
      const tb = ops.tensor(b, [2, 2]);
      const c = ops.concat([ta, tb], 1);
      await check(c, { shape: [2, 5], data: Float64Array.from([a[0]!, a[1]!, a[2]!, b[0]!, b[1]!, a[3]!, a[4]!, a[5]!, b[2]!, b[3]!]) }, 'concat');
      const [p0, p1] = ops.split(ta, [1, 2], 1);
      await check(ops.contiguous(p1!), { shape: [2, 2], data: Float64Array.from([a[1]!, a[2]!, a[4]!, a[5]!]) }, 'split');
      p0!.dispose();
      p1!.dispose();
      const st = ops.stack([ta, ta], 1);
      expect(st.shape).toEqual([2, 2, 3]);
      st.dispose();
      const pd = ops.pad(
        tb,
        [
          [1, 0],
          [0, 2],
        ],
        -1,
      );
      await check(pd, { shape: [3, 4], data: Float64Array.from([-1, -1, -1, -1, b[0]!, b[1]!, -1, -1, b[2]!, b[3]!, -1, -1]) }, 'pad');
      ta.dispose();
      tb.dispose();
    });
    it('pad with unpadded trailing axes (channels only, outer only, none)', async () => {
      const shape = [2, 3, 4, 5];
      const d = randomArray(120);
      const x = ops.tensor(d, shape);
      const cases: [number, number][][] = [
        [
          [0, 0],
          [1, 2],
          [0, 0],
          [0, 0],
        ],
        [
          [2, 1],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      ];
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
    it('gather along both axes with repeated indices; an index out of range throws', async () => {
      const d = randomArray(4 * 3);
      const x = ops.tensor(d, [4, 3]);
      const idx = ops.tensor([3, 0, 3], [3], { dtype: 'int32' });
      const g = ops.gather(x, idx, 0);
      await check(g, { shape: [3, 3], data: Float64Array.from([...d.slice(9, 12), ...d.slice(0, 3), ...d.slice(9, 12)]) }, 'gather');
      const g1 = tidy(() => ops.gather(x, ops.tensor([2, 2], [2], { dtype: 'int32' }), 1));
      await check(g1, { shape: [4, 2], data: Float64Array.from({ length: 8 }, (_, i) => d[Math.floor(i / 2) * 3 + 2]!) }, 'gather axis 1');
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
  },
};
