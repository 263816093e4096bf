import { describe, expect, it } from 'vitest';
import type { Activation } from '@skipnet/core';
import { assertClose, randomArray } from '@skipnet/core/testing';
import { erf } from '../math.js';
import { dense, k, read } from '../test/helpers.js';

const f: Record<Activation, (v: number) => number> = {
  none: (v) => v,
  relu: (v) => Math.max(0, v),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  silu: (v) => v / (1 + Math.exp(-v)),
};

describe('addAct', () => {
  for (const act of Object.keys(f) as Activation[]) {
    it(`act(a + b) with ${act}`, () => {
      const a = randomArray(105, -3, 3),
        b = randomArray(105, -3, 3);
      const y = k.addAct({ a: dense(a, [3, 5, 7]), b: dense(b, [3, 5, 7]) }, { activation: act });
      assertClose(
        read(y),
        Array.from(a, (v, i) => f[act](v + b[i]!)),
        { atol: 1e-6, rtol: 1e-6 },
        act,
      );
    });
  }

  it('adds int32 tensors with activation none', () => {
    const y = k.addAct({ a: dense(Int32Array.of(1, -5), [2]), b: dense(Int32Array.of(2, 3), [2]) }, { activation: 'relu' });
    expect(y).toBeInstanceOf(Int32Array);
    expect(Array.from(y)).toEqual([3, 0]);
  });
});
