import { it } from 'vitest';
import { tidy } from '../../engine.js';
import * as ops from '../../ops/index.js';
import { broadcastShapes, sizeOf } from '../../shape.js';
import { assertClose, randomArray, take } from '../helpers.js';
import type { ConformanceSuite } from '../suite.js';

/** Batched matmul (broadcast batches, transposes, matrix-vector, sizes past a tile) against explicit loops. */
export const matmulSuite: ConformanceSuite = {
  name: 'matmul',
  title: 'matmul',
  register(ctx) {
    const { check } = ctx;
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
        const a = ops.tensor(ad, sa);
        const b = ops.tensor(bd, sb);
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
      const a = ops.tensor(ad, [6, 4]);
      const b = ops.tensor(bd, [6, 5]);
      const viaView = tidy(() => ops.matmul(ops.transpose(a), b));
      const viaFlag = ops.matmul(a, b, true, false);
      assertClose(await take(viaView), await take(viaFlag), ctx.forward, 'transpose view');
      a.dispose();
      b.dispose();
    });
  },
};
