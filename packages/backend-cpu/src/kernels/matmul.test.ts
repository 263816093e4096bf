import { describe, expect, it } from 'vitest';
import { assertClose, randomArray } from '@skipnet/core/testing';
import { dense, k, read } from '../test/helpers.js';

/** Float64 reference of the batched product with the kernel's conventions. */
function refMatmul(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean): number[] {
  const [Ba, a1, a2] = aShape as [number, number, number];
  const [Bb, b1, b2] = bShape as [number, number, number];
  const M = tA ? a2 : a1,
    K = tA ? a1 : a2,
    N = tB ? b1 : b2;
  const B = Math.max(Ba, Bb);
  const out: number[] = [];
  for (let bt = 0; bt < B; bt++) {
    const ao = (Ba === 1 ? 0 : bt) * M * K,
      bo = (Bb === 1 ? 0 : bt) * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let q = 0; q < K; q++) s += a[ao + (tA ? q * M + i : i * K + q)]! * b[bo + (tB ? j * K + q : q * N + j)]!;
        out.push(s);
      }
    }
  }
  return out;
}

function check(B1: number, B2: number, M: number, K: number, N: number, tA: boolean, tB: boolean): void {
  const aShape = tA ? [B1, K, M] : [B1, M, K];
  const bShape = tB ? [B2, N, K] : [B2, K, N];
  const a = randomArray(B1 * M * K);
  const b = randomArray(B2 * K * N);
  const y = k.matmul({ a: dense(a, aShape), b: dense(b, bShape) }, { transposeA: tA, transposeB: tB });
  assertClose(read(y), refMatmul(a, aShape, b, bShape, tA, tB), { atol: 1e-5, rtol: 1e-5 }, `B${B1}/${B2} ${M}×${K}·${K}×${N} tA=${tA} tB=${tB}`);
}

describe('matmul', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 3],
    [5, 1, 9],
    [3, 5, 7],
    [9, 2, 4],
    [13, 17, 11],
    [33, 65, 29],
    [70, 300, 37],
  ];
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      it(`odd sizes, transposeA=${tA} transposeB=${tB}`, () => {
        shapes.forEach(([M, K, N]) => check(1, 1, M, K, N, tA, tB));
      });
    }
  }

  it('crosses every blocking boundary (M > 64, K > 256, N > 1024) with ragged edges', () => {
    check(1, 1, 69, 259, 1029, false, false);
  });

  it('batches and broadcasts a batch of 1 on either side', () => {
    check(3, 3, 6, 5, 7, false, false);
    check(1, 4, 6, 5, 7, false, true);
    check(4, 1, 6, 5, 7, false, false); // folds the batch into M
    check(4, 1, 6, 5, 7, true, false);
    check(2, 1, 9, 8, 2, false, true);
  });

  it('handles empty dimensions (K = 0 gives zeros)', () => {
    const y = k.matmul({ a: dense(new Float32Array(0), [1, 3, 0]), b: dense(new Float32Array(0), [1, 0, 2]) }, { transposeA: false, transposeB: false });
    expect(Array.from(y)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('multiplies int32 operands into an int32 result', () => {
    const y = k.matmul(
      { a: dense(Int32Array.of(1, 2, 3, 4), [1, 2, 2]), b: dense(Int32Array.of(5, 6, 7, 8), [1, 2, 2]) },
      { transposeA: false, transposeB: false },
    );
    expect(y).toBeInstanceOf(Int32Array);
    expect(Array.from(y)).toEqual([19, 22, 43, 50]);
  });

  it('propagates NaN and Infinity', () => {
    const y = k.matmul(
      { a: dense(Float32Array.of(0, 1), [1, 1, 2]), b: dense(Float32Array.of(NaN, 1, 2, 3), [1, 2, 2]) },
      { transposeA: false, transposeB: false },
    );
    expect(y[0]).toBeNaN();
    expect(y[1]).toBe(3);
  });
});
