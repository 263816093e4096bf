import { describe, expect, it } from 'vitest';
import { sizeOf, stridesOf } from '@skipnet/core';
import { assertClose, randomArray } from '@skipnet/core/testing';
import { dense, forEachIndex, k, randInts, read } from '../test/helpers.js';

describe('concat', () => {
  for (const axis of [0, 1, 2]) {
    it(`three inputs along axis ${axis}`, () => {
      const base = [2, 3, 4];
      const parts = [1, 3, 2].map((extent) => {
        const shape = base.map((d, a) => (a === axis ? extent : d));
        return { shape, data: randomArray(sizeOf(shape)) };
      });
      const outShape = base.map((d, a) => (a === axis ? 6 : d));
      const y = k.concat({ xs: parts.map((p) => dense(p.data, p.shape)) }, { axis, outShape });
      const ref: number[] = [];
      forEachIndex(outShape, (idx) => {
        let t = idx[axis]!;
        for (const p of parts) {
          if (t < p.shape[axis]!) {
            const local = idx.map((v, a) => (a === axis ? t : v));
            ref.push(p.data[local.reduce((s, v, a) => s + v * stridesOf(p.shape)[a]!, 0)]!);
            return;
          }
          t -= p.shape[axis]!;
        }
      });
      assertClose(read(y), ref, { atol: 0, rtol: 0 }, `axis ${axis}`);
    });
  }

  it('keeps int32 and copies long runs', () => {
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    const b = Int32Array.from({ length: 50 }, (_, i) => -i);
    const y = k.concat({ xs: [dense(a, [100]), dense(b, [50])] }, { axis: 0, outShape: [150] });
    expect(y).toBeInstanceOf(Int32Array);
    expect(Array.from(y)).toEqual([...a, ...b]);
  });
});

describe('pad', () => {
  it('pads every axis with a constant', () => {
    const shape = [2, 3, 4];
    const pads: [number, number][] = [
      [1, 0],
      [0, 2],
      [3, 1],
    ];
    const x = randomArray(sizeOf(shape));
    const y = k.pad({ x: dense(x, shape) }, { pads, value: -1.5 });
    const outShape = shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
    const ref: number[] = [];
    forEachIndex(outShape, (idx) => {
      const src = idx.map((v, i) => v - pads[i]![0]);
      const inside = src.every((v, i) => v >= 0 && v < shape[i]!);
      ref.push(inside ? x[src.reduce((s, v, i) => s + v * stridesOf(shape)[i]!, 0)]! : -1.5);
    });
    assertClose(read(y), ref, { atol: 0, rtol: 0 }, 'pad');
  });

  it('handles zero padding, int32, rank 1 and rank 0', () => {
    expect(Array.from(k.pad({ x: dense(Int32Array.of(1, 2), [2]) }, { pads: [[2, 1]], value: 7 }))).toEqual([7, 7, 1, 2, 7]);
    expect(
      Array.from(
        k.pad(
          { x: dense(Float32Array.of(1, 2, 3, 4), [2, 2]) },
          {
            pads: [
              [0, 0],
              [0, 0],
            ],
            value: 0,
          },
        ),
      ),
    ).toEqual([1, 2, 3, 4]);
    expect(Array.from(k.pad({ x: dense(Float32Array.of(9), []) }, { pads: [], value: 0 }))).toEqual([9]);
  });
});

describe('gather / scatterAdd', () => {
  for (const axis of [0, 1, 2]) {
    it(`index_select and index_add along axis ${axis} with repeated indices`, () => {
      const shape = [4, 5, 3];
      const x = randomArray(sizeOf(shape));
      const idx = randInts(7, 0, shape[axis]!);
      idx[1] = idx[0]!; // a guaranteed repeat
      const outShape = shape.map((d, a) => (a === axis ? 7 : d));
      const y = k.gather({ x: dense(x, shape), indices: dense(idx, [7]) }, { axis, outShape });
      const ref: number[] = [];
      forEachIndex(outShape, (i) => {
        const src = i.map((v, a) => (a === axis ? idx[v]! : v));
        ref.push(x[src.reduce((s, v, a) => s + v * stridesOf(shape)[a]!, 0)]!);
      });
      assertClose(read(y), ref, { atol: 0, rtol: 0 }, 'gather');

      const upd = randomArray(sizeOf(outShape));
      const z = k.scatterAdd({ updates: dense(upd, outShape), indices: dense(idx, [7]) }, { axis, outShape: shape });
      const refZ = new Float64Array(sizeOf(shape));
      forEachIndex(outShape, (i, flat) => {
        const dst = i.map((v, a) => (a === axis ? idx[v]! : v));
        refZ[dst.reduce((s, v, a) => s + v * stridesOf(shape)[a]!, 0)]! += upd[flat]!;
      });
      assertClose(read(z), refZ, { atol: 1e-6, rtol: 1e-6 }, 'scatterAdd');
    });
  }

  it('gathers long rows and int32 values (embedding lookup)', () => {
    const table = randomArray(10 * 64);
    const idx = Int32Array.of(9, 0, 9, 4);
    const y = k.gather({ x: dense(table, [10, 64]), indices: dense(idx, [4]) }, { axis: 0, outShape: [4, 64] });
    expect(Array.from(y.subarray(128, 192))).toEqual(Array.from(table.subarray(9 * 64, 10 * 64)));
    const yi = k.gather({ x: dense(Int32Array.of(5, 6, 7), [3]), indices: dense(Int32Array.of(2, 2, 0), [3]) }, { axis: 0, outShape: [3] });
    expect(yi).toBeInstanceOf(Int32Array);
    expect(Array.from(yi)).toEqual([7, 7, 5]);
  });
});
