import { describe, expect, it } from 'vitest';
import { sizeOf, stridesOf, type ReduceOp } from '@skipnet/core';
import { assertClose, randomArray } from '@skipnet/core/testing';
import { dense, forEachIndex, k, read } from '../test/helpers.js';

function refReduce(x: ArrayLike<number>, shape: number[], axes: number[], op: ReduceOp): number[] {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const os = stridesOf(outShape);
  const acc = new Array<number>(sizeOf(outShape)).fill(op === 'max' ? -Infinity : op === 'min' ? Infinity : op === 'prod' ? 1 : 0);
  forEachIndex(shape, (idx, flat) => {
    let o = 0;
    for (let i = 0, j = 0; i < shape.length; i++) if (!axes.includes(i)) o += idx[i]! * os[j++]!;
    const v = x[flat]!;
    if (op === 'sum' || op === 'mean') acc[o]! += v;
    else if (op === 'prod') acc[o]! *= v;
    else if (op === 'max') acc[o] = Math.max(acc[o]!, v);
    else acc[o] = Math.min(acc[o]!, v);
  });
  let count = 1;
  for (const a of axes) count *= shape[a]!;
  return op === 'mean' ? acc.map((v) => v / count) : acc;
}

describe('reduce', () => {
  const shape = [3, 4, 5, 2];
  const data = randomArray(sizeOf(shape), 0.5, 1.5);
  const axesCases = [[], [0], [1], [3], [0, 2], [1, 3], [0, 1, 2, 3], [2, 3], [0, 1]];
  for (const op of ['sum', 'mean', 'max', 'min', 'prod'] as ReduceOp[]) {
    it(`${op} over every axis set`, () => {
      const x = dense(data, shape);
      for (const axes of axesCases) {
        const y = k.reduce({ x }, { op, axes });
        assertClose(read(y), refReduce(data, shape, axes, op), { atol: 1e-6, rtol: 1e-5 }, `${op} axes [${axes}]`);
      }
    });
  }

  it('reduces int32 exactly and keeps the dtype', () => {
    const x = dense(Int32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    const s = k.reduce({ x }, { op: 'sum', axes: [1] });
    expect(s).toBeInstanceOf(Int32Array);
    expect(Array.from(s)).toEqual([6, 15]);
    expect(Array.from(k.reduce({ x }, { op: 'prod', axes: [0] }))).toEqual([4, 10, 18]);
    expect(Array.from(k.reduce({ x }, { op: 'max', axes: [0, 1] }))).toEqual([6]);
  });

  it('propagates NaN through max/min and handles rank 0', () => {
    const x = dense(Float32Array.of(1, NaN, 3, 4), [2, 2]);
    const m = k.reduce({ x }, { op: 'max', axes: [1] });
    expect(m[0]).toBeNaN();
    expect(m[1]).toBe(4);
    const m0 = k.reduce({ x }, { op: 'min', axes: [0] });
    expect(m0[0]).toBe(1);
    expect(m0[1]).toBeNaN();
    expect(Array.from(k.reduce({ x: dense(Float32Array.of(7), []) }, { op: 'sum', axes: [] }))).toEqual([7]);
  });

  it('sums a long row accurately (double accumulation)', () => {
    const n = 1 << 20;
    const x = dense(new Float32Array(n).fill(0.1), [n]);
    const s = k.reduce({ x }, { op: 'sum', axes: [0] });
    expect(Math.abs(s[0]! - n * Math.fround(0.1))).toBeLessThan(0.01);
  });
});

describe('argReduce', () => {
  it('argmax/argmin along each axis with ties resolved to the first index', () => {
    const shape = [4, 3, 5];
    // Few distinct values, so ties are common.
    const data = Float32Array.from(randomArray(60), (v) => Math.round(v * 2));
    const x = dense(data, shape);
    for (const op of ['argmax', 'argmin'] as const) {
      for (let axis = 0; axis < 3; axis++) {
        const y = k.argReduce({ x }, { op, axis });
        expect(y).toBeInstanceOf(Int32Array);
        const outShape = shape.filter((_, i) => i !== axis);
        const ref: number[] = [];
        forEachIndex(outShape, (idx) => {
          let best = op === 'argmax' ? -Infinity : Infinity;
          let bi = 0;
          for (let t = 0; t < shape[axis]!; t++) {
            const full = [...idx];
            full.splice(axis, 0, t);
            const v = data[full[0]! * 15 + full[1]! * 5 + full[2]!]!;
            if (op === 'argmax' ? v > best : v < best) {
              best = v;
              bi = t;
            }
          }
          ref.push(bi);
        });
        expect(Array.from(y), `${op} axis ${axis}`).toEqual(ref);
      }
    }
  });

  it('treats NaN as the extreme (first NaN wins)', () => {
    const x = dense(Float32Array.of(1, NaN, 5, NaN, 2, 3), [2, 3]);
    expect(Array.from(k.argReduce({ x }, { op: 'argmax', axis: 1 }))).toEqual([1, 0]);
    expect(Array.from(k.argReduce({ x }, { op: 'argmin', axis: 0 }))).toEqual([1, 0, 1]);
  });
});

function refSoftmax(x: ArrayLike<number>, L: number, log: boolean): number[] {
  const out: number[] = [];
  for (let o = 0; o < x.length; o += L) {
    let m = -Infinity;
    for (let i = 0; i < L; i++) m = Math.max(m, x[o + i]!);
    let s = 0;
    for (let i = 0; i < L; i++) s += Math.exp(x[o + i]! - m);
    for (let i = 0; i < L; i++) out.push(log ? x[o + i]! - m - Math.log(s) : Math.exp(x[o + i]! - m) / s);
  }
  return out;
}

describe('softmax / logSoftmax', () => {
  it('match float64 references over the last axis, including huge logits', () => {
    const data = randomArray(6 * 7, -5, 5);
    data[3] = 1000;
    data[10] = -1000;
    const x = dense(data, [2, 3, 7]);
    assertClose(read(k.softmax({ x }, {})), refSoftmax(data, 7, false), { atol: 1e-7, rtol: 1e-6 }, 'softmax');
    assertClose(read(k.logSoftmax({ x }, {})), refSoftmax(data, 7, true), { atol: 1e-5, rtol: 1e-6 }, 'logSoftmax');
    const rowSums = read(k.softmax({ x }, {}));
    for (let o = 0; o < 42; o += 7) expect(rowSums.subarray(o, o + 7).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});
