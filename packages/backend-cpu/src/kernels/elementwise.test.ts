import { describe, expect, it } from 'vitest';
import { sizeOf, stridesOf, type BinaryOp, type UnaryOp } from '@skipnet/core';
import { UNARY_OPS, assertClose, randomArray } from '@skipnet/core/testing';
import { at, be, dense, forEachIndex, k, randInts, read, view } from '../test/helpers.js';

// A 7×5 logical tensor stored transposed inside a larger buffer with an offset: exercises the strided path.
function transposedView(lo: number, hi: number) {
  const storage = randomArray(3 + 5 * 7 + 4, lo, hi);
  return view(storage, [7, 5], [1, 7], 3);
}

function refUnary(op: UnaryOp, x: number, alpha: number): number {
  const erf = (v: number): number => {
    // Independent reference: the positive series 2/√π·e^{-v²}·Σ (2v²)^n v / (1·3·…·(2n+1)), no cancellation.
    const a = Math.abs(v);
    if (a > 6) return Math.sign(v);
    let term = a,
      sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (2 * a * a) / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return Math.sign(v) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
  };
  switch (op) {
    case 'neg':
      return -x;
    case 'abs':
      return Math.abs(x);
    case 'sign':
      return x > 0 ? 1 : x < 0 ? -1 : 0;
    case 'exp':
      return Math.exp(x);
    case 'log':
      return Math.log(x);
    case 'sqrt':
      return Math.sqrt(x);
    case 'rsqrt':
      return 1 / Math.sqrt(x);
    case 'square':
      return x * x;
    case 'reciprocal':
      return 1 / x;
    case 'sin':
      return Math.sin(x);
    case 'cos':
      return Math.cos(x);
    case 'tanh':
      return Math.tanh(x);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'relu':
      return Math.max(0, x);
    case 'leakyRelu':
      return x > 0 ? x : alpha * x;
    case 'gelu':
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'geluTanh':
      return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'silu':
      return x / (1 + Math.exp(-x));
    case 'erf':
      return erf(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'round': {
      const f = Math.floor(x);
      const d = x - f;
      return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    }
  }
}

const POSITIVE = new Set<UnaryOp>(['log', 'sqrt', 'rsqrt', 'reciprocal']);

describe('unary', () => {
  for (const op of UNARY_OPS) {
    it(`${op} on a transposed, offset view and on dense input`, () => {
      const [lo, hi] = POSITIVE.has(op) ? [0.1, 4] : [-4, 4];
      const x = transposedView(lo, hi);
      const alpha = 0.2;
      const y = k.unary({ x }, { op, alpha });
      const ref: number[] = [];
      forEachIndex(x.shape, (idx) => ref.push(refUnary(op, at(x, idx), alpha)));
      assertClose(read(y), ref, { atol: 1e-6, rtol: 1e-6 }, op);
      // Dense fast path (contiguous from an offset).
      const d = view(Float32Array.from(ref.map((_, i) => lo + ((hi - lo) * i) / ref.length)), [ref.length - 2], [1], 2);
      const yd = k.unary({ x: d }, { op, alpha });
      const refD: number[] = [];
      forEachIndex(d.shape, (idx) => refD.push(refUnary(op, at(d, idx), alpha)));
      assertClose(read(yd), refD, { atol: 1e-6, rtol: 1e-6 }, `${op} dense`);
    });
  }

  it('rounds half to even and leakyRelu defaults alpha to 0.01', () => {
    const x = dense(Float32Array.of(0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5), [7]);
    expect(Array.from(k.unary({ x: { ...x, strides: [1], offset: 0 } }, { op: 'round' }))).toEqual([0, 2, 2, -0, -2, -2, 4]);
    const y = k.unary({ x: { ...x, strides: [1], offset: 0 } }, { op: 'leakyRelu' });
    expect(y[3]).toBeCloseTo(-0.005, 7);
  });

  it('keeps int32 dtype and wraps like int32', () => {
    const x = view(Int32Array.of(3, -4, 70000, -2147483648), [4], [1]);
    const sq = k.unary({ x }, { op: 'square' });
    expect(sq).toBeInstanceOf(Int32Array);
    expect(Array.from(sq)).toEqual([9, 16, Math.imul(70000, 70000), 0]);
    expect(Array.from(k.unary({ x }, { op: 'neg' }))).toEqual([-3, 4, -70000, -2147483648]);
    expect(Array.from(k.unary({ x }, { op: 'abs' }))).toEqual([3, 4, 70000, -2147483648]);
  });

  it('propagates NaN through relu and sign(NaN) is 0', () => {
    const x = view(Float32Array.of(NaN, -1, 2), [3], [1]);
    const r = k.unary({ x }, { op: 'relu' });
    expect(r[0]).toBeNaN();
    expect(Array.from(k.unary({ x }, { op: 'sign' }))).toEqual([0, -1, 1]);
  });
});

function refBinary(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
    case 'pow':
      return Math.pow(a, b);
    case 'maximum':
      return Math.max(a, b);
    case 'minimum':
      return Math.min(a, b);
    case 'eq':
      return a === b ? 1 : 0;
    case 'ne':
      return a !== b ? 1 : 0;
    case 'lt':
      return a < b ? 1 : 0;
    case 'le':
      return a <= b ? 1 : 0;
    case 'gt':
      return a > b ? 1 : 0;
    case 'ge':
      return a >= b ? 1 : 0;
  }
}

const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];

describe('binary', () => {
  const outShape = [3, 4, 5];
  for (const op of BINARY) {
    it(`${op} with broadcasting (stride 0) and a permuted operand`, () => {
      // a: [3,1,5] broadcast along axis 1; b: a [5,4,3]-stored tensor permuted to [3,4,5].
      // Small integers make comparisons hit equality often.
      const aData = op === 'pow' ? randomArray(15, 0.5, 2) : Float32Array.from(randInts(15, -3, 4));
      const bData = op === 'pow' ? randomArray(60, -2, 2) : Float32Array.from(randInts(60, -3, 4), (v) => (v === 0 && op === 'div' ? 1 : v));
      const a = view(aData, outShape, [5, 0, 1]);
      const b = view(bData, outShape, [1, 3, 12]);
      const y = k.binary({ a, b }, { op, outShape });
      const ref: number[] = [];
      forEachIndex(outShape, (idx) => ref.push(refBinary(op, at(a, idx), at(b, idx))));
      assertClose(read(y), ref, { atol: 1e-6, rtol: 1e-6 }, op);
      const compare = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op);
      expect(y).toBeInstanceOf(compare ? Int32Array : Float32Array);
    });
  }

  it('dense same-shape fast path and scalar broadcast', () => {
    const a = randomArray(1000);
    const b = randomArray(1000);
    const y = k.binary({ a: view(a, [10, 100], [100, 1]), b: view(b, [10, 100], [100, 1]) }, { op: 'mul', outShape: [10, 100] });
    assertClose(
      read(y),
      Array.from(a, (v, i) => Math.fround(v * b[i]!)),
      { atol: 0, rtol: 0 },
      'dense',
    );
    const s = k.binary({ a: view(a, [10, 100], [100, 1]), b: view(Float32Array.of(2), [10, 100], [0, 0]) }, { op: 'sub', outShape: [10, 100] });
    assertClose(
      read(s),
      Array.from(a, (v) => Math.fround(v - 2)),
      { atol: 0, rtol: 0 },
      'scalar',
    );
  });

  it('accepts lower-rank views and rank-0 outputs', () => {
    const y = k.binary({ a: view(Float32Array.of(1, 2, 3), [3], [1]), b: view(Float32Array.of(10, 20), [2, 1], [1, 0]) }, { op: 'add', outShape: [2, 3] });
    expect(Array.from(y)).toEqual([11, 12, 13, 21, 22, 23]);
    const z = k.binary({ a: view(Float32Array.of(3), [], []), b: view(Float32Array.of(4), [], []) }, { op: 'mul', outShape: [] });
    expect(Array.from(z)).toEqual([12]);
  });

  it('int32 arithmetic wraps like int32 and keeps the dtype', () => {
    const a = view(Int32Array.of(2147483647, 100000, -7, 9), [4], [1]);
    const b = view(Int32Array.of(1, 100000, 2, -2), [4], [1]);
    expect(Array.from(k.binary({ a, b }, { op: 'add', outShape: [4] }))).toEqual([-2147483648, 200000, -5, 7]);
    expect(Array.from(k.binary({ a, b }, { op: 'mul', outShape: [4] }))).toEqual([2147483647, Math.imul(100000, 100000), -14, -18]);
    expect(Array.from(k.binary({ a, b }, { op: 'div', outShape: [4] }))).toEqual([2147483647, 1, -3, -4]);
  });

  it('maximum/minimum propagate NaN; comparisons with NaN are false except ne', () => {
    const a = view(Float32Array.of(NaN, 1), [2], [1]);
    const b = view(Float32Array.of(0, NaN), [2], [1]);
    const mx = k.binary({ a, b }, { op: 'maximum', outShape: [2] });
    expect(mx[0]).toBeNaN();
    expect(mx[1]).toBeNaN();
    expect(Array.from(k.binary({ a, b }, { op: 'ne', outShape: [2] }))).toEqual([1, 1]);
    expect(Array.from(k.binary({ a, b }, { op: 'le', outShape: [2] }))).toEqual([0, 0]);
  });
});

describe('where', () => {
  it('selects with broadcast cond and operands', () => {
    const outShape = [4, 3, 2];
    const cond = view(Int32Array.of(1, 0, 5), [4, 3, 2], [0, 1, 0]);
    const a = view(randomArray(24), outShape, [1, 8, 4]);
    const b = view(Float32Array.of(-7), outShape, [0, 0, 0]);
    const y = k.where({ cond, a, b }, { outShape });
    const ref: number[] = [];
    forEachIndex(outShape, (idx) => ref.push(at(cond, idx) !== 0 ? at(a, idx) : -7));
    assertClose(read(y), ref, { atol: 0, rtol: 0 }, 'where');
  });

  it('keeps int32 values', () => {
    const y = k.where(
      { cond: view(Int32Array.of(0, 1), [2], [1]), a: view(Int32Array.of(5, 6), [2], [1]), b: view(Int32Array.of(-1, -2), [2], [1]) },
      { outShape: [2] },
    );
    expect(y).toBeInstanceOf(Int32Array);
    expect(Array.from(y)).toEqual([-1, 6]);
  });
});

describe('cast and contiguous', () => {
  it('float → int32 truncates toward zero; int32 → float32 is exact', () => {
    const x = view(Float32Array.of(2.7, -2.7, 0.5, -0.5, 1e9, NaN), [6], [1]);
    const y = k.cast({ x }, { dtype: 'int32' });
    expect(y).toBeInstanceOf(Int32Array);
    expect(Array.from(y)).toEqual([2, -2, 0, 0, 1e9, 0]);
    const f = k.cast({ x: view(Int32Array.of(-3, 16777216), [2], [1]) }, { dtype: 'float32' });
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([-3, 16777216]);
  });

  it('casts a strided view', () => {
    const x = view(Float32Array.of(0, 1.9, 2.9, 3.9, 4.9, 5.9), [2, 2], [2, 1], 2);
    expect(Array.from(k.cast({ x }, { dtype: 'int32' }))).toEqual([2, 3, 4, 5]);
  });

  it('materialises permuted, sliced (stride 2) and broadcast views', () => {
    const shape = [3, 4, 5];
    const storage = randomArray(200);
    const cases = [
      view(storage, shape, [1, 3 * 2, 3 * 4 * 2], 5),
      view(storage, shape, [40, 10, 2], 1),
      view(storage, shape, [0, 7, 1], 13),
      view(storage, shape, [50, 0, 0], 2),
    ];
    for (const x of cases) {
      const y = k.contiguous({ x }, {});
      const ref: number[] = [];
      forEachIndex(shape, (idx) => ref.push(at(x, idx)));
      assertClose(read(y), ref, { atol: 0, rtol: 0 }, `strides ${x.strides.join(',')}`);
    }
  });
});

describe('assign', () => {
  it('writes a broadcast view into dense storage in place', () => {
    const target = dense(new Float32Array(12), [3, 4]);
    const source = view(Float32Array.of(1, 2, 3, 4), [3, 4], [0, 1]);
    const before = be.memory();
    expect(k.assign({ target, source }, {})).toBeUndefined();
    expect(be.memory()).toEqual(before);
    expect(Array.from(target.handle)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
  });

  it('handles a source that aliases the target (shifted view)', () => {
    const target = dense(Float32Array.of(0, 1, 2, 3, 4, 5), [5]);
    // source = target[1:], written into a target of 5 elements over the same storage.
    const source = { handle: target.handle, shape: [5], strides: [1], offset: 1, dtype: 'float32' as const };
    const short = { handle: target.handle, shape: [5], dtype: 'float32' as const };
    k.assign({ target: short, source }, {});
    expect(Array.from(target.handle)).toEqual([1, 2, 3, 4, 5, 5]);
  });

  it('converts dtype on write', () => {
    const target = dense(new Int32Array(3), [3]);
    k.assign({ target, source: view(Float32Array.of(1.9, -1.9, 7), [3], [1]) }, {});
    expect(Array.from(target.handle)).toEqual([1, -1, 7]);
  });

  it('writes through transposed sources', () => {
    const shape = [4, 6];
    const target = dense(new Float32Array(24), shape);
    const data = randomArray(24);
    const source = view(data, shape, [1, 4]);
    k.assign({ target, source }, {});
    const ref: number[] = [];
    forEachIndex(shape, (idx) => ref.push(at(source, idx)));
    assertClose(read(target.handle), ref, { atol: 0, rtol: 0 }, 'values');
    expect(sizeOf(shape)).toBe(stridesOf(shape)[0]! * 4);
  });
});
